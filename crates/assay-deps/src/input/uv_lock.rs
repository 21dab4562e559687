//! `uv.lock`.

use std::path::Path;

use toml::{Table, Value};

use crate::error::InputError;
use crate::input::lock_graph::{Edge, reach};
use crate::input::{
    LockEntry, line_of, lock_entries, lock_hash, parse_toml, sdist_and_wheels, url_filename,
};
use crate::model::{Locked, LockedFile, LockedPackage, Note, Origin, Source};
use crate::scope::Scope;
use pep508_rs::MarkerEnvironment;

/// Finds successive `name = "…"` keys, so each package gets its own line.
pub(crate) struct LineCursor<'a> {
    text: &'a str,
    offset: usize,
}

impl<'a> LineCursor<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self { text, offset: 0 }
    }

    /// Moves past the next occurrence of `header` (e.g. `[[package]]`), if any.
    pub(crate) fn section(&mut self, header: &str) {
        if let Some(i) = self.text.get(self.offset..).and_then(|t| t.find(header)) {
            self.offset += i + header.len();
        }
    }

    /// Line of the next `key = "value"` (either quote) at or after the cursor.
    pub(crate) fn next(&mut self, key: &str, value: &str) -> usize {
        let candidates = [format!("{key} = \"{value}\""), format!("{key} = '{value}'")];
        let found = candidates
            .iter()
            .filter_map(|p| {
                self.text
                    .get(self.offset..)
                    .and_then(|t| t.find(p.as_str()))
            })
            .min();
        match found {
            Some(i) => {
                let at = self.offset + i;
                self.offset = at + 1;
                line_of(self.text, at)
            }
            None => 0,
        }
    }
}

fn file_entry(path: &Path, line: usize, entry: &Value) -> Result<LockedFile, InputError> {
    let table = entry
        .as_table()
        .ok_or_else(|| InputError::invalid(path, line, "sdist/wheel entries must be tables"))?;
    let url = table.get("url").and_then(Value::as_str).map(str::to_string);
    let local = table
        .get("path")
        .or_else(|| table.get("filename"))
        .and_then(Value::as_str);
    let filename = url
        .as_deref()
        .and_then(url_filename)
        .or_else(|| local.and_then(url_filename));
    let mut hashes = Vec::new();
    if let Some(hash) = table.get("hash") {
        let hash = hash
            .as_str()
            .ok_or_else(|| InputError::invalid(path, line, "`hash` must be a string"))?;
        hashes.push(lock_hash(path, line, hash)?);
    }
    Ok(LockedFile {
        filename,
        url,
        hashes,
    })
}

