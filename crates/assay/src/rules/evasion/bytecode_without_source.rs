use std::collections::HashSet;

use crate::artifact::ArtifactKind;
use crate::carriers::BytecodeFile;
use crate::finding::{Finding, Location, Severity};
use crate::python::{ExecContext, FileAnalysis, FileRole};
use crate::rules::{FileKind, PackageFacts, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// Compiled bytecode (`.pyc`, `.pyo`) shipped without the source it was
    /// compiled from, in an sdist, a source folder or a pure-Python wheel.
    ///
    /// ## What it finds
    /// Bytecode files — by name or by their first bytes — for which the
    /// package has no matching `.py` (`pkg/__pycache__/mod.cpython-311.pyc`
    /// needs `pkg/mod.py`, `pkg/mod.pyc` needs `pkg/mod.py`), with the
    /// CPython version its header names and whether assay could recover
    /// its code. When the
    /// package's Python imports that module, or names the file (to load it
    /// with `marshal`, `runpy` or a process), the finding says where and
    /// when that happens.
    ///
    /// ## Why it matters
    /// Source distributions and pure wheels are source: Python compiles
    /// them on install. Bytecode without its source is code no reviewer
    /// and no source scanner can read, and Python imports a lone
    /// `mod.pyc` as readily as `mod.py`. Stale caches (bytecode next to
    /// its source) are left alone, except an unchecked hash-based cache in
    /// `__pycache__` (PEP 552), which Python imports without looking at
    /// the source beside it: that one counts as bytecode without source,
    /// and its recovered code is analysed in place of the source. Bytecode without source is low, and so
    /// is bytecode only tests, docs or examples load; loaded by code a
    /// user calls, medium; imported or loaded while the package installs,
    /// at start-up or on import, high — medium when assay could recover
    /// the code (CPython 2.7 and 3.6–3.14), because then what it does was
    /// analysed like source and is judged by the other rules. Bytecode of
    /// a later CPython has its constants analysed, but its code is not
    /// disassembled: it stays high.
    ///
    /// ## Example
    /// ```text
    /// pkg-1.0/setup.py:   from pkg import _build   # runs pkg/_build.pyc
    /// pkg-1.0/pkg/_build.pyc                         # no pkg/_build.py
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1027 (Obfuscated Files or Information), T1027.009
    /// (Embedded Payloads).
    pub struct BytecodeWithoutSource {
        id: "AY403",
        slug: "bytecode-without-source",
        category: DefenseEvasion,
        severity: High,
    }
}

impl Rule for BytecodeWithoutSource {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        let applies = match facts.kind {
            ArtifactKind::Sdist | ArtifactKind::Directory => true,
            ArtifactKind::Wheel => facts.pure_wheel,
            _ => false,
        };
        if !applies {
            return;
        }
        let prefix = sdist_prefix(facts);
        let present: HashSet<&str> = facts.inventory.iter().map(|f| f.path.as_str()).collect();
        for file in facts
            .inventory
            .iter()
            .filter(|f| f.kind == FileKind::Bytecode)
        {
            let Some((source, module)) = source_of(&file.path) else {
                continue;
            };
            let carried = facts.carriers.bytecode.iter().find(|b| b.path == file.path);
            let replaces_source = carried.is_some_and(|b| b.replaces_source);
            let has_source = present.contains(source.as_str())
                || present.contains(format!("{source}w").as_str());
            if has_source && !replaces_source {
                continue;
            }
            let relative = module
                .strip_prefix(&prefix_module(prefix))
                .unwrap_or(&module);
            let relative = relative.strip_prefix("src.").unwrap_or(relative);
            let base = file.path.rsplit('/').next().unwrap_or(&file.path);
            let user = loader(facts.python, relative, base);
            // Bytecode assay could read was analysed like source: what it
            // does is judged by the other rules, and hiding is all that is
            // left to say. Bytecode it could not read stays unknown code.
            let recovered = carried.is_some_and(|b| b.disassembled);
            let why = if has_source {
                format!("an unchecked hash-based cache, which Python runs instead of {source}")
            } else {
                format!("no {source}")
            };
            let mut f = Self::META.finding(
                Location::file(file.path.clone()),
                format!(
                    "bytecode without source: {} ({why}); {}",
                    file.path,
                    what_was_read(carried)
                ),
            );
            f.severity = Severity::Low;
            if let Some((py, line, context, how)) = user {
                let script = py.role == Some(FileRole::Script);
                f.severity = match (context.is_automatic(), script) {
                    (_, true) => Severity::Low,
                    (true, false) if !recovered => Severity::High,
                    (true, false) | (false, false) => Severity::Medium,
                };
                f.message = format!(
                    "{}; {}:{line} {how} it {}",
                    f.message,
                    py.path,
                    context.describe()
                );
                f.context = Some(context);
            }
            out.push(f);
        }
    }
}

