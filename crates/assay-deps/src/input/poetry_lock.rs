//! `poetry.lock`: `[[package]]` with `files = [{file, hash}]` (no URLs;
//! lock-version 1.x lists them in `[metadata.files]` instead).
//!
//! Poetry locks every file of a release, for every Python version; the
//! lock's own `[metadata] python-versions` says which Pythons the project
//! runs on, and wheels for the others are left out.

use std::path::Path;

use toml::{Table, Value};

use crate::error::InputError;
use crate::input::lock_graph::{Edge, marker_holds, reach};
use crate::input::uv_lock::LineCursor;
use crate::input::{LockEntry, lock_entries, lock_hash, parse_toml};
use crate::input::{poetry_constraint, wheel_python};
use crate::model::{Locked, LockedFile, LockedPackage, Note, Origin, Source};
use crate::scope::{Scope, normalize};
use pep440_rs::VersionSpecifiers;
use pep508_rs::MarkerEnvironment;

pub(crate) fn parse(
    path: &Path,
    text: &str,
    scope: &Scope,
    env: Option<&MarkerEnvironment>,
) -> Result<Locked, InputError> {
    let doc: Table = parse_toml(path, text)?;
    let mut out = Locked::default();
    let mut cursor = LineCursor::new(text);
    let base = path.parent().unwrap_or(Path::new(""));
    let entries = lock_entries(path, &doc, "package", &mut cursor)?;
    let wanted = installed(path, &doc, &entries, scope, env, &mut out.notes)?;
    let python = project_python(path, &doc, &mut out.notes);
    let mut other_pythons = 0;
    let total = entries.len();
    for (entry, wanted) in entries.into_iter().zip(wanted) {
        if !wanted {
            continue;
        }
        let LockEntry {
            table,
            name,
            version,
            line,
        } = entry;
        let mut files: Vec<LockedFile> = Vec::new();
        if let Some(list) = table
            .get("files")
            .or_else(|| files_in_metadata(&doc, name.as_ref()))
        {
            let list = list
                .as_array()
                .ok_or_else(|| InputError::invalid(path, line, "`files` must be an array"))?;
            for file in list {
                let file = file.as_table().ok_or_else(|| {
                    InputError::invalid(path, line, "`files` entries must be tables")
                })?;
                let filename = file.get("file").and_then(Value::as_str).map(str::to_string);
                let hashes = match file.get("hash").and_then(Value::as_str) {
                    Some(h) => vec![lock_hash(path, line, h)?],
                    None => Vec::new(),
                };
                files.push(LockedFile {
                    filename,
                    url: None,
                    hashes,
                });
            }
        }
        if let Some((_, alternatives)) = &python {
            let before = files.len();
            let kept: Vec<LockedFile> = files
                .iter()
                .filter(|f| {
                    f.filename
                        .as_deref()
                        .is_none_or(|name| wheel_python::admits(name, alternatives))
                })
                .cloned()
                .collect();
            // A package none of whose files fits keeps them all: scanning
            // more is safe, scanning nothing is not.
            if !kept.is_empty() {
                other_pythons += before - kept.len();
                files = kept;
            }
        }
        let src = table.get("source").and_then(Value::as_table);
        let kind = src.and_then(|s| s.get("type")).and_then(Value::as_str);
        let url = src.and_then(|s| s.get("url")).and_then(Value::as_str);
        let (source, index) = match (kind, url) {
            (Some("legacy"), Some(url)) => (Source::Index, Some(url.to_string())),
            (Some("git"), Some(url)) => {
                let reference = src
                    .and_then(|s| s.get("resolved_reference").or_else(|| s.get("reference")))
                    .and_then(Value::as_str);
                let full = match reference {
                    Some(r) => format!("git+{url}@{r}"),
                    None => format!("git+{url}"),
                };
                (Source::Vcs(full), None)
            }
            (Some("directory"), Some(dir)) => {
                let develop = table
                    .get("develop")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                if develop {
                    (Source::Editable(base.join(dir)), None)
                } else {
                    (Source::LocalPath(base.join(dir)), None)
                }
            }
            (Some("file"), Some(file)) => (Source::LocalPath(base.join(file)), None),
            (Some("url"), Some(url)) => (Source::Url(url.to_string()), None),
            _ => (Source::Index, None),
        };
        out.packages.push(LockedPackage {
            name,
            version,
            files,
            index,
            source,
            marker: None,
            origin: Origin::new(path, line),
        });
    }
    if let Some((written, _)) = python
        && other_pythons > 0
    {
        out.notes.push(Note {
            origin: Origin::new(path, 0),
            message: format!(
                "{other_pythons} wheels for Python versions outside the lock's python-versions ({written}) would never be installed: not scanned"
            ),
        });
    }
    let left = total - out.packages.len();
    if left > 0 {
        out.notes.push(Note {
            origin: Origin::new(path, 0),
            message: format!(
                "{left} of {total} locked packages would not be installed here (other platforms or Python versions, extras or groups not selected): not scanned"
            ),
        });
    }
    Ok(out)
}

