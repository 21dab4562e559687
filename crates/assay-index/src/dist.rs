//! Distribution files: names, filenames, wheel tags and the file model.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use pep440_rs::Version;

/// Normalises a project name as PEP 503 says: runs of `-`, `_` and `.`
/// become one `-`, and the result is lower case.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            pending_sep = true;
        } else {
            if pending_sep && !out.is_empty() {
                out.push('-');
            }
            pending_sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// One wheel compatibility tag (`cp312-abi3-manylinux_2_17_x86_64`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {
    /// Python tag (`cp312`, `py3`).
    pub python: String,
    /// ABI tag (`cp312`, `abi3`, `none`).
    pub abi: String,
    /// Platform tag (`manylinux_2_17_x86_64`, `any`).
    pub platform: String,
}

impl Tag {
    /// A tag from its three parts.
    pub fn new(python: &str, abi: &str, platform: &str) -> Tag {
        Tag {
            python: python.to_owned(),
            abi: abi.to_owned(),
            platform: platform.to_owned(),
        }
    }

    /// True for pure-Python tags (`*-none-any`).
    pub fn is_pure(&self) -> bool {
        self.abi == "none" && self.platform == "any"
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.python, self.abi, self.platform)
    }
}

/// What kind of distribution a filename names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DistKind {
    /// A source distribution (`.tar.gz`, `.zip`, ...).
    Sdist,
    /// A wheel, with its expanded compatibility tags.
    Wheel {
        /// Every tag the (possibly compressed) tag set expands to.
        tags: Vec<Tag>,
        /// The optional build tag.
        build: Option<String>,
    },
    /// A legacy egg.
    Egg,
    /// Anything else (installers, unknown extensions).
    Other,
}

impl DistKind {
    /// True for a wheel that is `none-any` for every tag.
    pub fn is_pure_wheel(&self) -> bool {
        matches!(self, DistKind::Wheel { tags, .. } if !tags.is_empty() && tags.iter().all(Tag::is_pure))
    }
}

/// Whether the index serves the file's core metadata separately (PEP 658/714).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MetadataAvailability {
    /// Not announced.
    #[default]
    Unavailable,
    /// Available at `<file url>.metadata`, with the digests the index gave
    /// (possibly none).
    Available {
        /// Algorithm name → lower-case hex digest.
        hashes: BTreeMap<String, String>,
    },
}

/// One file of a project page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistFile {
    /// The file name (last path segment of the URL, percent-decoded).
    pub filename: String,
    /// Absolute URL without fragment, credentials removed.
    pub url: String,
    /// Algorithm name → lower-case hex digest, as the index gave them.
    pub hashes: BTreeMap<String, String>,
    /// `Requires-Python` specifier text, if given.
    pub requires_python: Option<String>,
    /// `Some(reason)` when yanked (the reason may be empty).
    pub yanked: Option<String>,
    /// PEP 658/714 metadata availability.
    pub core_metadata: MetadataAvailability,
    /// PEP 700 upload time (ISO 8601 text, as given).
    pub upload_time: Option<String>,
    /// PEP 700 size in bytes.
    pub size: Option<u64>,
    /// The version parsed from the filename, if it parses.
    pub version: Option<Version>,
    /// Sdist, wheel, egg or other.
    pub kind: DistKind,
}

impl DistFile {
    /// The index's SHA-256 digest, if it gave one.
    pub fn sha256(&self) -> Option<&str> {
        self.hashes.get("sha256").map(String::as_str)
    }
}

/// A parsed distribution filename.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFilename {
    /// The name part as written in the filename.
    pub name: String,
    /// The version, if it parses as PEP 440.
    pub version: Option<Version>,
    /// The kind of file.
    pub kind: DistKind,
}

const SDIST_EXTENSIONS: &[&str] = &[
    ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".tar",
];

