//! Dependencies from core metadata (`METADATA`, `PKG-INFO`, PEP 658 files).

use std::path::Path;

use assay_packaging::{CoreMetadata, NumberedValue};
use pep440_rs::VersionSpecifiers;

use crate::metadata::DistDeps;
use crate::model::{Origin, Requirement};
use crate::reqline;

/// Reads the dependencies of a release from its core metadata.
///
/// Unparsable `Requires-Dist` entries are skipped and named in the note.
/// The file is read by [`CoreMetadata::parse`], the parser the scanner
/// uses, so both read a hostile file the same way.
pub fn deps_from_core_metadata(bytes: &[u8]) -> DistDeps {
    deps_from_parsed(&CoreMetadata::parse(bytes), Path::new("METADATA"))
}

pub(crate) fn deps_from_parsed(meta: &CoreMetadata, file: &Path) -> DistDeps {
    let mut requires: Vec<Requirement> = Vec::new();
    let mut problems = Vec::new();
    for NumberedValue { line, value } in &meta.requires_dist {
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
