//! Analysing the Python recovered from bytecode as if it were the source:
//! a `.pyc` whose recovered behaviour is malicious is as malicious as its
//! source would be.

use std::collections::HashSet;

use rayon::prelude::*;

use super::Carriers;
use crate::python::{self, FileAnalysis, Roles};
use crate::rules::FileKind;

/// The semantic model of every `.pyc` whose source the package does not
/// ship, or that Python runs instead of its source (an unchecked
/// hash-based cache), in the role its source would have
/// (`pkg/__pycache__/m.cpython-311.pyc` is the module `pkg/m.py`).
pub fn analyses(carriers: &Carriers, roles: &Roles, paths: &HashSet<&str>) -> Vec<FileAnalysis> {
    carriers
        .bytecode
        .par_iter()
        .filter_map(|file| {
            let source = file.source.as_deref()?;
            let as_source = source_path(&file.path);
            if paths.contains(as_source.as_str()) && !file.replaces_source {
                return None;
            }
            let role = roles.role(&as_source, FileKind::Python, source.as_bytes())?;
            let mut analysis = python::analyze(&file.path, source.as_bytes(), role);
            analysis
                .notes
                .push(python::AnalysisNote::RecoveredFromBytecode {
                    version: file.version.clone(),
                });
            Some(analysis)
        })
        .collect()
}

/// The source path a bytecode file was compiled from.
pub fn source_path(path: &str) -> String {
    let stem = path
        .strip_suffix(".pyc")
        .or_else(|| path.strip_suffix(".pyo"))
        .unwrap_or(path);
    let (dir, name) = stem.rsplit_once('/').unwrap_or(("", stem));
    let (dir, name) = match dir.strip_suffix("__pycache__") {
        Some(parent) => (
            parent.trim_end_matches('/'),
            name.split('.').next().unwrap_or(name),
        ),
        None => (dir, name),
    };
    if dir.is_empty() {
        format!("{name}.py")
    } else {
        format!("{dir}/{name}.py")
    }
}

#[cfg(test)]
mod tests {
    use super::source_path;

    #[test]
    fn source_paths() {
        assert_eq!(
            source_path("pkg/__pycache__/mod.cpython-311.pyc"),
            "pkg/mod.py"
        );
        assert_eq!(source_path("pkg/mod.pyc"), "pkg/mod.py");
        assert_eq!(source_path("run.pyo"), "run.py");
    }
}