/// A package's files in a lock of version 1.x, which lists them in
/// `[metadata.files]` by package name rather than in each `[[package]]`.
fn files_in_metadata<'a>(doc: &'a Table, name: &str) -> Option<&'a Value> {
    doc.get("metadata")?
        .get("files")?
        .as_table()?
        .iter()
        .find(|(key, _)| normalize(key) == name)
        .map(|(_, files)| files)
}

/// The lock's `[metadata] python-versions`, as written and as PEP 440
/// alternatives; `None` (with a note) when it does not parse, and when it
/// allows every version.
fn project_python(
    path: &Path,
    doc: &Table,
    notes: &mut Vec<Note>,
) -> Option<(String, Vec<VersionSpecifiers>)> {
    let written = doc
        .get("metadata")
        .and_then(|m| m.get("python-versions"))
        .and_then(Value::as_str)?;
    match poetry_constraint::parse(written) {
        Some(alternatives) if alternatives.iter().any(|a| a.iter().next().is_none()) => None,
        Some(alternatives) => Some((written.to_owned(), alternatives)),
        None => {
            notes.push(Note {
                origin: Origin::new(path, 0),
                message: format!(
                    "python-versions `{written}` in [metadata] is not a constraint Poetry writes: wheels for every Python version are scanned"
                ),
            });
            None
        }
    }
}

/// The groups a package belongs to: `groups` (Poetry 2), else `category`
/// (Poetry 1), else `main`.
fn groups_of(table: &Table) -> Vec<String> {
    if let Some(list) = table.get("groups").and_then(Value::as_array) {
        return list
            .iter()
            .filter_map(Value::as_str)
            .map(normalize)
            .collect();
    }
    let category = table.get("category").and_then(Value::as_str);
    vec![normalize(category.unwrap_or("main"))]
}

/// Whether a package's own `markers` (Poetry 2: a string, or one per
/// group) hold for one of `groups` in `env`.
fn package_marker_holds(table: &Table, groups: &[String], env: Option<&MarkerEnvironment>) -> bool {
    match table.get("markers") {
        Some(Value::String(marker)) => marker_holds(Some(marker), env),
        Some(Value::Table(by_group)) => by_group.iter().any(|(group, marker)| {
            groups.contains(&normalize(group)) && marker_holds(marker.as_str(), env)
        }),
        _ => true,
    }
}

