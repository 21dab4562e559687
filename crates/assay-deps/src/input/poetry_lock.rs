//! `poetry.lock`: `[[package]]` with `files = [{file, hash}]` (no URLs).

use std::path::Path;

use toml::{Table, Value};

use crate::error::InputError;
use crate::input::uv_lock::LineCursor;
use crate::input::{LockEntry, lock_entries, lock_hash, parse_toml};
use crate::model::{Locked, LockedFile, LockedPackage, Origin, Source};

pub(crate) fn parse(path: &Path, text: &str) -> Result<Locked, InputError> {
    let doc: Table = parse_toml(path, text)?;
    let mut out = Locked::default();
    let mut cursor = LineCursor::new(text);
    let base = path.parent().unwrap_or(Path::new(""));
    for entry in lock_entries(path, &doc, "package", &mut cursor)? {
        let LockEntry {
            table,
            name,
            version,
            line,
        } = entry;
        let mut files = Vec::new();
        if let Some(list) = table.get("files") {
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
    Ok(out)
}
