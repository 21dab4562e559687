//! `uv.lock`.

use std::path::Path;

use toml::{Table, Value};

use crate::error::InputError;
use crate::input::{
    LockEntry, line_of, lock_entries, lock_hash, parse_toml, sdist_and_wheels, url_filename,
};
use crate::model::{Locked, LockedFile, LockedPackage, Note, Origin, Source};

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

pub(crate) fn parse(path: &Path, text: &str) -> Result<Locked, InputError> {
    let doc: Table = parse_toml(path, text)?;
    let mut out = Locked::default();
    let mut cursor = LineCursor::new(text);
    for entry in lock_entries(path, &doc, "package", &mut cursor)? {
        let LockEntry {
            table,
            name,
            version,
            line,
        } = entry;
        let base = path.parent().unwrap_or(Path::new(""));
        let src = table.get("source").and_then(Value::as_table);
        let get = |key: &str| src.and_then(|s| s.get(key)).and_then(Value::as_str);
        if get("virtual").is_some() {
            // A virtual package is the project (or a workspace member)
            // itself: uv never builds or installs it, so there is no
            // artifact to scan; its dependencies are in the lock.
            out.notes.push(Note {
                origin: Origin::new(path, line),
                message: format!(
                    "{name} is the project itself (a virtual package, never built or installed): its dependencies are scanned, it is not"
                ),
            });
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
        if matches!(source, Source::Index) && files.is_empty() {
            out.notes.push(Note {
                origin: Origin::new(path, line),
                message: format!("{name} has no files in the lock"),
            });
        }
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
