//! Run points: the commands a package installs (`console_scripts`,
//! `gui_scripts`) and the functions they run, read from a wheel's
//! `entry_points.txt`, `setup.cfg`, `pyproject.toml` and the literal
//! `name = module:function` strings of `setup.py`. Their functions run
//! when the user types the command: not on import, not at install.

use crate::finding::Finding;
use crate::python::{ExecContext, FileAnalysis};

/// One command a package installs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPoint {
    /// The command name (`mytool`).
    pub command: String,
    /// The module it imports (`pkg.cli`).
    pub module: String,
    /// The function it calls (`main`), when one is named.
    pub function: Option<String>,
    /// `console_scripts` or `gui_scripts`.
    pub group: &'static str,
    /// The file that declares it.
    pub declared_in: String,
}

/// The run points one file declares.
pub fn declared_in(path: &str, data: &[u8], prefix: &str) -> Vec<RunPoint> {
    let relative = path.strip_prefix(prefix).unwrap_or(path);
    let name = relative.rsplit('/').next().unwrap_or(relative);
    let text = || String::from_utf8_lossy(data);
    let mut out = Vec::new();
    if name == "entry_points.txt" && relative.matches('/').count() == 1 {
        ini_sections(path, &text(), &["console_scripts", "gui_scripts"], &mut out);
    } else if relative == "setup.cfg" {
        setup_cfg(path, &text(), &mut out);
    } else if relative == "pyproject.toml" {
        pyproject(path, &text(), &mut out);
    } else if relative == "setup.py" {
        setup_py(path, &text(), &mut out);
    }
    out
}

/// `[console_scripts]` sections of an INI file, one `name = target` a line.
fn ini_sections(path: &str, text: &str, groups: &[&'static str], out: &mut Vec<RunPoint>) {
    let mut group: Option<&'static str> = None;
    for line in text.lines().map(str::trim) {
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            group = groups.iter().copied().find(|g| *g == section.trim());
        } else if let Some(group) = group
            && let Some(point) = parse_entry(path, group, line)
        {
            out.push(point);
        }
    }
}

/// `setup.cfg`'s `[options.entry_points]`: `console_scripts =` then
/// indented `name = target` lines.
fn setup_cfg(path: &str, text: &str, out: &mut Vec<RunPoint>) {
    let mut in_section = false;
    let mut group: Option<&'static str> = None;
    for raw in text.lines() {
        let line = raw.trim();
        if line.starts_with('[') {
            in_section = line == "[options.entry_points]";
            group = None;
            continue;
        }
        if !in_section || line.is_empty() || line.starts_with('#') {
            continue;
        }
        let indented = raw.starts_with([' ', '\t']);
        if !indented {
            let (key, rest) = line.split_once('=').unwrap_or((line, ""));
            group = match key.trim() {
                "console_scripts" => Some("console_scripts"),
                "gui_scripts" => Some("gui_scripts"),
                _ => None,
            };
            if let Some(group) = group
                && let Some(point) = parse_entry(path, group, rest.trim())
            {
                out.push(point);
            }
        } else if let Some(group) = group
            && let Some(point) = parse_entry(path, group, line)
        {
            out.push(point);
        }
    }
}

/// `[project.scripts]`, `[project.gui-scripts]` and `[tool.poetry.scripts]`.
fn pyproject(path: &str, text: &str, out: &mut Vec<RunPoint>) {
    let Ok(doc) = text.parse::<toml::Table>() else {
        return;
    };
    let project = doc.get("project").and_then(|p| p.as_table());
    let poetry = doc
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.as_table());
    let tables = [
        (project.and_then(|p| p.get("scripts")), "console_scripts"),
        (project.and_then(|p| p.get("gui-scripts")), "gui_scripts"),
        (poetry.and_then(|p| p.get("scripts")), "console_scripts"),
    ];
    for (table, group) in tables {
        let Some(table) = table.and_then(|t| t.as_table()) else {
            continue;
        };
        for (command, target) in table {
            let target = match target {
                toml::Value::String(s) => s.as_str(),
                toml::Value::Table(t) => t.get("reference").and_then(|r| r.as_str()).unwrap_or(""),
                _ => "",
            };
            if let Some(point) = parse_entry(path, group, &format!("{command} = {target}")) {
                out.push(point);
            }
        }
    }
}

