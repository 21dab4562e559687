//! `pylock.toml` (PEP 751).
//!
//! Extras and dependency groups are selected as for uv.lock (`--extra`,
//! `--group`, `--only-group`, `--no-default-groups`, …) among the lock's
//! top-level `extras` and `dependency-groups`, with its `default-groups` as
//! the defaults. A package's `marker` may test them (`'cuda' in extras`,
//! `'dev' in dependency_groups`): such a test is rewritten as an `extra`
//! comparison pep508_rs can evaluate, with the selected extras and groups
//! active. With `--only-group`, only packages whose marker names a selected
//! group are kept.

use std::path::Path;

use pep508_rs::{ExtraName, MarkerEnvironment};
use toml::{Table, Value};

use crate::error::InputError;
use crate::input::uv_lock::LineCursor;
use crate::input::{LockEntry, lock_entries, parse_toml, sdist_and_wheels, url_filename};
use crate::model::{Hash, Locked, LockedFile, LockedPackage, Note, Origin, Source};
use crate::scope::{Scope, normalize};

/// How an extra and a group are named once rewritten as `extra` values.
const EXTRA_PREFIX: &str = "extra-";
const GROUP_PREFIX: &str = "group-";

/// `marker` with `'x' in extras` / `'x' not in extras` (and the same with
/// `dependency_groups`) written as `extra == 'extra-x'` / `extra !=
/// 'extra-x'` (`'group-x'` for groups).
fn rewrite_marker(marker: &str) -> String {
    let mut out = String::with_capacity(marker.len());
    let mut rest = marker;
    while let Some(start) = rest.find(['\'', '"']) {
        out.push_str(&rest[..start]);
        let quote = rest[start..].chars().next().unwrap_or('"');
        let after_open = &rest[start + 1..];
        let Some(len) = after_open.find(quote) else {
            out.push_str(&rest[start..]);
            return out;
        };
        let value = &after_open[..len];
        let after = &after_open[len + 1..];
        match membership(after) {
            Some((negated, prefix, tail)) => {
                let op = if negated { "!=" } else { "==" };
                out.push_str(&format!("extra {op} '{prefix}{}'", normalize(value)));
                rest = tail;
            }
            None => {
                out.push_str(&rest[start..start + len + 2]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// After a quoted value: `[not] in extras|dependency_groups`, as
/// (negated, prefix, the text after it).
fn membership(text: &str) -> Option<(bool, &'static str, &str)> {
    let word = |text: &str| -> Option<(String, usize)> {
        let trimmed = text.trim_start();
        let skipped = text.len() - trimmed.len();
        let len = trimmed
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(trimmed.len());
        (len > 0).then(|| (trimmed[..len].to_owned(), skipped + len))
    };
    let (first, mut at) = word(text)?;
    let negated = first == "not";
    if negated {
        let (second, len) = word(&text[at..])?;
        if second != "in" {
            return None;
        }
        at += len;
    } else if first != "in" {
        return None;
    }
    let (target, len) = word(&text[at..])?;
    let prefix = match target.as_str() {
        "extras" => EXTRA_PREFIX,
        "dependency_groups" => GROUP_PREFIX,
        _ => return None,
    };
    Some((negated, prefix, &text[at + len..]))
}

/// Whether a rewritten marker holds: in `env` with `active` extras, or
/// for the extras alone without an environment (`--all-files`). A marker
/// that cannot be parsed holds.
fn holds(marker: Option<&str>, env: Option<&MarkerEnvironment>, active: &[ExtraName]) -> bool {
    marker.is_none_or(|m| {
        crate::pep508_guard::parse_marker(m)
            .is_none_or(|tree| tree.evaluate_optional_environment(env, active))
    })
}

/// The names of a top-level string array (`extras`, `dependency-groups`).
fn name_list(doc: &Table, key: &str) -> Vec<String> {
    doc.get(key)
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn hashes(path: &Path, line: usize, table: &Table) -> Result<Vec<Hash>, InputError> {
    let Some(map) = table.get("hashes") else {
        return Ok(Vec::new());
    };
    let map = map.as_table().ok_or_else(|| {
        InputError::invalid(path, line, "`hashes` must be a table of algorithm = digest")
    })?;
    map.iter()
        .map(|(algo, digest)| {
            digest
                .as_str()
                .and_then(|d| Hash::from_parts(algo, d))
                .ok_or_else(|| InputError::invalid(path, line, format!("malformed {algo} hash")))
        })
        .collect()
}

fn file(path: &Path, line: usize, value: &Value) -> Result<LockedFile, InputError> {
    let table = value.as_table().ok_or_else(|| {
        InputError::invalid(
            path,
            line,
            "`sdist`/`wheels`/`archive` entries must be tables",
        )
    })?;
    let url = table.get("url").and_then(Value::as_str).map(str::to_string);
    let filename = table
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| url.as_deref().and_then(url_filename))
        .or_else(|| {
            table
                .get("path")
                .and_then(Value::as_str)
                .and_then(url_filename)
        });
    Ok(LockedFile {
        filename,
        url,
        hashes: hashes(path, line, table)?,
    })
}

pub(crate) fn parse(
    path: &Path,
    text: &str,
    scope: &Scope,
    env: Option<&MarkerEnvironment>,
) -> Result<Locked, InputError> {
    let doc: Table = parse_toml(path, text)?;
    match doc.get("lock-version").and_then(Value::as_str) {
        Some(v) if v.starts_with("1.") || v == "1" => {}
        Some(v) => {
            return Err(InputError::invalid(
                path,
                0,
                format!("unsupported lock-version {v}"),
            ));
        }
        None => {
            return Err(InputError::invalid(
                path,
                0,
                "missing lock-version: not a pylock.toml",
            ));
        }
    }
    let mut out = Locked::default();
    let mut cursor = LineCursor::new(text);
    let base = path.parent().unwrap_or(Path::new(""));
    for entry in lock_entries(path, &doc, "packages", &mut cursor)? {
        let LockEntry {
            table,
            name,
            version,
            line,
        } = entry;
        let index = table
            .get("index")
            .and_then(Value::as_str)
            .map(str::to_string);
        let marker = table
            .get("marker")
            .and_then(Value::as_str)
            .map(rewrite_marker);
        let mut files = sdist_and_wheels(path, line, table, file)?;
        let sub = |key: &str| table.get(key).and_then(Value::as_table);
        let source = if let Some(vcs) = sub("vcs") {
            let url = vcs
                .get("url")
                .or_else(|| vcs.get("path"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let kind = vcs.get("type").and_then(Value::as_str).unwrap_or("git");
            let commit = vcs.get("commit-id").and_then(Value::as_str);
            Source::Vcs(match commit {
                Some(c) => format!("{kind}+{url}@{c}"),
                None => format!("{kind}+{url}"),
            })
        } else if let Some(dir) = sub("directory") {
            let p = base.join(dir.get("path").and_then(Value::as_str).unwrap_or("."));
            if dir
                .get("editable")
                .and_then(Value::as_bool)
                .unwrap_or(false)
            {
                Source::Editable(p)
            } else {
                Source::LocalPath(p)
            }
        } else if let Some(archive) = sub("archive") {
            files.push(file(path, line, &Value::Table(archive.clone()))?);
            match (
                archive.get("url").and_then(Value::as_str),
                archive.get("path").and_then(Value::as_str),
            ) {
                (Some(url), _) => Source::Url(url.to_string()),
                (None, Some(p)) => Source::LocalPath(base.join(p)),
                (None, None) => Source::Index,
            }
        } else {
            Source::Index
        };
        out.packages.push(LockedPackage {
            name,
            version,
            files,
            index,
            source,
            marker,
            origin: Origin::new(path, line),
        });
    }
    select(path, &doc, scope, env, &mut out)?;
    Ok(out)
}

/// Leaves out the packages the scope or the environment does not install.
fn select(
    path: &Path,
    doc: &Table,
    scope: &Scope,
    env: Option<&MarkerEnvironment>,
    locked: &mut Locked,
) -> Result<(), InputError> {
    let extras = name_list(doc, "extras");
    let groups = name_list(doc, "dependency-groups");
    let defaults = name_list(doc, "default-groups");
    let selected = scope.select(path, &extras, &groups, &defaults)?;
    let active: Vec<ExtraName> = selected
        .extras
        .iter()
        .map(|e| format!("{EXTRA_PREFIX}{e}"))
        .chain(selected.groups.iter().map(|g| format!("{GROUP_PREFIX}{g}")))
        .filter_map(|name| ExtraName::new(name).ok())
        .collect();
    let note = |message: String| Note {
        origin: Origin::new(path, 0),
        message,
    };
    let total = locked.packages.len();
    // With --only-group, what no selected group asks for is the project's.
    let names_selected_group = |marker: &str| {
        selected
            .groups
            .iter()
            .any(|g| marker.contains(&format!("'{GROUP_PREFIX}{g}'")))
    };
    let in_scope = |p: &LockedPackage| {
        let marker = p.marker.as_deref();
        holds(marker, None, &active)
            && (selected.project || marker.is_some_and(names_selected_group))
    };
    locked.packages.retain(in_scope);
    let for_scope = total - locked.packages.len();
    let before = locked.packages.len();
    locked
        .packages
        .retain(|p| holds(p.marker.as_deref(), env, &active));
    let for_platform = before - locked.packages.len();
    locked.notes.extend(selected.left_out.into_iter().map(note));
    if for_scope > 0 {
        locked.notes.push(note(format!(
            "{for_scope} of {total} locked packages belong to extras or groups not selected: not scanned"
        )));
    }
    if for_platform > 0 {
        locked.notes.push(note(format!(
            "{for_platform} of {total} locked packages are for other platforms or Python versions: not scanned; --all-files scans them"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_tests_become_extra_comparisons() {
        for (marker, rewritten) in [
            ("'cuda' in extras", "extra == 'extra-cuda'"),
            (
                "\"Dev_Tools\" not in dependency_groups and os_name == 'nt'",
                "extra != 'group-dev-tools' and os_name == 'nt'",
            ),
            ("'a'in extras", "extra == 'extra-a'"),
            // Not a membership test of extras or groups: unchanged.
            ("'linux' in sys_platform", "'linux' in sys_platform"),
            ("'x' in extras_list", "'x' in extras_list"),
            ("python_version >= '3.9'", "python_version >= '3.9'"),
            // An unterminated quote is left as it is (and fails to parse,
            // so the package is kept).
            ("'cuda in extras", "'cuda in extras"),
        ] {
            assert_eq!(rewrite_marker(marker), rewritten, "{marker}");
        }
    }
}
