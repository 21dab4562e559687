//! Dependencies of an sdist, read from its files without running anything.
//!
//! Order: `PKG-INFO` when it is Metadata 2.2+ and `Requires-Dist` is not
//! dynamic; else `pyproject.toml [project]` when `dependencies` is not
//! dynamic; else `setup.py` (statically evaluated) together with
//! `setup.cfg`; else an older `PKG-INFO` that lists `Requires-Dist`, with a
//! note; else unknown.

use std::path::Path;

use assay_packaging::{CoreMetadata, Ini};
use pep440_rs::VersionSpecifiers;

use crate::input::pyproject;
use crate::metadata::DistDeps;
use crate::metadata::core::deps_from_parsed;
use crate::metadata::setup_py::{self, Field, Files};
use crate::model::{Origin, Requirement};
use crate::reqline;

/// Reads the dependencies of an sdist from its files. Paths are relative
/// to the archive and include the sdist's top folder (`pkg-1.0/PKG-INFO`).
pub fn deps_from_sdist(files: &[(&str, &[u8])]) -> DistDeps {
    let files = strip_top(files);
    let text = |name: &str| {
        files
            .get(name)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    };

    let pkg_info = files.get("PKG-INFO").map(|b| CoreMetadata::parse(b));
    if let Some(meta) = &pkg_info
        && meta.version_tuple().is_some_and(|v| v >= (2, 2))
        && !meta.is_dynamic("requires-dist")
    {
        return deps_from_parsed(meta, Path::new("PKG-INFO"));
    }

    let mut notes: Vec<String> = Vec::new();
    if let Some(source) = text("pyproject.toml") {
        match from_pyproject(&source, &files) {
            Ok(Some(deps)) => return deps,
            Ok(None) => {}
            Err(e) => notes.push(e),
        }
    }

    let cfg = text("setup.cfg").map(|t| Ini::parse(&t));
    let setup = text("setup.py").map(|source| setup_py::evaluate(&source, &files));
    let combined = match (&setup, &cfg) {
        (None, None) => None,
        (Some(Err(reason)), None) => Some(DistDeps::unknown(reason.clone())),
        (Some(Err(reason)), Some(cfg)) if !cfg_has_deps(cfg) => {
            Some(DistDeps::unknown(reason.clone()))
        }
        (Some(Err(reason)), Some(cfg)) => Some(with_note(
            from_cfg(cfg, &files),
            format!("setup.py could not be read ({reason}); dependencies taken from setup.cfg"),
        )),
        (Some(Ok(args)), cfg) => Some(from_setup_args(args, cfg.as_ref(), &files)),
        (None, Some(cfg)) => Some(from_cfg(cfg, &files)),
    };
    if let Some(deps) = combined {
        if let DistDeps::Unknown { reason } = &deps
            && let Some(meta) = &pkg_info
            && !meta.requires_dist.is_empty()
        {
            let version = meta.metadata_version.as_deref().unwrap_or("?");
            return with_note(
                deps_from_parsed(meta, Path::new("PKG-INFO")),
                format!(
                    "{reason}; using Requires-Dist of PKG-INFO (Metadata-Version {version}), which is not guaranteed to be static"
                ),
            );
        }
        return append_notes(deps, notes);
    }
    if let Some(meta) = &pkg_info
        && !meta.requires_dist.is_empty()
    {
        let version = meta.metadata_version.as_deref().unwrap_or("?");
        return with_note(
            deps_from_parsed(meta, Path::new("PKG-INFO")),
            format!(
                "Requires-Dist of PKG-INFO (Metadata-Version {version}), not guaranteed to be static"
            ),
        );
    }
    let mut reason =
        "no static dependency metadata: no PKG-INFO 2.2+, no static [project] dependencies, no setup.cfg or setup.py"
            .to_string();
    if !notes.is_empty() {
        reason = format!("{reason} ({})", notes.join("; "));
    }
    DistDeps::unknown(reason)
}

