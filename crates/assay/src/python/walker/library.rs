//! What library APIs return: constant folding, decoders, module lookups
//! and the taint of sources (environment, network, secrets, host data).

use std::sync::Arc;

use ruff_text_size::TextSize;

use super::super::consts::{self, Const};
use super::super::names::{self, Decoder};
use super::super::taint;
use super::super::{QualName, Segment};
use super::{Sym, Walker};
use crate::python::template::{Hole, Part, Template};
use crate::via::{Step, Via};

impl<'a> Walker<'a, '_> {
    /// Evaluates what a call returns when the analysis can tell: constant
    /// folding, decoding, module lookups and taint sources.
    pub(super) fn fold_call(
        &mut self,
        qual: &QualName,
        callee: &Sym,
        args: &[Sym],
        keywords: &[(Arc<str>, Sym)],
        at: TextSize,
    ) -> Sym {
        let name = qual.as_str();
        let arg = |i: usize| args.get(i);
        let mut result = Sym {
            qual: Some(qual.called()),
            taint: args
                .iter()
                .chain(keywords.iter().map(|(_, v)| v))
                .fold(callee.taint, |t, a| t | a.taint),
            ..Sym::default()
        };
        let receiver = callee.receiver.as_deref();

        if let Some(decoder) = names::decoder(qual) {
            return self.decode_call(decoder, arg(0), result, at);
        }
        match name {
            "codecs.decode" | "codecs.encode" => {
                let codec = arg(1).or_else(|| {
                    keywords
                        .iter()
                        .find(|(k, _)| &**k == "encoding")
                        .map(|(_, v)| v)
                });
                if let Some(decoder) = codec.and_then(|c| c.str()).and_then(Decoder::from_codec) {
                    return self.decode_call(decoder, arg(0), result, at);
                }
            }
            "str.decode" | "bytes.decode" | "str.encode" | "bytes.encode" => {
                let codec = arg(0).and_then(Sym::str);
                if let Some(decoder) = codec.and_then(Decoder::from_codec) {
                    return self.decode_call(decoder, receiver, result, at);
                }
                if let Some(r) = receiver {
                    result.taint |= r.taint;
                    result.chain = r.chain.clone();
                    result.analysed = r.analysed;
                    result.konst = r.konst.as_ref().and_then(|k| {
                        if name.ends_with("decode") {
                            k.as_text().map(Const::Str)
                        } else {
                            k.as_text().map(|t| Const::Bytes(t.as_bytes().into()))
                        }
                    });
                }
                return result;
            }
            "builtins.__import__" | "importlib.import_module" | "importlib.__import__" => {
                if let Some(module) = arg(0).and_then(Sym::str) {
                    self.out
                        .imports
                        .push((Arc::from(module), at, self.frame.node.clone()));
                    return Sym::qual(QualName::dotted(module));
                }
            }
            // `setattr(__builtins__, "_x", exec)`: a new global name.
            "builtins.setattr" if arg(0).and_then(|a| a.qual_str()) == Some("builtins") => {
                if let (Some(name), Some(value)) = (arg(1).and_then(Sym::str), arg(2)) {
                    let (name, value): (Arc<str>, Sym) = (Arc::from(name), value.clone());
                    if self.layer > 0 {
                        self.bound.push(name.clone());
                    }
                    self.scopes[0].insert(name, value);
                }
            }
            "builtins.getattr" => {
                if let (Some(base), Some(attr)) = (arg(0), arg(1).and_then(Sym::str)) {
                    return self.attribute(base.clone(), attr);
                }
            }
            // `map(chr, [105, 100])`, as obfuscators spell `"id"`.
            "builtins.map" => {
                let function = arg(0)
                    .and_then(|f| f.qual.as_ref())
                    .filter(|f| matches!(f.as_str(), "builtins.chr" | "builtins.str"));
                if let (Some(f), Some(Const::Seq(items))) =
                    (function, arg(1).and_then(Sym::konst_ref))
                {
                    let mapped: Option<Vec<Const>> = items
                        .iter()
                        .map(|item| {
                            let item = Sym::constant(item.clone());
                            consts::fold_call(f, None, std::slice::from_ref(&item), &[])
                        })
                        .collect();
                    if let Some(mapped) = mapped {
                        result.konst = Some(Const::Seq(mapped.into()));
                        return result;
                    }
                }
            }
            // `oct.__str__()` is `"<built-in function oct>"`: obfuscators
            // index into such texts to spell names.
            _ if qual.root() == Some("builtins")
                && (qual.is_attribute("__str__") || qual.is_attribute("__repr__")) =>
            {
                if let Some(text) = builtin_of_method(qual).and_then(builtin_text) {
                    result.konst = Some(Const::Str(text.into()));
                    return result;
                }
            }
            "builtins.globals" | "builtins.locals" | "builtins.vars" if args.is_empty() => {
                return Sym::qual(qual.called());
            }
            // `os.getenv("API_URL", "https://…")`: unless the user set the
            // variable, the value is the default, and what is done with it
            // is done with the default (a hidden endpoint kept as one).
            "os.getenv" | "os.environ.get" => {
                let default = arg(1).or_else(|| {
                    keywords
                        .iter()
                        .find(|(k, _)| &**k == "default")
                        .map(|(_, v)| v)
                });
                if let Some(default) = default {
                    result.konst = default.konst.clone();
                    result.template = default.template.clone();
                    result.chain = default.chain.clone();
                }
            }
            "builtins.open" | "io.open" | "codecs.open" | "str.open" | "str.read_text"
            | "str.read_bytes" => {
                let path = if name.starts_with("str.") {
                    receiver.and_then(Sym::text)
                } else {
                    arg(0).and_then(Sym::text)
                };
                if path.is_some_and(|p| names::credential_target(&p).is_some()) {
                    result.taint |= taint::SECRET;
                }
            }
            _ => {}
        }
        if names::is_env_read(qual) {
            result.taint |= taint::ENV;
        }
        // `os.getenv("AWS_SECRET_ACCESS_KEY")`: a credential, by its name.
        if matches!(
            name,
            "os.getenv" | "os.environ.get" | "os.environ.pop" | "os.environ.setdefault"
        ) && arg(0)
            .and_then(Sym::str)
            .is_some_and(names::is_credential_variable)
        {
            result.taint |= taint::ENV_SECRET;
        }
        if let Some(r) = receiver {
            result.taint |= r.taint;
            // A method of a value a local function returned carries what
            // that function returns (`fetch(u).split()[1]`).
            if result.returned_by.is_none() {
                result.returned_by = r.returned_by.clone();
            }
        }
        // One variable read from the environment is not all of it.
        if matches!(
            name,
            "os.environ.get"
                | "os.environ.pop"
                | "os.environ.setdefault"
                | "os.environ.__getitem__"
        ) {
            result.taint &= !taint::ENV_ALL;
        }
        // `urlretrieve` returns the local path it wrote, not what it read.
        if names::is_network_read(qual) && !names::is_download_to_file(qual) {
            result.taint |= taint::NETWORK;
            let texts = args
                .iter()
                .chain(keywords.iter().map(|(_, v)| v))
                .filter_map(Sym::text);
            for text in texts {
                if names::is_metadata_endpoint(&text) {
                    result.taint |= taint::METADATA;
                } else if names::is_address_lookup(&text) {
                    result.taint |= taint::HOST_INFO;
                } else if names::credential_target(&text).is_some() {
                    result.taint |= taint::SECRET;
                }
            }
        }
        if names::is_secret_read(qual) {
            result.taint |= taint::SECRET;
        }
        if names::is_sdk_token(qual) {
            result.taint |= taint::TOOL_TOKEN;
        }
        // What `gh auth token` or `cat ~/.ssh/id_rsa` prints.
        if names::is_process(qual)
            && let Some(cmd) = arg(0).and_then(Sym::printed)
        {
            if names::token_command(&cmd).is_some() {
                result.taint |= taint::TOOL_TOKEN;
            } else if names::secret_command(&cmd).is_some() {
                result.taint |= taint::SECRET;
            }
        }
        // A file picked by a credential file name, read; a file read from
        // a credential location (`os.path.join(home, ".ssh", name)`,
        // `Path.home() / ".pypirc"`).
        if names::reads_file(qual) {
            let path = if qual.is_attribute("read_text")
                || qual.is_attribute("read_bytes")
                || qual.is_attribute("open") && receiver.is_some()
            {
                receiver
            } else {
                arg(0)
            };
            let located = path
                .and_then(Sym::printed)
                .is_some_and(|p| names::credential_location(&p).is_some());
            if located || result.taint & taint::CREDENTIAL_PATH != 0 {
                result.taint |= taint::SECRET;
            }
        }
        // `glob.glob("**/.env", recursive=True)`, `home.rglob("id_rsa")`.
        if matches!(qual.last_name(), Some("glob" | "iglob" | "rglob"))
            && args
                .first()
                .and_then(Sym::text)
                .is_some_and(|pattern| names::is_credential_file_name(&pattern))
        {
            result.taint |= taint::CREDENTIAL_PATH;
        }
        // The entries of the user's own folders.
        if names::is_listing(qual)
            && args
                .first()
                .and_then(Sym::text)
                .is_some_and(|p| names::is_user_files_root(&p))
        {
            result.taint |= taint::USER_FILES;
        }
        // A password prompt, or a prompt that asks for a credential.
        let prompt = args.first().and_then(Sym::text);
        if name == "getpass.getpass"
            || (name == "builtins.input" && prompt.is_some_and(|p| names::asks_for_credential(&p)))
        {
            result.taint |= taint::PROMPTED;
        }
        // A hash or a signature of a value reveals nothing of it: neither
        // a secret read here nor whatever another module's function
        // returns (which is known only once the package is linked).
        if result.taint & (taint::SECRET | taint::IMPORTED) != 0 && names::derives_from_secret(qual)
        {
            result.taint &= !(taint::SECRET | taint::IMPORTED);
        }
        if matches!(
            name,
            "socket.gethostname"
                | "socket.getfqdn"
                | "getpass.getuser"
                | "os.getlogin"
                | "platform.node"
                | "platform.uname"
                | "os.getcwd"
                | "os.uname"
        ) {
            result.taint |= taint::HOST_INFO;
        }
        if names::capture(qual).is_some() {
            result.taint |= taint::COLLECTED;
        }
        if let Some(folded) = consts::fold_call(
            qual,
            receiver.and_then(|r| r.konst.as_ref()),
            args,
            keywords,
        ) {
            if let Some(text) = folded.as_text() {
                self.record_string(&text, at);
            }
            result.konst = Some(folded);
            result.chain = receiver
                .and_then(|r| r.chain.clone())
                .or_else(|| args.iter().find_map(|a| a.chain.clone()));
        }
        // `os.path.join(home, ".ssh", name)`: the path's shape, with a hole
        // for each part not known.
        if result.konst.is_none()
            && matches!(name, "os.path.join" | "posixpath.join" | "ntpath.join")
            && !args.is_empty()
        {
            result.template = Some(path_template(args.iter()));
        }
        // A path built to a credential location (`os.path.expanduser(
        // f"~/.ssh/{name}")`, `os.path.join(home, ".aws", "credentials")`)
        // is a credential path wherever it goes: read, copied, uploaded.
        if matches!(
            name,
            "os.path.join"
                | "os.path.expanduser"
                | "os.path.expandvars"
                | "os.path.abspath"
                | "os.path.normpath"
                | "pathlib.Path"
                | "pathlib.Path().joinpath"
        ) {
            // With unknown parts, the path's shape (`~/.ssh/{}`), when one
            // of them has a shape and every other is constant.
            let base = receiver.filter(|_| name == "pathlib.Path().joinpath");
            let mut parts = base.into_iter().chain(args);
            if result.konst.is_none()
                && result.template.is_none()
                && parts.clone().any(|p| p.template.is_some())
                && parts.all(|p| p.text().is_some() || p.template.is_some())
            {
                result.template = Some(path_template(base.into_iter().chain(args)));
            }
            if result
                .printed()
                .is_some_and(|p| names::credential_location(&p).is_some())
            {
                result.taint |= taint::CREDENTIAL_PATH;
            }
        }
        if result.konst.is_none()
            && name == "str.format"
            && let Some(Const::Str(fmt)) = receiver.and_then(|r| r.konst.as_ref())
        {
            // Which argument fills which field is not followed: each hole
            // carries what the arguments carry together.
            let filled = args
                .iter()
                .chain(keywords.iter().map(|(_, v)| v))
                .fold(0, |t, a| t | a.taint);
            let template = consts::brace_template(fmt, Hole { taint: filled });
            if template.labels_a_credential() {
                result.taint |= taint::LABELLED_SECRET;
            }
            result.template = Some(template);
        }
        if name == "builtins.compile" {
            // `compile(S, ...)` is S until something runs it: `eval` and
            // `exec` analyse it there (and `eval` yields its value).
            if let Some(code) = arg(0) {
                result.konst = code.konst.clone();
                result.chain = code.chain.clone();
                result.analysed = code.analysed;
            }
        } else if names::is_code_exec(qual)
            && let Some(code) = arg(0).filter(|a| !a.analysed).and_then(Sym::text)
        {
            let chain = arg(0)
                .and_then(|a| a.chain.clone())
                .unwrap_or_else(|| Via::of(Step::ExecString));
            let value = self.nested(&code, &chain, at);
            // `eval("exec")`, `eval("__import__('base64')")`: obfuscators
            // look names up through `eval` of constant text.
            if name == "builtins.eval"
                && let Some(mut value) = value
            {
                value.taint |= result.taint;
                return value;
            }
        } else if names::is_process(qual) || qual.is_attribute("write") {
            // Python source written to a file or handed to `python -c` runs
            // later: analyse it here, where it is planted.
            for code in args.iter().filter(|a| !a.analysed).filter_map(Sym::text) {
                let code = match code.find("-c ") {
                    Some(at) if names::is_process(qual) => {
                        code[at + 3..].trim_matches(['"', '\'', ' ']).to_owned()
                    }
                    _ => code.to_string(),
                };
                let step = if names::is_process(qual) {
                    Step::ProcessCode
                } else {
                    Step::WrittenFile
                };
                self.planted(&code, step, at);
            }
        }
        result
    }
}

