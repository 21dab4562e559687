use crate::finding::{Finding, Severity};
use crate::python::{names, taint};
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule, preview};

declare_rule! {
    /// `exec`, `eval` or `compile` of a value that was decoded first.
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
    /// ## Why it matters
    /// Hiding code behind encoding layers has one purpose: to keep a reader
    /// (or a scanner) from seeing what runs. Legitimate code executes
    /// templates and configuration, not base64.
    ///
    /// Severity: critical at install, startup or import time; in a function
    /// no automatic code calls, high when the payload is a constant shipped
    /// in the package and medium when it is data decoded at run time (as
    /// frameworks that serialise functions do).
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
            for call in file.calls.iter().filter(|c| names::is_code_exec(&c.name)) {
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
                if !call.context.is_automatic() {
                    f.severity = if arg.text.is_some() {
                        Severity::High
                    } else {
                        Severity::Medium
                    };
                }
                f.decoded = arg.text.as_deref().map(preview);
                out.push(f);
            }
        }
    }
}