/// Parses a distribution filename. `project` (any spelling) helps split
/// sdist names whose project name contains `-`; pass `""` if unknown.
pub fn parse_filename(filename: &str, project: &str) -> ParsedFilename {
    let lower = filename.to_ascii_lowercase();
    if let Some(stem) = lower
        .strip_suffix(".whl")
        .map(|_| &filename[..filename.len() - 4])
    {
        if let Some(parsed) = parse_wheel(stem) {
            return parsed;
        }
    } else if let Some(stem) = lower
        .strip_suffix(".egg")
        .map(|_| &filename[..filename.len() - 4])
    {
        let mut parts = stem.splitn(3, '-');
        let name = parts.next().unwrap_or_default().to_owned();
        let version = parts.next().and_then(|v| Version::from_str(v).ok());
        return ParsedFilename {
            name,
            version,
            kind: DistKind::Egg,
        };
    } else if let Some(ext) = SDIST_EXTENSIONS.iter().find(|e| lower.ends_with(*e)) {
        let stem = &filename[..filename.len() - ext.len()];
        let (name, version) = split_name_version(stem, project);
        return ParsedFilename {
            name: name.to_owned(),
            version,
            kind: DistKind::Sdist,
        };
    }
    let (name, version) = split_name_version(filename.split('.').next().unwrap_or(""), project);
    ParsedFilename {
        name: name.to_owned(),
        version,
        kind: DistKind::Other,
    }
}

fn parse_wheel(stem: &str) -> Option<ParsedFilename> {
    let parts: Vec<&str> = stem.split('-').collect();
    let (name, version, build, py, abi, plat) = match parts.as_slice() {
        [n, v, p, a, pl] => (*n, *v, None, *p, *a, *pl),
        [n, v, b, p, a, pl] => (*n, *v, Some(*b), *p, *a, *pl),
        _ => return None,
    };
    let mut tags = Vec::new();
    for p in py.split('.') {
        for a in abi.split('.') {
            for pl in plat.split('.') {
                tags.push(Tag::new(p, a, pl));
            }
        }
    }
    Some(ParsedFilename {
        name: name.to_owned(),
        version: Version::from_str(version).ok(),
        kind: DistKind::Wheel {
            tags,
            build: build.map(str::to_owned),
        },
    })
}

/// Splits `name-version`, preferring the split whose name part normalises
/// to `project`, else the last `-` before something that parses as a version.
fn split_name_version<'a>(stem: &'a str, project: &str) -> (&'a str, Option<Version>) {
    let want = normalize_name(project);
    let dashes: Vec<usize> = stem.match_indices('-').map(|(i, _)| i).collect();
    if !want.is_empty() {
        for &i in &dashes {
            if normalize_name(&stem[..i]) == want {
                return (&stem[..i], Version::from_str(&stem[i + 1..]).ok());
            }
        }
    }
    for &i in dashes.iter().rev() {
        if let Ok(v) = Version::from_str(&stem[i + 1..]) {
            return (&stem[..i], Some(v));
        }
    }
    (stem, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_names() {
        assert_eq!(normalize_name("Foo.Bar__baz"), "foo-bar-baz");
        assert_eq!(normalize_name("requests"), "requests");
        assert_eq!(normalize_name("A-_.-B"), "a-b");
    }

    #[test]
    fn parses_wheels() {
        let p = parse_filename("foo_bar-1.2.0-1-py2.py3-none-any.whl", "foo-bar");
        assert_eq!(p.name, "foo_bar");
        assert_eq!(p.version, Version::from_str("1.2.0").ok());
        let DistKind::Wheel { tags, build } = &p.kind else {
            panic!("not a wheel: {p:?}");
        };
        assert_eq!(build.as_deref(), Some("1"));
        assert_eq!(tags.len(), 2);
        assert!(p.kind.is_pure_wheel());
        let native = parse_filename(
            "x-2.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "x",
        );
        assert!(!native.kind.is_pure_wheel());
        assert!(matches!(native.kind, DistKind::Wheel { ref tags, .. } if tags.len() == 2));
        // A broken wheel name is Other, not a panic.
        assert_eq!(parse_filename("broken.whl", "").kind, DistKind::Other);
    }

    #[test]
    fn parses_sdists_and_eggs() {
        let p = parse_filename("my-pkg-name-0.1.dev1.tar.gz", "my_pkg_name");
        assert_eq!(p.name, "my-pkg-name");
        assert_eq!(p.kind, DistKind::Sdist);
        assert_eq!(p.version, Version::from_str("0.1.dev1").ok());
        let q = parse_filename("my-pkg-2.0.zip", "");
        assert_eq!(
            (q.name.as_str(), q.version),
            ("my-pkg", Version::from_str("2.0").ok())
        );
        let e = parse_filename("pkg-1.0-py3.8.egg", "pkg");
        assert_eq!(e.kind, DistKind::Egg);
        assert_eq!(e.version, Version::from_str("1.0").ok());
        assert_eq!(
            parse_filename("pkg-1.0.win32.exe", "pkg").kind,
            DistKind::Other
        );
    }
}