/// What `str()` of a builtin gives, where it is stable across versions.
/// The builtin whose method `qual` names (`oct` of `builtins.oct.__str__`):
/// a name that is neither called nor indexed.
fn builtin_of_method(qual: &QualName) -> Option<&str> {
    let segments = qual.segments();
    let first = segments
        .iter()
        .position(|s| !matches!(s, Segment::Name(n) if &**n == "builtins"))?;
    match (segments.get(first), segments.get(first + 1)) {
        (Some(Segment::Name(name)), Some(Segment::Name(_))) => Some(name),
        _ => None,
    }
}

fn builtin_text(name: &str) -> Option<String> {
    match name {
        "copyright" => Some("Copyright (c) 2001 Python Software Foundation.".to_owned()),
        "credits" => Some(
            "    Thanks to CWI, CNRI, BeOpen, Zope Corporation, the Python Software Foundation,"
                .to_owned(),
        ),
        "int" | "str" | "bytes" | "float" | "list" | "tuple" | "dict" | "set" | "object"
        | "bool" | "type" | "bytearray" | "frozenset" | "range" | "map" | "filter" | "zip"
        | "enumerate" | "reversed" | "memoryview" => Some(format!("<class '{name}'>")),
        _ if names::BUILTINS.contains(&name) => Some(format!("<built-in function {name}>")),
        _ => None,
    }
}

/// A path joined from `parts` with `/`: constants as text, templates as
/// their parts, anything else as a hole (`os.path.join(home, ".ssh",
/// name)` → `{}/.ssh/{}`).
fn path_template<'s>(parts: impl Iterator<Item = &'s Sym>) -> Template {
    let mut joined = Vec::new();
    for (i, part) in parts.enumerate() {
        if i > 0 {
            joined.push(Part::Literal(Arc::from("/")));
        }
        match (part.text(), &part.template) {
            (Some(text), _) => joined.push(Part::Literal(text)),
            (None, Some(t)) => joined.extend(t.parts().iter().cloned()),
            (None, None) => joined.push(Part::Hole(Hole { taint: part.taint })),
        }
    }
    Template::new(joined)
}