/// Which CPython wrote the bytecode, and how much of it was recovered:
/// `CPython 3.11 bytecode, recovered and analysed`.
fn what_was_read(carried: Option<&BytecodeFile>) -> String {
    let writer = match carried.and_then(|b| b.version.as_deref()) {
        Some(version) => format!("CPython {version} bytecode"),
        None => "no CPython magic number assay knows".to_owned(),
    };
    let read = match carried {
        Some(b) if b.disassembled => "recovered and analysed",
        Some(b) if b.source.is_some() => "its constants analysed, its code not disassembled",
        _ => "not readable",
    };
    format!("{writer}, {read}")
}

/// The top folder of an sdist (`pkg-1.0/`), when every file is under one.
fn sdist_prefix<'a>(facts: &PackageFacts<'a>) -> &'a str {
    if facts.kind != ArtifactKind::Sdist {
        return "";
    }
    let Some(first) = facts.inventory.first() else {
        return "";
    };
    match first.path.split_once('/') {
        Some((top, _))
            if facts
                .inventory
                .iter()
                .all(|f| f.path.strip_prefix(top).is_some_and(|r| r.starts_with('/'))) =>
        {
            &first.path[..=top.len()]
        }
        _ => "",
    }
}

fn prefix_module(prefix: &str) -> String {
    prefix.trim_end_matches('/').replace('/', ".") + "."
}

/// The source file a bytecode file was compiled from, and its dotted
/// module name: `a/__pycache__/m.cpython-311.pyc` → (`a/m.py`, `a.m`).
fn source_of(path: &str) -> Option<(String, String)> {
    let stem = path
        .strip_suffix(".pyc")
        .or_else(|| path.strip_suffix(".pyo"))?;
    let (dir, name) = stem.rsplit_once('/').unwrap_or(("", stem));
    let (dir, name) = match dir.strip_suffix("__pycache__") {
        Some(parent) => (
            parent.trim_end_matches('/'),
            name.split('.').next().unwrap_or(name),
        ),
        None => (dir, name),
    };
    let source = if dir.is_empty() {
        format!("{name}.py")
    } else {
        format!("{dir}/{name}.py")
    };
    let module = if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{}.{name}", dir.replace('/', "."))
    };
    let module = module
        .strip_suffix(".__init__")
        .map_or(module.clone(), str::to_owned);
    Some((source, module))
}

/// Where the package's Python imports `module` or names the file `base`:
/// the file, line, context and how.
fn loader<'a>(
    python: &'a [FileAnalysis],
    module: &str,
    base: &str,
) -> Option<(&'a FileAnalysis, u32, ExecContext, &'static str)> {
    let (parent, last) = module.rsplit_once('.').unwrap_or(("", module));
    let mut best: Option<(&FileAnalysis, u32, ExecContext, &'static str)> = None;
    for py in python {
        // `import pkg.mod`, or `from pkg import mod` / `from . import mod`
        // (recorded as the package, with the name on the line).
        let imports = py.imports.iter().filter(|i| {
            let m = i.module.trim_start_matches('.');
            let from_parent = m == parent || (i.module.starts_with('.') && !m.contains(last));
            m == module
                || (i.module.starts_with('.') && m.rsplit('.').next() == Some(last))
                || (from_parent && names_word(py, i.line, last))
        });
        for i in imports {
            if best.is_none_or(|b| i.context > b.2) {
                best = Some((py, i.line, i.context, "imports"));
            }
        }
        for s in py.strings.iter().filter(|s| s.value.contains(base)) {
            if best.is_none_or(|b| s.context > b.2) {
                best = Some((py, s.line, s.context, "loads"));
            }
        }
    }
    best
}

/// Line `line` of `file` has `word` as a whole word.
fn names_word(file: &FileAnalysis, line: u32, word: &str) -> bool {
    let Some(text) = file.source.lines().nth(line.saturating_sub(1) as usize) else {
        return false;
    };
    text.match_indices(word).any(|(at, _)| {
        let ident = |c: char| c == '_' || c.is_alphanumeric();
        let before = text[..at].chars().next_back().is_none_or(|c| !ident(c));
        let after = text[at + word.len()..]
            .chars()
            .next()
            .is_none_or(|c| !ident(c));
        before && after
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_of_bytecode() {
        assert_eq!(
            source_of("pkg/__pycache__/mod.cpython-311.pyc"),
            Some(("pkg/mod.py".to_owned(), "pkg.mod".to_owned()))
        );
        assert_eq!(
            source_of("pkg/sub/__init__.pyc"),
            Some(("pkg/sub/__init__.py".to_owned(), "pkg.sub".to_owned()))
        );
        assert_eq!(
            source_of("helper.pyo"),
            Some(("helper.py".to_owned(), "helper".to_owned()))
        );
        assert_eq!(source_of("pkg/mod.py"), None);
    }
}
