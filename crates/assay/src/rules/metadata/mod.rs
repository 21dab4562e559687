//! Rules over a package's core metadata (`PKG-INFO`, `METADATA`) and the
//! name and version its file name states.

pub mod confusion_marker;
pub mod filename_mismatch;

use crate::artifact::ArtifactKind;
use crate::rules::PackageFacts;

/// The name and version an artifact's file name states, when it is a
/// distribution file name at all: `pkg-1.0.tar.gz`, `pkg-1.0-py3-none-any.whl`.
/// For sdists, whose names may contain `-`, the split point is taken where
/// the part before it is `expected` (the metadata's name), else before the
/// first `-` followed by a digit.
pub(crate) fn stated_by_file_name<'a>(
    kind: ArtifactKind,
    file_name: &'a str,
    expected: &str,
) -> Option<(&'a str, &'a str)> {
    match kind {
        ArtifactKind::Wheel => {
            let stem = strip_suffix_ignore_case(file_name, ".whl")?;
            let parts: Vec<&str> = stem.split('-').collect();
            (5..=6).contains(&parts.len()).then(|| (parts[0], parts[1]))
        }
        ArtifactKind::Sdist => {
            const EXTENSIONS: &[&str] = &[
                ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar", ".zip",
            ];
            let stem = EXTENSIONS
                .iter()
                .find_map(|ext| strip_suffix_ignore_case(file_name, ext))?;
            let dashes = stem.match_indices('-').map(|(i, _)| i);
            let by_name = dashes
                .clone()
                .find(|&i| normalize_name(&stem[..i]) == normalize_name(expected));
            let at = by_name.or_else(|| {
                dashes.clone().find(|&i| {
                    let rest = stem[i + 1..].trim_start_matches(['v', 'V']);
                    rest.starts_with(|c: char| c.is_ascii_digit())
                })
            })?;
            Some((&stem[..at], &stem[at + 1..]))
        }
        _ => None,
    }
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    (text.is_char_boundary(cut) && text[cut..].eq_ignore_ascii_case(suffix)).then(|| &text[..cut])
}

/// A project name normalised as PEP 503 says: lower case, runs of `-`,
/// `_` and `.` as one `-`.
pub(crate) fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
        } else {
            if separator && !out.is_empty() {
                out.push('-');
            }
            separator = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Two versions are the same release under PEP 440 (`1.0` = `1.0.0`,
/// `1.0-1` = `1.0.post1`); versions that do not parse are compared as
/// text, ignoring case.
pub(crate) fn same_version(a: &str, b: &str) -> bool {
    use std::str::FromStr;
    match (
        pep440_rs::Version::from_str(a.trim()),
        pep440_rs::Version::from_str(b.trim()),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a.trim().eq_ignore_ascii_case(b.trim()),
    }
}

/// The metadata's file in the inventory (`pkg-1.0/PKG-INFO`,
/// `pkg-1.0.dist-info/METADATA`), for locating findings.
pub(crate) fn metadata_path<'a>(facts: &PackageFacts<'a>) -> Option<&'a str> {
    facts
        .inventory
        .iter()
        .filter(|f| {
            f.path == "PKG-INFO"
                || f.path.ends_with("/PKG-INFO")
                || f.path.ends_with(".dist-info/METADATA")
        })
        .min_by_key(|f| f.path.matches('/').count())
        .map(|f| f.path.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_versions_in_file_names() {
        fn sdist<'a>(f: &'a str, n: &str) -> Option<(&'a str, &'a str)> {
            stated_by_file_name(ArtifactKind::Sdist, f, n)
        }
        assert_eq!(sdist("pkg-1.0.tar.gz", "pkg"), Some(("pkg", "1.0")));
        assert_eq!(
            sdist("new-requests-2022-3.0.0.tar.gz", "new-requests-2022"),
            Some(("new-requests-2022", "3.0.0"))
        );
        assert_eq!(
            sdist("zope.interface-6.4.post2.tar.gz", "zope-interface"),
            Some(("zope.interface", "6.4.post2"))
        );
        assert_eq!(
            sdist("evil-kit-2.0.zip", "other"),
            Some(("evil-kit", "2.0"))
        );
        assert_eq!(sdist("download.tar.gz", "pkg"), None);
        assert_eq!(
            stated_by_file_name(
                ArtifactKind::Wheel,
                "my_pkg-2.1.0-1-py3-none-any.whl",
                "my-pkg"
            ),
            Some(("my_pkg", "2.1.0"))
        );
    }

    #[test]
    fn pep_503_and_440_normalisation() {
        assert_eq!(normalize_name("Foo__Bar.baz"), "foo-bar-baz");
        assert!(same_version("1.0", "1.0.0"));
        assert!(same_version("1.0-1", "1.0.post1"));
        assert!(same_version("2.0RC1", "2.0rc1"));
        assert!(!same_version("1.0", "1.0.1"));
        assert!(same_version("weird-ver", "WEIRD-VER"));
    }
}