pub(crate) fn parse(
    path: &Path,
    text: &str,
    scope: &Scope,
    env: Option<&MarkerEnvironment>,
) -> Result<Locked, InputError> {
    let doc: Table = parse_toml(path, text)?;
    let mut out = Locked::default();
    let mut cursor = LineCursor::new(text);
    let entries = lock_entries(path, &doc, "package", &mut cursor)?;
    let mut packages: Vec<Option<LockedPackage>> = Vec::with_capacity(entries.len());
    let mut virtual_notes = Vec::new();
    for entry in &entries {
        let LockEntry {
            table,
            name,
            version,
            line,
        } = entry;
        let (table, line) = (*table, *line);
        let base = path.parent().unwrap_or(Path::new(""));
        let src = table.get("source").and_then(Value::as_table);
        let get = |key: &str| src.and_then(|s| s.get(key)).and_then(Value::as_str);
        if get("virtual").is_some() {
            // A virtual package is the project (or a workspace member)
            // itself: uv never builds or installs it, so there is no
            // artifact to scan; its dependencies are in the lock.
            virtual_notes.push(Note {
                origin: Origin::new(path, line),
                message: format!(
                    "{name} is the project itself (a virtual package, never built or installed): its dependencies are scanned, it is not"
                ),
            });
            packages.push(None);
            continue;
        }
        let (source, index) = if let Some(registry) = get("registry") {
            (Source::Index, Some(registry.to_string()))
        } else if let Some(git) = get("git") {
            (Source::Vcs(format!("git+{git}")), None)
        } else if let Some(dir) = get("editable") {
            (Source::Editable(base.join(dir)), None)
        } else if let Some(dir) = get("directory").or_else(|| get("path")) {
            (Source::LocalPath(base.join(dir)), None)
        } else if let Some(url) = get("url") {
            (Source::Url(url.to_string()), None)
        } else {
            (Source::Index, None)
        };
        let files = sdist_and_wheels(path, line, table, file_entry)?;
        packages.push(Some(LockedPackage {
            name: name.clone(),
            version: version.clone(),
            files,
            index,
            source,
            marker: None,
            origin: Origin::new(path, line),
        }));
    }
    let reached = installed(path, &doc, &entries, scope, env, &mut out.notes)?;
    out.notes.extend(virtual_notes);
    let total = packages.iter().flatten().count();
    for (package, reached) in packages.into_iter().zip(reached) {
        let Some(package) = package else { continue };
        if !reached {
            continue;
        }
        if matches!(package.source, Source::Index) && package.files.is_empty() {
            out.notes.push(Note {
                origin: package.origin.clone(),
                message: format!("{} has no files in the lock", package.name),
            });
        }
        out.packages.push(package);
    }
    let left = total - out.packages.len();
    if left > 0 {
        out.notes.push(Note {
            origin: Origin::new(path, 0),
            message: format!(
                "{left} of {total} locked packages would not be installed here (other platforms or Python versions, extras or groups not selected): not scanned{}",
                if env.is_some() {
                    "; --all-files scans every platform's"
                } else {
                    ""
                }
            ),
        });
    }
    Ok(out)
}

