//! `pylock.toml` (PEP 751).

use std::path::Path;

use toml::{Table, Value};

use crate::error::InputError;
use crate::input::uv_lock::LineCursor;
use crate::input::{LockEntry, lock_entries, parse_toml, sdist_and_wheels, url_filename};
use crate::model::{Hash, Locked, LockedFile, LockedPackage, Origin, Source};

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

pub(crate) fn parse(path: &Path, text: &str) -> Result<Locked, InputError> {
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
            .map(str::to_string);
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
    Ok(out)
}