/// Files keyed by their path below the common top folder.
fn strip_top<'a>(files: &[(&'a str, &'a [u8])]) -> Files<'a> {
    let top = files
        .first()
        .and_then(|(p, _)| p.split_once('/'))
        .map(|(t, _)| t);
    let all_under = top.is_some_and(|t| {
        files
            .iter()
            .all(|(p, _)| p.split_once('/').is_some_and(|(first, _)| first == t))
    });
    files
        .iter()
        .map(|(p, b)| {
            let rel = match (all_under, top) {
                (true, Some(t)) => &p[t.len() + 1..],
                _ => p,
            };
            (rel.trim_start_matches("./").to_string(), *b)
        })
        .collect()
}

fn with_note(deps: DistDeps, extra: String) -> DistDeps {
    append_notes(deps, vec![extra])
}

fn append_notes(deps: DistDeps, extra: Vec<String>) -> DistDeps {
    if extra.is_empty() {
        return deps;
    }
    match deps {
        DistDeps::Known {
            requires,
            requires_python,
            note,
        } => {
            let mut all: Vec<String> = note.into_iter().collect();
            all.extend(extra);
            DistDeps::Known {
                requires,
                requires_python,
                note: Some(all.join("; ")),
            }
        }
        unknown => unknown,
    }
}

/// Requirement lines (from a file or a setup() list) into requirements:
/// comments, blank lines and options are skipped; bad lines are noted.
fn lines_to_requirements(
    lines: impl IntoIterator<Item = (usize, String)>,
    file: &str,
    extra: Option<&str>,
    notes: &mut Vec<String>,
) -> Vec<Requirement> {
    let extra = extra.and_then(|e| pep508_rs::ExtraName::new(e.to_string()).ok());
    let mut out = Vec::new();
    for (line, raw) in lines {
        let text = match raw.find(" #") {
            Some(i) => &raw[..i],
            None => raw.as_str(),
        };
        let text = text.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        if text.starts_with('-') {
            notes.push(format!("{file}: option line `{text}` is not followed"));
            continue;
        }
        match reqline::parse_requirement(text, Origin::new(file, line), Path::new("")) {
            Ok(mut req) => {
                if let Some(extra) = &extra {
                    req.req = req.req.with_extra_marker(extra);
                }
                out.push(req)
            }
            Err(e) => notes.push(format!("{file}: `{text}` skipped ({e})")),
        }
    }
    out
}

fn numbered(text: &str) -> impl Iterator<Item = (usize, String)> + '_ {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.to_string()))
}

/// `[project]` of the sdist's pyproject.toml. `Ok(None)` when it does not
/// say (no `[project]`, or dynamic dependencies not read from files).
fn from_pyproject(source: &str, files: &Files<'_>) -> Result<Option<DistDeps>, String> {
    let path = Path::new("pyproject.toml");
    let doc: toml::Table = toml::from_str(source)
        .map_err(|e| format!("pyproject.toml does not parse: {}", e.message()))?;
    let project = pyproject::project_deps(path, source, &doc, true).map_err(|e| e.to_string())?;
    if !project.has_project {
        return Ok(None);
    }
    let requires_python = project
        .requires_python
        .as_deref()
        .and_then(|s| s.parse::<VersionSpecifiers>().ok());
    let mut notes = Vec::new();
    let requires = if project.dynamic_dependencies {
        // setuptools reads dynamic dependencies from files: follow that.
        let listed = doc
            .get("tool")
            .and_then(|t| t.get("setuptools"))
            .and_then(|t| t.get("dynamic"))
            .and_then(|t| t.get("dependencies"))
            .and_then(|t| t.get("file"));
        let names: Vec<String> = match listed {
            Some(toml::Value::String(s)) => vec![s.clone()],
            Some(toml::Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => return Ok(None),
        };
        let mut reqs = project.requirements;
        for name in names {
            let Some(bytes) = files.get(name.trim_start_matches("./")) else {
                return Ok(Some(DistDeps::unknown(format!(
                    "pyproject.toml: dynamic dependencies read from `{name}`, which is not in the sdist"
                ))));
            };
            let text = String::from_utf8_lossy(bytes);
            reqs.extend(lines_to_requirements(
                numbered(&text),
                &name,
                None,
                &mut notes,
            ));
        }
        reqs
    } else {
        project.requirements
    };
    if project.dynamic_optional {
        notes.push("pyproject.toml: optional-dependencies are dynamic and were not read".into());
    }
    Ok(Some(DistDeps::Known {
        requires,
        requires_python,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    }))
}

fn cfg_has_deps(cfg: &Ini) -> bool {
    cfg.get("options", "install_requires").is_some()
        || cfg.section("options.extras_require").next().is_some()
}

/// A setup.cfg list value: dangling lines, or `file: a.txt, b.txt`.
fn cfg_list(
    value: &str,
    line: usize,
    files: &Files<'_>,
    notes: &mut Vec<String>,
) -> Vec<(usize, String)> {
    if let Some(list) = value.trim().strip_prefix("file:") {
        let mut out = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match files.get(name.trim_start_matches("./")) {
                Some(bytes) => out.extend(numbered(&String::from_utf8_lossy(bytes))),
                None => notes.push(format!("setup.cfg: `{name}` is not in the sdist")),
            }
        }
        return out;
    }
    value
        .split('\n')
        .enumerate()
        .map(|(i, l)| (line + i, l.to_string()))
        .collect()
}

