//! Copies of credential files. Copying `~/.ssh` into a folder, or packing
//! it into an archive, leaves the credentials at a new path: the
//! destination, and the archive a call returns, are paths to credentials
//! ([`taint::CREDENTIAL_PATH`]), so reading or uploading them later, in
//! this function or another, reads the credentials. A command that uploads
//! a file (`curl -F file=@{path}`) reads it as `open(path)` would.

use std::sync::Arc;

use ruff_python_ast::{self as ast, Expr};

use super::super::{QualName, names, taint};
use super::{Sym, Walker};

impl<'a> Walker<'a, '_> {
    /// After a call that copies or archives files: when what it copies is
    /// a credential location, its result and the variable its destination
    /// is built on hold credentials.
    pub(super) fn copied_credentials(
        &mut self,
        name: &QualName,
        call: &'a ast::ExprCall,
        args: &[Sym],
        keywords: &[(Arc<str>, Sym)],
        result: &mut Sym,
    ) {
        if !names::copies_or_archives_files(name) {
            return;
        }
        let keyword = |k: &str| keywords.iter().find(|(n, _)| &**n == k).map(|(_, v)| v);
        let method = name.last_name().unwrap_or_default();
        // What is copied, and the expression naming where it goes.
        let (sources, destination): (Vec<&Sym>, Option<&'a Expr>) = match method {
            "make_archive" => (
                [
                    args.get(2),
                    keyword("root_dir"),
                    args.get(3),
                    keyword("base_dir"),
                ]
                .into_iter()
                .flatten()
                .collect(),
                None,
            ),
            // `zf.write(path)`, `tar.add(path)`, `zf.writestr(name, data)`:
            // the archive object now holds them.
            "write" | "add" | "writestr" => (
                args.iter().collect(),
                match &*call.func {
                    Expr::Attribute(attr) => Some(&*attr.value),
                    _ => None,
                },
            ),
            _ => (
                args.first().into_iter().chain(keyword("src")).collect(),
                call.arguments
                    .args
                    .get(1)
                    .or_else(|| call.arguments.find_keyword("dst").map(|k| &k.value)),
            ),
        };
        if !sources.iter().any(|s| holds_credentials(s)) {
            return;
        }
        result.taint |= taint::CREDENTIAL_PATH;
        if let Some(root) = destination.and_then(path_root)
            && let Some(mut sym) = self.lookup(root).cloned()
            && sym.taint & taint::CREDENTIAL_PATH == 0
        {
            sym.taint |= taint::CREDENTIAL_PATH;
            self.bind(root, sym);
        }
    }
}

/// A path that names a credential location (`~/.ssh`, `{home}/.aws`) or
/// was picked as one, or credentials themselves.
fn holds_credentials(sym: &Sym) -> bool {
    sym.taint & (taint::CREDENTIAL_PATH | taint::SECRET) != 0
        || sym
            .printed()
            .is_some_and(|p| names::credential_location(&p).is_some())
}

/// The variable a path expression is built on: `out` in `out`,
/// `os.path.join(out, name)`, `out / name`, `f"{out}/x"`,
/// `out.joinpath(name)`.
fn path_root(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::BinOp(b) => path_root(&b.left),
        Expr::Call(c) => match &*c.func {
            Expr::Attribute(attr) if attr.attr.as_str() == "joinpath" => path_root(&attr.value),
            _ => c.arguments.args.first().and_then(path_root),
        },
        Expr::FString(f) => f.value.elements().find_map(|e| match e {
            ast::InterpolatedStringElement::Interpolation(i) => path_root(&i.expression),
            ast::InterpolatedStringElement::Literal(_) => None,
        }),
        _ => None,
    }
}

/// Whether a process call's command uploads a file that holds credentials
/// (`curl -F file=@{path}`, `curl -T {path}`): the upload reads the file.
pub(super) fn uploads_credential_file(command: &Sym) -> bool {
    if command.taint & taint::CREDENTIAL_PATH == 0 {
        return false;
    }
    command.printed().is_some_and(|text| {
        let words: Vec<&str> = text.split_whitespace().collect();
        words
            .iter()
            .any(|w| w.contains("=@{}") || w.starts_with("@{}"))
            || words
                .windows(2)
                .any(|w| matches!(w[0], "-T" | "--upload-file") && w[1].starts_with("{}"))
    })
}
