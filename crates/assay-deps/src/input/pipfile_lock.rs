//! `Pipfile.lock` (JSON): `default` (the project's own dependencies),
//! `develop` (its dev group, `pipenv install --dev`) and pipenv's custom
//! categories (any other top-level object but `_meta`), each a dependency
//! group of its name. Groups are selected as for uv.lock: `dev` by
//! default, `--group`, `--only-group`, `--no-default-groups`,
//! `--all-groups`; a Pipfile.lock has no extras.

use std::path::Path;

use serde_json::Value;

use crate::error::InputError;
use crate::input::{line_of, lock_hash, lock_name, lock_version};
use crate::model::{Locked, LockedFile, LockedPackage, Note, Origin, Source};
use crate::scope::{Scope, normalize};

/// The group a top-level section stands for: `develop` is `dev`.
fn group_of(section: &str) -> String {
    match section {
        "develop" => "dev".to_owned(),
        other => normalize(other),
    }
}

pub(crate) fn parse(path: &Path, text: &str, scope: &Scope) -> Result<Locked, InputError> {
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| InputError::invalid(path, e.line(), format!("invalid JSON: {e}")))?;
    let doc = doc
        .as_object()
        .ok_or_else(|| InputError::invalid(path, 1, "not a JSON object"))?;
    // Index names to URLs, from `_meta.sources`.
    let sources: Vec<(String, String)> = doc
        .get("_meta")
        .and_then(|m| m.get("sources"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|s| {
                    Some((
                        s.get("name")?.as_str()?.to_string(),
                        s.get("url")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let base = path.parent().unwrap_or(Path::new(""));
    let mut out = Locked::default();
    let groups: Vec<String> = doc
        .iter()
        .filter(|(key, value)| !matches!(key.as_str(), "_meta" | "default") && value.is_object())
        .map(|(key, _)| group_of(key))
        .collect();
    let selected = scope.select(path, &[], &groups, &["dev".to_owned()])?;
    for message in selected.left_out {
        out.notes.push(Note {
            origin: Origin::new(path, 0),
            message,
        });
    }
    let sections = doc.iter().filter(|(key, value)| match key.as_str() {
        "_meta" => false,
        "default" => selected.project,
        key => value.is_object() && selected.groups.contains(&group_of(key)),
    });
    for (section, entries) in sections {
        let entries = entries.as_object().ok_or_else(|| {
            InputError::invalid(path, 0, format!("`{section}` must be an object"))
        })?;
        let section_at = text.find(&format!("\"{section}\"")).unwrap_or(0);
        for (name, entry) in entries {
            let at = text[section_at..]
                .find(&format!("\"{name}\""))
                .map_or(0, |i| line_of(text, section_at + i));
            let entry = entry.as_object().ok_or_else(|| {
                InputError::invalid(path, at, format!("`{name}` must be an object"))
            })?;
            let package = lock_name(path, at, name)?;
            let version = match entry.get("version").and_then(Value::as_str) {
                Some(v) => {
                    let v = v.trim_start_matches("===").trim_start_matches("==");
                    Some(lock_version(path, at, v)?)
                }
                None => None,
            };
            let mut hashes = Vec::new();
            if let Some(list) = entry.get("hashes") {
                let list = list
                    .as_array()
                    .ok_or_else(|| InputError::invalid(path, at, "`hashes` must be an array"))?;
                for h in list {
                    let h = h
                        .as_str()
                        .ok_or_else(|| InputError::invalid(path, at, "hashes must be strings"))?;
                    hashes.push(lock_hash(path, at, h)?);
                }
            }
            let index = entry.get("index").and_then(Value::as_str).map(|name| {
                sources
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or_else(|| name.to_string(), |(_, url)| url.clone())
            });
            let text_of = |k: &str| entry.get(k).and_then(Value::as_str);
            let editable = entry
                .get("editable")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let source = if let Some(git) = text_of("git") {
                let git = if git.starts_with("git+") {
                    git.to_string()
                } else {
                    format!("git+{git}")
                };
                match text_of("ref") {
                    Some(r) => Source::Vcs(format!("{git}@{r}")),
                    None => Source::Vcs(git),
                }
            } else if let Some(p) = text_of("path") {
                if editable {
                    Source::Editable(base.join(p))
                } else {
                    Source::LocalPath(base.join(p))
                }
            } else if let Some(url) = text_of("file") {
                Source::Url(url.to_string())
            } else {
                Source::Index
            };
            // Pipfile.lock lists digests of all the release's files, not file names.
            let files = if hashes.is_empty() {
                Vec::new()
            } else {
                vec![LockedFile {
                    filename: None,
                    url: None,
                    hashes,
                }]
            };
            out.packages.push(LockedPackage {
                name: package,
                version,
                files,
                index,
                source,
                marker: text_of("markers").map(str::to_string),
                origin: Origin::new(path, at),
            });
        }
    }
    Ok(out)
}