fn from_cfg(cfg: &Ini, files: &Files<'_>) -> DistDeps {
    let mut notes = Vec::new();
    let mut requires = Vec::new();
    if let Some(entry) = cfg.entry("options", "install_requires") {
        let lines = cfg_list(&entry.value, entry.line, files, &mut notes);
        requires.extend(lines_to_requirements(lines, "setup.cfg", None, &mut notes));
    }
    for entry in cfg.section("options.extras_require") {
        let lines = cfg_list(&entry.value, entry.line, files, &mut notes);
        requires.extend(lines_to_requirements(
            lines,
            "setup.cfg",
            Some(&entry.key),
            &mut notes,
        ));
    }
    let requires_python = cfg
        .get("options", "python_requires")
        .and_then(|s| s.split(" #").next().unwrap_or(s).trim().parse().ok());
    DistDeps::Known {
        requires,
        requires_python,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    }
}

fn from_setup_args(args: &setup_py::SetupArgs, cfg: Option<&Ini>, files: &Files<'_>) -> DistDeps {
    let mut notes = Vec::new();
    let from_cfg = cfg.map(|c| from_cfg(c, files));
    let cfg_requires = |with_extras: bool| -> Vec<Requirement> {
        match &from_cfg {
            Some(DistDeps::Known { requires, .. }) => requires
                .iter()
                .filter(|r| with_extras == r.req.marker.top_level_extra().is_some())
                .cloned()
                .collect(),
            _ => Vec::new(),
        }
    };
    let number = |list: &[String]| {
        list.iter()
            .enumerate()
            .map(|(i, s)| (i + 1, s.clone()))
            .collect::<Vec<_>>()
    };
    let mut requires = match &args.install_requires {
        Field::Unknown(reason) => return DistDeps::unknown(format!("setup.py: {reason}")),
        Field::Known(list) => lines_to_requirements(number(list), "setup.py", None, &mut notes),
        Field::Absent => cfg_requires(false),
    };
    match &args.extras_require {
        Field::Known(extras) => {
            for (extra, list) in extras {
                requires.extend(lines_to_requirements(
                    number(list),
                    "setup.py",
                    Some(extra),
                    &mut notes,
                ));
            }
        }
        Field::Unknown(reason) => notes.push(format!("setup.py: extras are unknown: {reason}")),
        Field::Absent => requires.extend(cfg_requires(true)),
    }
    let requires_python = match &args.python_requires {
        Field::Known(s) => s.trim().parse::<VersionSpecifiers>().ok(),
        Field::Unknown(reason) => {
            notes.push(format!("setup.py: {reason}"));
            None
        }
        Field::Absent => match &from_cfg {
            Some(DistDeps::Known {
                requires_python, ..
            }) => requires_python.clone(),
            _ => None,
        },
    };
    DistDeps::Known {
        requires,
        requires_python,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    }
}
