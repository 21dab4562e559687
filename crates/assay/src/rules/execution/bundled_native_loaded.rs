use crate::artifact::ArtifactKind;
use crate::carriers;
use crate::finding::{Finding, Location, Severity};
use crate::python::{Call, ExecContext, FileAnalysis, FileRole, QualName, names};
use crate::rules::{FileInfo, PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// A compiled wheel, egg or installed distribution that starts one of
    /// its bundled executables, or loads one of its bundled libraries
    /// through `ctypes`, while it installs, at start-up or on import.
    ///
    /// ## What it finds
    /// Native files of the package (ELF, PE, Mach-O by their bytes) whose
    /// name is an argument of a process call (`subprocess.Popen`,
    /// `os.system`, …) or of a library loader (`ctypes.CDLL`,
    /// `ctypes.cdll.LoadLibrary`, `ctypes.WinDLL`, `cffi.FFI().dlopen`)
    /// in code that runs without the user calling anything. Source
    /// distributions and pure wheels are covered by
    /// `bundled-native-executable`; compiled extension modules that are
    /// simply imported are not reported.
    ///
    /// ## Why it matters
    /// Platform wheels are expected to hold native code, so a scanner
    /// that skips them misses the side-loaded DLL or the dropped
    /// executable that runs the moment the package is imported. Starting
    /// a bundled program at install or start-up is critical, on import
    /// high; loading a bundled library through `ctypes` at install or
    /// start-up is high, and on import low (many honest packages load
    /// their own library that way).
    ///
    /// ## Example
    /// ```text
    /// pkg/bin/updater            (an ELF executable)
    /// pkg/__init__.py: subprocess.Popen([os.path.join(HERE, "bin", "updater")])
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1574.002 (DLL Side-Loading), T1204.002 (Malicious
    /// File), T1027.009 (Embedded Payloads).
    pub struct BundledNativeLoaded {
        id: "AY151",
        slug: "bundled-native-loaded",
        category: Execution,
        severity: Critical,
    }
}

impl Rule for BundledNativeLoaded {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        let covered_elsewhere = matches!(facts.kind, ArtifactKind::Sdist | ArtifactKind::Directory)
            || (facts.kind == ArtifactKind::Wheel && facts.pure_wheel);
        if covered_elsewhere {
            return;
        }
        for file in facts.inventory.iter().filter(|f| f.kind.is_native()) {
            let base = file.path.rsplit('/').next().unwrap_or(&file.path);
            // Names too short or too generic to tie a call to this file.
            if base.len() < 4 {
                continue;
            }
            if let Some(f) = strongest_use(facts.python, file, base) {
                out.push(f);
            }
        }
    }
}

fn strongest_use(python: &[FileAnalysis], file: &FileInfo, base: &str) -> Option<Finding> {
    let mut best: Option<(Severity, &FileAnalysis, &Call, &str)> = None;
    for py in python.iter().filter(|p| p.role != Some(FileRole::Script)) {
        for call in &py.calls {
            let named = call.arg_texts().any(|t| mentions(t, base))
                || (is_loader_or_process(&call.name) && carriers::names_file(py, call, base));
            if !call.context.is_automatic() || !named {
                continue;
            }
            let (severity, how) = if call.is_process() {
                match call.context {
                    ExecContext::Import => (Severity::High, "starts"),
                    _ => (Severity::Critical, "starts"),
                }
            } else if is_library_loader(&call.name) {
                match call.context {
                    ExecContext::Import => (Severity::Low, "loads"),
                    _ => (Severity::High, "loads"),
                }
            } else {
                continue;
            };
            if best.is_none_or(|b| severity > b.0) {
                best = Some((severity, py, call, how));
            }
        }
    }
    let (severity, py, call, how) = best?;
    let mut f = BundledNativeLoaded::META.finding(
        Location::file(file.path.clone()),
        format!(
            "{}:{} {how} the bundled native file {} with `{}` {}",
            py.path,
            call.line,
            file.path,
            call.name,
            call.context.describe()
        ),
    );
    f.severity = severity;
    f.context = Some(call.context);
    f.excerpt = py.excerpt(call.line);
    Some(f)
}

/// `base` appears in `text` as a file name, not inside a longer word.
fn mentions(text: &str, base: &str) -> bool {
    text.match_indices(base).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        before.is_none_or(|c| matches!(c, '/' | '\\' | '"' | '\'' | ' ' | '{' | '}'))
    })
}

fn is_loader_or_process(name: &QualName) -> bool {
    names::is_process(name) || is_library_loader(name)
}

fn is_library_loader(qual: &QualName) -> bool {
    let name = qual.as_str();
    let name = name.strip_prefix("ctypes.").unwrap_or(name);
    matches!(
        name,
        "CDLL"
            | "WinDLL"
            | "OleDLL"
            | "PyDLL"
            | "cdll.LoadLibrary"
            | "windll.LoadLibrary"
            | "oledll.LoadLibrary"
            | "pydll.LoadLibrary"
            | "_ctypes.dlopen"
            | "_ctypes.LoadLibrary"
    ) || names::is_method_of_a(qual, "FFI", "dlopen")
        || name == "os.add_dll_directory"
}
