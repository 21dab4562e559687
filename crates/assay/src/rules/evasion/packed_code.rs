use crate::finding::{Finding, Location, Severity};
use crate::python::{ExecContext, FileAnalysis, FileRole, QualName};
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule, string_finding};

declare_rule! {
    /// Modules packed by PyArmor or a similar protector: code shipped in a
    /// form no one can review.
    ///
    /// ## What it finds
    /// Python files that load a packer's runtime and hand it an encrypted
    /// blob — PyArmor's `__pyarmor__(__name__, __file__, b"PYARMOR…")` and
    /// `pyarmor_runtime()` (from `pytransform` or `pyarmor_runtime_NNNNNN`),
    /// SourceDefender's and pyconcrete's import hooks — and the packers'
    /// native runtimes (`_pytransform.so`, `pyarmor_runtime.pyd`) or
    /// encrypted modules (`*.pye`) shipped in the package. The finding is
    /// placed where the packed code is started and says when that happens.
    ///
    /// ## Why it matters
    /// A packed module decrypts itself in memory: neither a reviewer nor a
    /// static scanner can see what it does. Some commercial packages ship
    /// packed code, so packing alone is not malice: a packed module that
    /// runs when a user calls it is low, one that runs on import medium.
    /// Packed code that runs while the package installs (`setup.py`, an
    /// install command) or at every interpreter start is high: nothing a
    /// user chose to run hides itself there. Packed code that was itself
    /// shipped encoded and decoded or written out by code that runs by
    /// itself is critical: no vendor wraps its protected module in a
    /// second layer to drop it at install.
    ///
    /// ## Example
    /// ```python
    /// # setup.py
    /// class PostInstall(install):
    ///     def run(self):
    ///         from pytransform import pyarmor_runtime
    ///         pyarmor_runtime()
    ///         __pyarmor__(__name__, __file__, b"PYARMOR\x00\x00\x03\x07...")
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1027.002 (Software Packing), T1027 (Obfuscated Files
    /// or Information).
    pub struct PackedCode {
        id: "AY402",
        slug: "packed-code",
        category: DefenseEvasion,
        severity: High,
    }
}

impl Rule for PackedCode {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        let before = out.len();
        for file in facts.python.iter().filter(|f| !is_runtime_file(&f.path)) {
            if let Some(f) = packed_module(file) {
                out.push(f);
            }
        }
        if out.len() > before {
            return;
        }
        // No module starts packed code, but the runtime or encrypted
        // modules are shipped: worth knowing, nothing more.
        if let Some(file) = facts
            .inventory
            .iter()
            .find(|f| packer_file(&f.path).is_some())
        {
            let packer = packer_file(&file.path).unwrap_or("a packer");
            let mut f = Self::META.finding(
                Location::file(file.path.clone()),
                format!(
                    "{packer} runtime or encrypted module shipped: {}",
                    file.path
                ),
            );
            f.severity = Severity::Low;
            out.push(f);
        }
    }
}

/// A call, import or blob of one file that starts packed code: the finding
/// at the most exposed one.
fn packed_module(file: &FileAnalysis) -> Option<Finding> {
    let mut best: Option<(ExecContext, Finding)> = None;
    // Packed code that was itself shipped encoded (decoded, or written out
    // by the code, before it starts): two layers of hiding.
    let mut wrapped = false;
    let mut consider = |context: ExecContext, make: &dyn Fn() -> Finding| {
        if best.as_ref().is_none_or(|(c, _)| context > *c) {
            best = Some((context, make()));
        }
    };
    for call in &file.calls {
        if let Some(packer) = packer_call(&call.name) {
            wrapped |= call.via.is_some() && call.context.is_automatic();
            consider(call.context, &|| {
                code_finding(
                    &PackedCode::META,
                    file,
                    call,
                    format!("`{}` starts {packer}-packed code", call.name),
                )
            });
        }
    }
    for s in &file.strings {
        if let Some(packer) = packed_blob(&s.value) {
            consider(s.context, &|| {
                string_finding(
                    &PackedCode::META,
                    file,
                    s,
                    format!("a {packer}-encrypted code object is loaded"),
                )
            });
        }
    }
    for import in &file.imports {
        if let Some(packer) = packer_import(&import.module) {
            consider(import.context, &|| {
                let mut f = PackedCode::META.finding(
                    Location::at(file.path.clone(), import.line, 1),
                    format!("imports `{}`, the {packer} runtime", import.module),
                );
                f.context = Some(import.context);
                f.excerpt = file.excerpt(import.line);
                f
            });
        }
    }
    let (context, mut f) = best?;
    let script = file.role == Some(FileRole::Script);
    f.severity = match context {
        _ if wrapped && !script => Severity::Critical,
        ExecContext::Install | ExecContext::Startup if !script => Severity::High,
        ExecContext::Import if !script => Severity::Medium,
        _ => Severity::Low,
    };
    f.message = format!(
        "{} {}: its source cannot be reviewed",
        f.message,
        context.describe()
    );
    Some(f)
}

