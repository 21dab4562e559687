//! What a command-line target is: a package file or folder, a dependency
//! input, or a requirement on an index.

use std::path::{Path, PathBuf};

use assay_deps::{InputKind, Parsed, Requirement, Source};

use crate::error::SetupError;

/// What a command-line target is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A package file or folder, scanned as it is.
    Path(PathBuf),
    /// A dependency list or lockfile.
    Input(PathBuf, InputKind),
    /// A requirement on the index (`name`, `name==1.2`).
    Requirement(String),
    /// A text file given as a package to scan that reads as a list of
    /// requirements: it needs `-r`.
    RequirementsWithoutFlag(PathBuf),
}

/// Sorts a command-line argument: an existing path is a file to scan or a
/// dependency input (by its name); anything else that reads as a
/// requirement is looked up on the index.
pub fn classify(arg: &Path) -> Target {
    if arg.exists() {
        return match InputKind::detect(arg) {
            Some(kind) if arg.is_file() => Target::Input(arg.to_path_buf(), kind),
            None if arg.is_file() && reads_as_requirements(arg) => {
                Target::RequirementsWithoutFlag(arg.to_path_buf())
            }
            _ => Target::Path(arg.to_path_buf()),
        };
    }
    let text = arg.to_string_lossy();
    // A file name (an archive, a dependency file) that is not there is a
    // missing file, not a project called `requirements-txt`.
    let looks_like_path = text.contains(['/', '\\'])
        || InputKind::detect(arg).is_some()
        || [
            ".whl", ".tar.gz", ".zip", ".egg", ".tgz", ".tar.bz2", ".tar.xz", ".txt", ".in",
            ".lock", ".toml", ".cfg", ".py",
        ]
        .iter()
        .any(|ext| text.to_ascii_lowercase().ends_with(ext));
    if !looks_like_path && parse_requirement(&text, "command line").is_ok() {
        Target::Requirement(text.into_owned())
    } else {
        Target::Path(arg.to_path_buf())
    }
}

/// Whether a `.txt` or `.in` file parses as a requirements file with at
/// least one requirement.
fn reads_as_requirements(path: &Path) -> bool {
    let name = path.to_string_lossy().to_ascii_lowercase();
    if !(name.ends_with(".txt") || name.ends_with(".in")) {
        return false;
    }
    matches!(
        assay_deps::parse_input(path, InputKind::Requirements),
        Ok(Parsed::Unresolved(u)) if !u.requirements.is_empty()
    )
}

/// A requirement given as text (`requests>=2`), from `origin`.
pub fn parse_requirement(text: &str, origin: &str) -> Result<Requirement, SetupError> {
    let req = assay_deps::parse_pep508(text).map_err(|detail| SetupError::Requirement {
        text: text.to_owned(),
        detail,
    })?;
    Ok(Requirement {
        req,
        hashes: Vec::new(),
        origin: assay_deps::Origin::new(origin, 0),
        source: Source::Index,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_requirement_name_ending_in_punctuation_is_an_error_not_a_panic() {
        assert!(super::parse_requirement("requests1.=>31", "command line").is_err());
    }

    /// pep508_rs 0.9.2 panics formatting an error whose span ends inside a
    /// character, and parsing a marker word that ends inside one.
    #[test]
    fn a_requirement_pep508_rs_panics_on_is_an_error() {
        for text in ["demo[a \u{e9}]", "six ; python_version >= '3' \u{e9}"] {
            assert!(
                super::parse_requirement(text, "command line").is_err(),
                "{text}"
            );
        }
    }

    use super::*;

    #[test]
    fn targets_are_sorted_by_what_they_are() {
        let dir = std::env::temp_dir();
        assert_eq!(classify(&dir), Target::Path(dir.clone()));
        assert_eq!(
            classify(Path::new("requests==2.32.3")),
            Target::Requirement("requests==2.32.3".into())
        );
        assert_eq!(
            classify(Path::new("six")),
            Target::Requirement("six".into())
        );
        assert_eq!(
            classify(Path::new("missing/evil-1.0.tar.gz")),
            Target::Path("missing/evil-1.0.tar.gz".into())
        );
        assert_eq!(
            classify(Path::new("evil-1.0.whl")),
            Target::Path("evil-1.0.whl".into())
        );
    }

    #[test]
    fn a_missing_dependency_file_is_a_missing_file_not_a_project() {
        for name in [
            "requirements.txt",
            "dev-requirements.txt",
            "uv.lock",
            "poetry.lock",
            "pyproject.toml",
            "reqs.in",
        ] {
            assert_eq!(
                classify(Path::new(name)),
                Target::Path(name.into()),
                "{name}"
            );
        }
    }

    #[test]
    fn a_txt_argument_that_parses_as_requirements_needs_dash_r() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("dev-requirements.txt");
        std::fs::write(&list, "requests==2.32.3\nsix\n").unwrap();
        assert_eq!(
            classify(&list),
            Target::RequirementsWithoutFlag(list.clone())
        );
        let notes = dir.path().join("notes.txt");
        std::fs::write(&notes, "Remember: the tests need a server.\n").unwrap();
        assert_eq!(classify(&notes), Target::Path(notes.clone()));
    }
}