/// Which packages `poetry install` would install with `scope`: the
/// packages of the selected groups (`main` for the project's own
/// dependencies; every other group by default unless the `pyproject.toml`
/// beside the lock makes it optional) that are not optional and whose
/// markers hold, the packages the selected extras of `[extras]` name, and
/// what these depend on through edges whose markers hold.
fn installed(
    path: &Path,
    doc: &Table,
    entries: &[LockEntry<'_>],
    scope: &Scope,
    env: Option<&MarkerEnvironment>,
    notes: &mut Vec<Note>,
) -> Result<Vec<bool>, InputError> {
    let mut groups: Vec<String> = entries
        .iter()
        .flat_map(|e| groups_of(e.table))
        .filter(|g| g != "main")
        .collect();
    groups.sort();
    groups.dedup();
    let extras_table = doc.get("extras").and_then(Value::as_table);
    let mut extras: Vec<String> = extras_table
        .map(|t| t.keys().map(|k| normalize(k)).collect())
        .unwrap_or_default();
    extras.sort();
    scope.check(path, &extras, &groups)?;
    let optional = optional_groups_beside(path);
    let defaults: Vec<String> = groups
        .iter()
        .filter(|g| !optional.contains(g))
        .cloned()
        .collect();
    let selected = scope.select_known(&extras, &groups, &defaults);
    for message in &selected.left_out {
        notes.push(Note {
            origin: Origin::new(path, 0),
            message: message.clone(),
        });
    }
    let mut in_scope = selected.groups.clone();
    if selected.project {
        in_scope.push("main".to_owned());
    }
    let index_of = |name: &str| {
        let name = normalize(name);
        entries
            .iter()
            .position(|e| normalize(e.name.as_ref()) == name)
    };
    let mut starts: Vec<(usize, Option<String>)> = Vec::new();
    // Poetry 1 marks no package with where it is installed: start from the
    // project's direct dependencies (with their markers) when the
    // pyproject.toml beside the lock lists them, so that the markers of
    // `[package.dependencies]` edges narrow what they reach.
    let poetry1 = entries.iter().all(|e| e.table.get("groups").is_none());
    let direct = poetry1.then(|| direct_dependencies_beside(path)).flatten();
    for (i, entry) in entries.iter().enumerate() {
        let groups = groups_of(entry.table);
        let optional = entry
            .table
            .get("optional")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let chosen: Vec<String> = groups
            .into_iter()
            .filter(|g| in_scope.contains(g))
            .collect();
        let start = match &direct {
            Some(direct) => direct.iter().any(|d| {
                d.name == normalize(entry.name.as_ref())
                    && chosen.contains(&d.group)
                    && marker_holds(d.marker.as_deref(), env)
            }),
            None => package_marker_holds(entry.table, &chosen, env),
        };
        if !optional && !chosen.is_empty() && start {
            starts.push((i, None));
        }
    }
    if let Some(table) = extras_table {
        for (extra, names) in table {
            if !selected.extras.contains(&normalize(extra)) {
                continue;
            }
            for name in names
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let bare = name
                    .split([' ', '(', '[', ';', '<', '>', '=', '!', '~'])
                    .next();
                if let Some(i) = bare.and_then(index_of) {
                    starts.push((i, None));
                }
            }
        }
    }
    let edges = |package: usize, extra: Option<&str>| -> Vec<Edge> {
        let table = entries[package].table;
        let Some(deps) = table.get("dependencies").and_then(Value::as_table) else {
            return Vec::new();
        };
        // An extra of a package names some of its optional dependencies.
        let extra_names: Option<Vec<String>> = extra.map(|extra| {
            table
                .get("extras")
                .and_then(Value::as_table)
                .and_then(|t| t.iter().find(|(k, _)| normalize(k) == extra))
                .and_then(|(_, v)| v.as_array())
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter_map(|s| s.split([' ', '(', '[', ';']).next())
                .map(normalize)
                .collect()
        });
        let mut out = Vec::new();
        for (name, spec) in deps {
            let Some(target) = index_of(name) else {
                continue;
            };
            let specs: Vec<&Value> = match spec {
                Value::Array(list) => list.iter().collect(),
                other => vec![other],
            };
            for spec in specs {
                let optional = spec
                    .get("optional")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let wanted = match &extra_names {
                    None => !optional,
                    Some(names) => names.contains(&normalize(name)),
                };
                if !wanted {
                    continue;
                }
                out.push(Edge {
                    target,
                    marker: spec
                        .get("markers")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    extras: spec
                        .get("extras")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(normalize)
                        .collect(),
                });
            }
        }
        out
    };
    Ok(reach(entries.len(), starts, env, &[], edges))
}