/// A file of a packer's runtime package itself (`pytransform/__init__.py`,
/// `pyarmor_runtime_000000/__init__.py`): it loads the runtime, it is not
/// packed code.
fn is_runtime_file(path: &str) -> bool {
    path.split('/').any(|part| {
        let stem = part.split('.').next().unwrap_or(part);
        stem == "pytransform" || stem.starts_with("pyarmor_runtime")
    })
}

/// The packer whose loader a call is.
fn packer_call(name: &QualName) -> Option<&'static str> {
    match name.last_name()? {
        "__pyarmor__" | "pyarmor_runtime" | "__armor_enter__" | "__armor_wrap__"
        | "__pyarmor_enter__" | "__pyarmor_exit__" | "__assert_armored__" => Some("PyArmor"),
        _ => None,
    }
}

/// The packer whose runtime a module is.
fn packer_import(module: &str) -> Option<&'static str> {
    let parts = module.trim_start_matches('.').split('.');
    for part in parts {
        if part == "pytransform" || part.starts_with("pyarmor_runtime") {
            return Some("PyArmor");
        }
        if part == "sourcedefender" {
            return Some("SourceDefender");
        }
        if part == "pyconcrete" {
            return Some("pyconcrete");
        }
    }
    None
}

/// An encrypted code object as PyArmor writes it: `PYARMOR\0` (up to 7)
/// or `PY` + a six-digit licence number + NUL (8 and later).
fn packed_blob(value: &str) -> Option<&'static str> {
    let bytes = value.as_bytes();
    let v8 = bytes.len() > 9
        && bytes.starts_with(b"PY")
        && bytes[2..8].iter().all(u8::is_ascii_digit)
        && bytes[8] == 0;
    (value.starts_with("PYARMOR\0") || v8).then_some("PyArmor")
}

/// A packer's native runtime or an encrypted module, by file name.
fn packer_file(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name);
    let native = [".so", ".pyd", ".dll", ".dylib"]
        .iter()
        .any(|ext| name.ends_with(ext));
    if native && (stem == "_pytransform" || stem == "pyarmor_runtime") {
        Some("PyArmor")
    } else if name.ends_with(".pye") {
        Some("SourceDefender or pyconcrete")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_pyarmor_generations() {
        assert_eq!(packed_blob("PYARMOR\0\0\u{3}\u{6}"), Some("PyArmor"));
        assert_eq!(packed_blob("PY000000\0\u{3}\u{b}\0"), Some("PyArmor"));
        assert_eq!(packed_blob("PY0000\0"), None);
        assert_eq!(packed_blob("PYTHONPATH"), None);
        assert_eq!(packer_import(".pyarmor_runtime_000000"), Some("PyArmor"));
        assert_eq!(packer_import("tests.pytransform"), Some("PyArmor"));
        assert_eq!(packer_import("pyarmor"), None);
        assert_eq!(
            packer_call(&QualName::dotted("pyarmor_runtime_000000.__pyarmor__")),
            Some("PyArmor")
        );
        assert_eq!(
            packer_file("pkg/pytransform/_pytransform.so"),
            Some("PyArmor")
        );
        assert_eq!(packer_file("pkg/pytransform/__init__.py"), None);
    }
}
