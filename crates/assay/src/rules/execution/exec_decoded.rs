use crate::finding::{Finding, Severity, ValueKind};
use crate::python::{FileAnalysis, taint};
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule, preview};

declare_rule! {
    /// `exec`, `eval` or `compile` of a value that was decoded first, or a
    /// process whose command line was.
    ///
    /// ## What it finds
    /// Calls of `exec`, `eval`, `compile`, `execfile`, `types.FunctionType`
    /// and `runpy.run_path` (however they are imported or looked up:
    /// `builtins.exec`, `getattr(__builtins__, "exec")`, `__import__`)
    /// whose argument comes out of a decoder — base64/base32/base85, hex,
    /// zlib/gzip/bz2/lzma, `marshal.loads`, `pickle.loads`, `codecs`
    /// rot13 — directly or through variables and local functions. When the
    /// encoded value is a constant, assay decodes it, shows it, and analyses
    /// the decoded code as if it were written at this line.
    ///
    /// Also processes (`os.system`, `subprocess.*`, `os.popen`) whose
    /// command line is a constant shipped encoded in the package
    /// (`os.system(b64decode("Y3VybCAt…").decode())`).
    ///
    /// ## Why it matters
    /// Hiding code behind encoding layers has one purpose: to keep a reader
    /// (or a scanner) from seeing what runs. Legitimate code executes
    /// templates and configuration, not base64.
    ///
    /// Severity: critical at install, startup or import time; in a function
    /// no automatic code calls, high when the payload is a constant shipped
    /// in the package and medium when it is data decoded at run time (as
    /// frameworks that serialise functions do). A decoded command line is
    /// critical in automatic code and high elsewhere; commands decoded from
    /// data that arrives at run time are left to the other rules.
    ///
    /// ## Example
    /// ```python
    /// import base64, zlib
    /// exec(zlib.decompress(base64.b64decode("eJzLzE0tLlZIzs8rSc0rAQAi8gTN")))
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1027 (Obfuscated Files or Information), T1140
    /// (Deobfuscate/Decode Files or Information).
    pub struct ExecDecoded {
        id: "AY104",
        slug: "exec-decoded-payload",
        category: Execution,
        severity: Critical,
    }
}

impl Rule for ExecDecoded {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            let hidden_names = hides_exec_names(file);
            for call in file.calls.iter().filter(|c| c.is_code_exec()) {
                let Some(arg) = call.all_args().find(|a| a.has(taint::DECODED)) else {
                    continue;
                };
                let mut f = code_finding(
                    &Self::META,
                    file,
                    call,
                    format!("`{}` runs code that was decoded first", call.name),
                );
                // Outside automatic contexts, executing a payload shipped in
                // the package is high; deserialising code that arrives at
                // run time (Keras lambdas, cloudpickle) is medium.
                // A file that spells `exec` only by computing it (`eval("".join(
                // chr(i) for i in [101, 120, 101, 99]))`) hides what runs
                // from its reader: its payload is no framework's data.
                if !call.context.is_automatic() {
                    f.severity = if arg.printed().is_some() || hidden_names {
                        Severity::High
                    } else {
                        Severity::Medium
                    };
                }
                if hidden_names {
                    f.message = format!(
                        "`{}` runs code that was decoded first, under a name the file computes",
                        call.name
                    );
                }
                f.set_value(ValueKind::Decoded, arg.printed().map(preview));
                out.push(f);
            }
            for call in file.calls.iter().filter(|c| c.is_process()) {
                // A constant that was decoded: not a command read from the
                // network (AY105's), nor a template with unknown holes.
                let Some(command) = call
                    .all_args()
                    .filter(|a| a.has(taint::DECODED) && !a.has(taint::NETWORK))
                    .filter_map(|a| a.printed())
                    .find(|t| !t.contains("{}"))
                else {
                    continue;
                };
                let message = format!(
                    "`{}` runs a command line that was shipped encoded and decoded first",
                    call.name
                );
                let mut f = code_finding(&Self::META, file, call, message);
                if !call.context.is_automatic() {
                    f.severity = Severity::High;
                }
                f.set_value(ValueKind::Decoded, Some(preview(command)));
                out.push(f);
            }
        }
    }
}

/// The file computes the name of a code-running builtin (`exec`, `eval`,
/// `compile`, `__import__`) that it never writes as a string: the name
/// is among its evaluated constants but not quoted in its source.
fn hides_exec_names(file: &FileAnalysis) -> bool {
    const NAMES: &[&str] = &["exec", "eval", "compile", "__import__"];
    file.strings.iter().any(|s| {
        NAMES.contains(&&*s.value)
            && s.via.is_none()
            && !file.source.contains(&format!("\"{}\"", s.value))
            && !file.source.contains(&format!("'{}'", s.value))
    })
}
