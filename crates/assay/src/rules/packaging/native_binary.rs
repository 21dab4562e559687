use crate::artifact::ArtifactKind;
use crate::finding::{Finding, Location, Severity};
use crate::python::FileRole;
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// Native executables (ELF, PE, Mach-O) where a package should hold only
    /// source: in an sdist, a folder, or a pure-Python wheel.
    ///
    /// ## What it finds
    /// Files whose first bytes are an ELF, PE (`MZ` + `PE\0\0`) or Mach-O
    /// header — whatever their name — inside an sdist, an unpacked folder, or
    /// a wheel that declares itself pure (`Root-Is-Purelib: true` with `-any`
    /// tags). If the package's Python code names the file in a process or
    /// library-loading call, the binary is run, and that is reported too.
    ///
    /// ## Why it matters
    /// Source distributions are built from source; a compiled program inside
    /// one cannot be reviewed and is a classic way to ship a miner, a RAT or
    /// a stealer past readers of `setup.py`. Platform wheels legitimately
    /// carry compiled extensions and are not reported. A binary in an sdist
    /// or a pure wheel is medium (installers ship launcher stubs, projects
    /// ship prebuilt helpers); one the package's code runs at install,
    /// startup or import time is critical, and one a library function runs
    /// is high.
    ///
    /// ## Example
    /// ```text
    /// pkg-1.0/pkg/assets/update.png   (an ELF executable)
    /// pkg-1.0/setup.py: subprocess.Popen(["pkg/assets/update.png"])
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1027.009 (Embedded Payloads), T1036 (Masquerading).
    pub struct NativeBinary {
        id: "AY502",
        slug: "bundled-native-executable",
        category: Packaging,
        severity: Critical,
    }
}

impl Rule for NativeBinary {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        let (where_, severity) = match facts.kind {
            ArtifactKind::Sdist => ("source distribution", Severity::Medium),
            ArtifactKind::Directory => ("source folder", Severity::Medium),
            ArtifactKind::Wheel if facts.pure_wheel => ("pure-Python wheel", Severity::Medium),
            _ => return,
        };
        for file in facts.inventory.iter().filter(|f| f.kind.is_native()) {
            let kind = format!("{:?}", file.kind)
                .to_uppercase()
                .replace("MACHO", "Mach-O");
            let mut f = Self::META.finding(
                Location::file(file.path.clone()),
                format!("{kind} executable in a {where_}: {}", file.path),
            );
            f.severity = severity;
            let base = file.path.rsplit('/').next().unwrap_or(&file.path);
            let runner = facts.python.iter().find_map(|py| {
                py.calls
                    .iter()
                    .find(|c| {
                        (c.is_process() || c.name.is_in("ctypes"))
                            && c.arg_texts().any(|t| t.contains(base))
                    })
                    .map(|c| (py, c))
            });
            if let Some((py, call)) = runner {
                // Run at install, startup or import: the binary is the
                // payload. Run by a function (a test harness driving a
                // helper), it is worth a closer look.
                let automatic = call.context.is_automatic();
                let script = py.role == Some(FileRole::Script);
                f.severity = match (automatic, script) {
                    (true, _) => Severity::Critical,
                    (false, false) => Severity::High,
                    (false, true) => f.severity,
                };
                f.message = format!(
                    "{}; {}:{} runs it with `{}` {}",
                    f.message,
                    py.path,
                    call.line,
                    call.name,
                    call.context.describe()
                );
            }
            out.push(f);
        }
    }
}