/// A direct dependency of a Poetry project: its group (`main` for
/// `[tool.poetry.dependencies]`, `dev` for every other, as Poetry 1 locks
/// categorise them), normalised name and marker.
struct Direct {
    group: String,
    name: String,
    marker: Option<String>,
}

/// The direct dependencies the `pyproject.toml` beside the lock lists
/// (`[tool.poetry.dependencies]`, `dev-dependencies`,
/// `group.*.dependencies`), or `None` without one. A dependency's marker
/// is its `markers`, its `platform` as `sys_platform` and its `python`
/// constraint (Poetry's syntax) on `python_full_version`, all of which must
/// hold.
fn direct_dependencies_beside(lock: &Path) -> Option<Vec<Direct>> {
    let pyproject = lock.with_file_name("pyproject.toml");
    let doc = toml::from_str::<Table>(&crate::input::read_text(&pyproject).ok()?).ok()?;
    let poetry = doc.get("tool")?.get("poetry")?.as_table()?;
    let mut tables: Vec<(&str, &Table)> = Vec::new();
    if let Some(main) = poetry.get("dependencies").and_then(Value::as_table) {
        tables.push(("main", main));
    }
    if let Some(dev) = poetry.get("dev-dependencies").and_then(Value::as_table) {
        tables.push(("dev", dev));
    }
    for group in poetry
        .get("group")
        .and_then(Value::as_table)
        .into_iter()
        .flatten()
    {
        if let Some(deps) = group.1.get("dependencies").and_then(Value::as_table) {
            tables.push(("dev", deps));
        }
    }
    let mut out = Vec::new();
    for (group, table) in tables {
        for (name, spec) in table.iter().filter(|(name, _)| *name != "python") {
            let specs: Vec<&Value> = match spec {
                Value::Array(list) => list.iter().collect(),
                other => vec![other],
            };
            for spec in specs {
                let text = |key: &str| spec.get(key).and_then(Value::as_str);
                let platform = text("platform").map(|p| format!("sys_platform == '{p}'"));
                // `python = "<3.11"` (Poetry's syntax); one that does not
                // parse holds, so that more is scanned rather than less.
                let python = text("python")
                    .and_then(poetry_constraint::python_marker)
                    .and_then(|m| m.try_to_string());
                let marker = [text("markers").map(str::to_owned), platform, python]
                    .into_iter()
                    .flatten()
                    .map(|m| format!("({m})"))
                    .reduce(|all, m| format!("{all} and {m}"));
                out.push(Direct {
                    group: group.to_owned(),
                    name: normalize(name),
                    marker,
                });
            }
        }
    }
    Some(out)
}

/// Groups the `pyproject.toml` beside the lock marks `optional = true`
/// (`[tool.poetry.group.NAME]`): Poetry leaves them out by default.
fn optional_groups_beside(lock: &Path) -> Vec<String> {
    let pyproject = lock.with_file_name("pyproject.toml");
    let Some(doc) = crate::input::read_text(&pyproject)
        .ok()
        .and_then(|text| toml::from_str::<Table>(&text).ok())
    else {
        return Vec::new();
    };
    doc.get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|t| t.get("group"))
        .and_then(Value::as_table)
        .map(|groups| {
            groups
                .iter()
                .filter(|(_, g)| g.get("optional").and_then(Value::as_bool) == Some(true))
                .map(|(name, _)| normalize(name))
                .collect()
        })
        .unwrap_or_default()
}