/// `setup.py`: the quoted `name = module:function` strings inside an
/// `entry_points` argument (read as text; `setup.py` is never run).
fn setup_py(path: &str, text: &str, out: &mut Vec<RunPoint>) {
    let Some(start) = text.find("entry_points") else {
        return;
    };
    let rest = &text[start..];
    for (at, quoted) in quoted_strings(rest) {
        // The group is the last one named before the string.
        let before = &rest[..at];
        let group = match (before.rfind("gui_scripts"), before.rfind("console_scripts")) {
            (Some(g), c) if c.is_none_or(|c| c < g) => "gui_scripts",
            _ => "console_scripts",
        };
        if let Some(point) = parse_entry(path, group, quoted) {
            out.push(point);
        }
    }
}

/// Every single- or double-quoted string, with its offset.
fn quoted_strings(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let q = bytes[i];
        if (q == b'"' || q == b'\'')
            && let Some(len) = text[i + 1..].find(q as char)
        {
            let inner = &text[i + 1..i + 1 + len];
            if !inner.contains('\n') {
                out.push((i, inner));
            }
            i += len + 2;
            continue;
        }
        i += 1;
    }
    out
}

/// `name = module:function [extras]`.
fn parse_entry(path: &str, group: &'static str, line: &str) -> Option<RunPoint> {
    if line.starts_with('#') || line.starts_with(';') {
        return None;
    }
    let (command, target) = line.split_once('=')?;
    let command = command.trim();
    let target = target.split('[').next().unwrap_or(target).trim();
    let (module, function) = match target.split_once(':') {
        Some((m, f)) => (m.trim(), Some(f.trim().to_owned())),
        None => (target, None),
    };
    let word = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
    };
    (word(command) && word(module)).then(|| RunPoint {
        command: command.to_owned(),
        module: module.to_owned(),
        function,
        group,
        declared_in: path.to_owned(),
    })
}

/// Adds "runs when the user runs `cmd`" to the findings at calls inside a
/// command's function: that is when their code runs.
pub fn annotate(
    points: &[RunPoint],
    python: &[FileAnalysis],
    prefix: &str,
    findings: &mut [Finding],
) {
    if points.is_empty() {
        return;
    }
    for finding in findings.iter_mut() {
        if finding.context != Some(ExecContext::Runtime) {
            continue;
        }
        let Some(line) = finding.location.line else {
            continue;
        };
        let Some(py) = python.iter().find(|p| p.path == finding.location.path) else {
            continue;
        };
        let relative = py.path.strip_prefix(prefix).unwrap_or(&py.path);
        let Some(module) = relative
            .ends_with(".py")
            .then(|| crate::python::module_of(relative))
        else {
            continue;
        };
        let functions: Vec<&str> = py
            .calls
            .iter()
            .filter(|c| c.line == line)
            .filter_map(|c| c.function.as_deref())
            .collect();
        let point = points.iter().find(|p| {
            p.module == module
                && p.function.as_deref().is_some_and(|f| {
                    functions
                        .iter()
                        .any(|g| *g == f || g.starts_with(&format!("{f}.")))
                })
        });
        if let Some(point) = point {
            finding.message = format!(
                "{}; runs when the user runs the `{}` command ({} in {})",
                finding.message, point.command, point.group, point.declared_in
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declaration_format() {
        let points = declared_in(
            "pkg-1.0.dist-info/entry_points.txt",
            b"[console_scripts]\ntool = pkg.cli:main\n[gui_scripts]\nviewer = pkg.gui:run [extra]\n[pytest11]\nplug = pkg.plugin\n",
            "",
        );
        let names: Vec<_> = points
            .iter()
            .map(|p| (p.command.as_str(), p.group))
            .collect();
        assert_eq!(
            names,
            [("tool", "console_scripts"), ("viewer", "gui_scripts")]
        );

        let cfg = b"[metadata]\nname = x\n[options.entry_points]\nconsole_scripts =\n    git = pkg.cli:main\n";
        assert_eq!(
            declared_in("x-1.0/setup.cfg", cfg, "x-1.0/")[0].command,
            "git"
        );

        let toml =
            b"[project.scripts]\npip = 'pkg.cli:main'\n[tool.poetry.scripts]\nls = 'pkg.cli:ls'\n";
        let points = declared_in("pyproject.toml", toml, "");
        assert_eq!(points.len(), 2);

        let setup = b"setup(entry_points={'console_scripts': ['sudo=pkg.cli:main']})\n";
        let points = declared_in("setup.py", setup, "");
        assert_eq!(points[0].function.as_deref(), Some("main"));
        assert!(declared_in("setup.py", b"x = 'a = b:c'\n", "").is_empty());
    }
}