/// Which entries `uv sync` would install: a walk from the project (the
/// workspace members of `[manifest]`, else the package whose source is
/// `.`), through the dependencies, the extras and the groups in `scope`,
/// following the edges whose marker holds in `env`. A lock with no root
/// found keeps every package.
fn installed(
    path: &Path,
    doc: &Table,
    entries: &[LockEntry<'_>],
    scope: &Scope,
    env: Option<&MarkerEnvironment>,
    notes: &mut Vec<Note>,
) -> Result<Vec<bool>, InputError> {
    let members: Vec<String> = doc
        .get("manifest")
        .and_then(|m| m.get("members"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(crate::scope::normalize)
                .collect()
        })
        .unwrap_or_default();
    let is_root = |entry: &LockEntry<'_>| {
        if !members.is_empty() {
            return members.contains(&crate::scope::normalize(entry.name.as_ref()));
        }
        let src = entry.table.get("source").and_then(Value::as_table);
        ["virtual", "editable"].iter().any(|key| {
            src.and_then(|s| s.get(*key))
                .and_then(Value::as_str)
                .is_some_and(|dir| dir == "." || dir.is_empty())
        })
    };
    let roots: Vec<usize> = (0..entries.len())
        .filter(|&i| is_root(&entries[i]))
        .collect();
    if roots.is_empty() {
        if !scope.is_default() {
            notes.push(Note {
                origin: Origin::new(path, 0),
                message: "the lock names no project, so --extra and --group select nothing: every package is scanned".to_owned(),
            });
        }
        return Ok(vec![true; entries.len()]);
    }
    let keys = |i: usize, table: &str| -> Vec<String> {
        entries[i]
            .table
            .get(table)
            .and_then(Value::as_table)
            .map(|t| t.keys().map(|k| crate::scope::normalize(k)).collect())
            .unwrap_or_default()
    };
    let mut all_extras = Vec::new();
    let mut all_groups = Vec::new();
    for &root in &roots {
        all_extras.extend(keys(root, "optional-dependencies"));
        all_groups.extend(keys(root, "dev-dependencies"));
    }
    all_extras.sort();
    all_extras.dedup();
    all_groups.sort();
    all_groups.dedup();
    scope.check(path, &all_extras, &all_groups)?;
    let defaults = default_groups_beside(path, &all_groups);
    let selected = scope.select_known(&all_extras, &all_groups, &defaults);
    for message in &selected.left_out {
        notes.push(Note {
            origin: Origin::new(path, 0),
            message: message.clone(),
        });
    }
    // Edges by package: `None` its dependencies, `extra:NAME` an extra's,
    // `group:NAME` a group's.
    let by_name = |name: &str, version: Option<&str>| -> Option<usize> {
        let name = crate::scope::normalize(name);
        let matching: Vec<usize> = (0..entries.len())
            .filter(|&i| crate::scope::normalize(entries[i].name.as_ref()) == name)
            .collect();
        match version {
            Some(v) if matching.len() > 1 => matching
                .iter()
                .copied()
                .find(|&i| {
                    entries[i]
                        .version
                        .as_ref()
                        .is_some_and(|have| have.to_string() == v)
                })
                .or(matching.first().copied()),
            _ => matching.first().copied(),
        }
    };
    let edges_of = |list: Option<&Value>| -> Vec<Edge> {
        let Some(list) = list.and_then(Value::as_array) else {
            return Vec::new();
        };
        list.iter()
            .filter_map(Value::as_table)
            .filter_map(|dep| {
                let name = dep.get("name").and_then(Value::as_str)?;
                let version = dep.get("version").and_then(Value::as_str);
                Some(Edge {
                    target: by_name(name, version)?,
                    marker: dep.get("marker").and_then(Value::as_str).map(str::to_owned),
                    extras: dep
                        .get("extra")
                        .and_then(Value::as_array)
                        .map(|e| {
                            e.iter()
                                .filter_map(Value::as_str)
                                .map(|x| format!("extra:{}", crate::scope::normalize(x)))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
            })
            .collect()
    };
    let section = |table: &Table, key: &str, name: &str| -> Option<Value> {
        table
            .get(key)
            .and_then(Value::as_table)?
            .iter()
            .find(|(k, _)| crate::scope::normalize(k) == name)
            .map(|(_, v)| v.clone())
    };
    let edges = |package: usize, part: Option<&str>| -> Vec<Edge> {
        let table = entries[package].table;
        match part {
            None => edges_of(table.get("dependencies")),
            Some(part) => {
                let (key, name) = match part.split_once(':') {
                    Some(("extra", name)) => ("optional-dependencies", name),
                    Some(("group", name)) => ("dev-dependencies", name),
                    _ => return Vec::new(),
                };
                edges_of(section(table, key, name).as_ref())
            }
        }
    };
    let mut starts = Vec::new();
    for &root in &roots {
        if selected.project {
            starts.push((root, None));
            starts.extend(
                selected
                    .extras
                    .iter()
                    .map(|e| (root, Some(format!("extra:{e}")))),
            );
        }
        starts.extend(
            selected
                .groups
                .iter()
                .map(|g| (root, Some(format!("group:{g}")))),
        );
    }
    // uv's encoding of the selected extras and groups in the markers of
    // conflicting selections (`extra == 'extra-7-project-cu118'`).
    let mut active = Vec::new();
    for &root in &roots {
        let name = crate::scope::normalize(entries[root].name.as_ref());
        let encoded = selected
            .extras
            .iter()
            .map(|e| format!("extra-{}-{name}-{e}", name.len()))
            .chain(
                selected
                    .groups
                    .iter()
                    .map(|g| format!("group-{}-{name}-{g}", name.len())),
            );
        active.extend(encoded.filter_map(|e| pep508_rs::ExtraName::new(e).ok()));
    }
    let mut reached = reach(entries.len(), starts, env, &active, edges);
    // With --only-group the project itself is not installed.
    if !selected.project {
        for &root in &roots {
            reached[root] = false;
        }
    }
    Ok(reached)
}

/// The default groups, from `[tool.uv] default-groups` of the
/// `pyproject.toml` beside the lock when there is one, else `dev`.
fn default_groups_beside(lock: &Path, groups: &[String]) -> Vec<String> {
    let pyproject = lock.with_file_name("pyproject.toml");
    let doc = crate::input::read_text(&pyproject)
        .ok()
        .and_then(|text| toml::from_str::<Table>(&text).ok());
    match doc {
        Some(doc) => crate::input::pyproject::default_groups(&doc, groups),
        None => vec!["dev".to_owned()],
    }
}
