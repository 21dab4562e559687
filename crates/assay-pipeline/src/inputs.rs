//! The dependency inputs of a scan, read: requirements on the command
//! line, requirements files, constraints files, pyproject.toml and
//! lockfiles, gathered into roots, constraints and locked packages.

use std::path::PathBuf;

use assay::ArtifactReport;
use assay_deps::{InputKind, LockedPackage, Parsed, Requirement};

use crate::error::SetupError;
use crate::scan::Outcome;
use crate::target::parse_requirement;

/// What the inputs ask for.
#[derive(Debug, Default)]
pub struct Gathered {
    /// Requirements to resolve.
    pub roots: Vec<Requirement>,
    /// Constraints on the resolution.
    pub constraints: Vec<Requirement>,
    /// Packages pinned by lockfiles.
    pub locked: Vec<LockedPackage>,
    /// Further indexes named by requirements files.
    pub extra_indexes: Vec<String>,
    /// The first `--index-url` a requirements file sets, and the file.
    pub index_from_input: Option<(String, PathBuf)>,
    /// Pre-releases allowed (by the options or a requirements file).
    pub pre: bool,
}

/// An input's note as one line: `requirements.txt:3: message`.
pub fn note_text(note: &assay_deps::Note) -> String {
    format!("{}: {}", note.origin, note.message)
}

/// Reads `requirements` (command-line texts), `constraints` files and
/// `inputs`. An input that cannot be read becomes a report in `outcome`;
/// the inputs' notes become its warnings.
pub fn gather(
    requirements: &[String],
    constraints: &[PathBuf],
    inputs: &[(PathBuf, InputKind)],
    parse: &assay_deps::ParseOptions,
    pre: bool,
    outcome: &mut Outcome,
) -> Result<Gathered, SetupError> {
    let mut gathered = Gathered {
        pre,
        ..Gathered::default()
    };
    for text in requirements {
        gathered
            .roots
            .push(parse_requirement(text, "command line")?);
    }
    for path in constraints {
        match assay_deps::parse_input(path, InputKind::Requirements) {
            Ok(Parsed::Unresolved(u)) => {
                gathered.constraints.extend(u.requirements);
                gathered.constraints.extend(u.constraints);
                outcome.warnings.extend(u.notes.iter().map(note_text));
            }
            Ok(Parsed::Locked(_)) => outcome.reports.push(ArtifactReport::unreadable(
                path,
                "a lockfile is not a constraints file".to_owned(),
            )),
            Err(error) => outcome
                .reports
                .push(ArtifactReport::unreadable(path, error.to_string())),
        }
    }
    for (path, kind) in inputs {
        match assay_deps::parse_input_with(path, *kind, parse) {
            Ok(Parsed::Unresolved(u)) => {
                gathered.roots.extend(u.requirements);
                gathered.constraints.extend(u.constraints);
                gathered.extra_indexes.extend(u.index.extra_index_urls);
                if gathered.index_from_input.is_none() {
                    gathered.index_from_input = u.index.index_url.map(|url| (url, path.clone()));
                }
                gathered.pre |= u.index.pre;
                outcome.warnings.extend(u.notes.iter().map(note_text));
            }
            Ok(Parsed::Locked(l)) => {
                gathered.locked.extend(l.packages);
                outcome.warnings.extend(l.notes.iter().map(note_text));
            }
            Err(error) => outcome
                .reports
                .push(ArtifactReport::unreadable(path, error.to_string())),
        }
    }
    Ok(gathered)
}
