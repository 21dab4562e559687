//! Core metadata (`METADATA`, `PKG-INFO`, PEP 658 files).

use std::path::Path;

use pep440_rs::VersionSpecifiers;

use crate::metadata::DistDeps;
use crate::model::{Origin, Requirement};
use crate::reqline;

/// Largest metadata file read.
const MAX_METADATA_BYTES: usize = 16 * 1024 * 1024;

/// The fields of core metadata that matter for dependencies.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoreMetadata {
    /// `Metadata-Version`.
    pub metadata_version: Option<String>,
    /// `Name`.
    pub name: Option<String>,
    /// `Version`.
    pub version: Option<String>,
    /// `Requires-Dist` values with their 1-based lines.
    pub requires_dist: Vec<(usize, String)>,
    /// `Provides-Extra` values.
    pub provides_extra: Vec<String>,
    /// `Requires-Python`.
    pub requires_python: Option<String>,
    /// `Dynamic` values (Metadata 2.2+), lower-cased.
    pub dynamic: Vec<String>,
}

impl CoreMetadata {
    /// `Metadata-Version` as `(major, minor)`.
    pub fn version_tuple(&self) -> Option<(u32, u32)> {
        let v = self.metadata_version.as_deref()?.trim();
        let (major, minor) = v.split_once('.').unwrap_or((v, "0"));
        Some((major.parse().ok()?, minor.parse().ok()?))
    }
}

/// Parses the RFC 822-style header block (continuation lines start with
/// whitespace; the body after the first blank line is ignored).
pub fn parse_core_metadata(bytes: &[u8]) -> CoreMetadata {
    let bytes = &bytes[..bytes.len().min(MAX_METADATA_BYTES)];
    let text = String::from_utf8_lossy(bytes);
    let mut out = CoreMetadata::default();
    let mut fields: Vec<(usize, String, String)> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = fields.last_mut() {
                last.2.push(' ');
                last.2.push_str(line.trim());
            }
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            fields.push((
                index + 1,
                key.trim().to_ascii_lowercase(),
                value.trim().to_string(),
            ));
        }
    }
    for (line, key, value) in fields {
        match key.as_str() {
            "metadata-version" => out.metadata_version = Some(value),
            "name" => out.name = Some(value),
            "version" => out.version = Some(value),
            "requires-dist" => out.requires_dist.push((line, value)),
            "provides-extra" => out.provides_extra.push(value),
            "requires-python" => out.requires_python = Some(value),
            "dynamic" => out.dynamic.push(value.to_ascii_lowercase()),
            _ => {}
        }
    }
    out
}

/// Reads the dependencies of a release from its core metadata.
///
/// Unparsable `Requires-Dist` entries are skipped and named in the note.
pub fn deps_from_core_metadata(bytes: &[u8]) -> DistDeps {
    deps_from_parsed(&parse_core_metadata(bytes), Path::new("METADATA"))
}

pub(crate) fn deps_from_parsed(meta: &CoreMetadata, file: &Path) -> DistDeps {
    let mut requires: Vec<Requirement> = Vec::new();
    let mut problems = Vec::new();
    for (line, value) in &meta.requires_dist {
        match reqline::parse_requirement(value, Origin::new(file, *line), Path::new("")) {
            Ok(req) => requires.push(req),
            Err(e) => problems.push(format!("line {line}: `{value}` ({e})")),
        }
    }
    let mut notes = Vec::new();
    let requires_python = match meta.requires_python.as_deref() {
        Some(text) => match text.parse::<VersionSpecifiers>() {
            Ok(spec) => Some(spec),
            Err(_) => {
                notes.push(format!(
                    "Requires-Python `{text}` is not valid and was ignored"
                ));
                None
            }
        },
        None => None,
    };
    if !problems.is_empty() {
        notes.push(format!(
            "unparsable Requires-Dist skipped: {}",
            problems.join("; ")
        ));
    }
    DistDeps::Known {
        requires,
        requires_python,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    }
}
