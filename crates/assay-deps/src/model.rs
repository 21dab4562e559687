//! The one model every input is parsed into.

use std::fmt;
use std::path::{Path, PathBuf};

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{PackageName, VersionOrUrl};

/// Which kind of dependency input a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InputKind {
    /// A pip requirements (or constraints) file.
    Requirements,
    /// A `pyproject.toml` (PEP 621 and PEP 735).
    Pyproject,
    /// A `uv.lock`.
    UvLock,
    /// A `poetry.lock`.
    PoetryLock,
    /// A `pylock.toml` or `pylock.<name>.toml` (PEP 751).
    PyLock,
    /// A `Pipfile.lock`.
    PipfileLock,
}

impl InputKind {
    /// Detects the kind from the file name alone.
    ///
    /// Requirements files are recognised by name: `requirements*.txt`,
    /// `requirements*.in`, `constraints*.txt`, and any `*.txt`/`*.in` inside
    /// a folder named `requirements`. Other `*.txt`/`*.in` files are
    /// requirements only when the user says so (`-r`): the caller then uses
    /// [`InputKind::Requirements`] directly.
    pub fn detect(path: &Path) -> Option<InputKind> {
        let name = path.file_name()?.to_str()?;
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "pyproject.toml" => return Some(Self::Pyproject),
            "uv.lock" => return Some(Self::UvLock),
            "poetry.lock" => return Some(Self::PoetryLock),
            "pipfile.lock" => return Some(Self::PipfileLock),
            "pylock.toml" => return Some(Self::PyLock),
            _ => {}
        }
        if lower.starts_with("pylock.") && lower.ends_with(".toml") {
            return Some(Self::PyLock);
        }
        let is_list = lower.ends_with(".txt") || lower.ends_with(".in");
        if is_list && (lower.starts_with("requirements") || lower.starts_with("constraints")) {
            return Some(Self::Requirements);
        }
        let in_requirements_dir = path
            .parent()
            .and_then(Path::file_name)
            .and_then(|p| p.to_str())
            .is_some_and(|p| p.eq_ignore_ascii_case("requirements"));
        (is_list && in_requirements_dir).then_some(Self::Requirements)
    }
}

/// Where a requirement or package was declared.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The file (as given, or as reached through `-r`).
    pub file: PathBuf,
    /// 1-based line; 0 when unknown.
    pub line: usize,
}

impl Origin {
    /// An origin at `line` of `file`.
    pub fn new(file: impl Into<PathBuf>, line: usize) -> Self {
        Self {
            file: file.into(),
            line,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.file.file_name().map_or_else(
            || self.file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        if self.line == 0 {
            write!(f, "{name}")
        } else {
            write!(f, "{name}:{}", self.line)
        }
    }
}

/// An expected digest of a file, e.g. from `--hash=sha256:…`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Hash {
    /// Lower-case algorithm name as hashlib spells it: `sha256`, `sha512`…
    pub algorithm: String,
    /// Lower-case hex digest.
    pub digest: String,
}

impl Hash {
    /// Parses `algo:hex` (or `algo=hex`), validating both parts.
    pub fn parse(text: &str) -> Option<Hash> {
        let (algorithm, digest) = text.split_once(':').or_else(|| text.split_once('='))?;
        let algorithm = algorithm.trim().to_ascii_lowercase();
        let digest = digest.trim().to_ascii_lowercase();
        Self::from_parts(&algorithm, &digest)
    }

    /// Builds a hash from an algorithm and a hex digest, validating both.
    pub fn from_parts(algorithm: &str, digest: &str) -> Option<Hash> {
        let algorithm = algorithm.trim().to_ascii_lowercase();
        let digest = digest.trim().to_ascii_lowercase();
        let algo_ok = !algorithm.is_empty()
            && algorithm.len() <= 16
            && algorithm
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        let digest_ok = digest.len() >= 8
            && digest.len() <= 256
            && digest.bytes().all(|b| b.is_ascii_hexdigit());
        (algo_ok && digest_ok).then_some(Hash { algorithm, digest })
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.digest)
    }
}

/// Where a requirement's files come from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// Resolved against the package index.
    Index,
    /// A direct URL to an archive (not scannable from an index).
    Url(String),
    /// A version-control URL such as `git+https://…` (not scannable from an index).
    Vcs(String),
    /// A local archive or folder (scanned from disk).
    LocalPath(PathBuf),
    /// An editable install of a local folder (scanned from disk).
    Editable(PathBuf),
}

/// One requirement with everything the input said about it.
#[derive(Clone, Debug)]
pub struct Requirement {
    /// Name, extras, version specifiers and markers. For non-index sources
    /// the URL is not kept here but in [`Requirement::source`], and the name
    /// of an unnamed local path is inferred (see `docs/dependencies.md`).
    pub req: pep508_rs::Requirement,
    /// Expected digests (`--hash`); any one matching is enough, as in pip.
    pub hashes: Vec<Hash>,
    /// Where it was declared.
    pub origin: Origin,
    /// Where its files come from.
    pub source: Source,
}

impl Requirement {
    /// The normalised distribution name.
    pub fn name(&self) -> &PackageName {
        &self.req.name
    }

    /// The version specifiers, if any.
    pub fn specifiers(&self) -> Option<&VersionSpecifiers> {
        match &self.req.version_or_url {
            Some(VersionOrUrl::VersionSpecifier(s)) => Some(s),
            _ => None,
        }
    }

    /// `origin requirement`, as used in requirement chains:
    /// `requirements.txt:3 foo[bar]>=1`.
    pub fn label(&self) -> String {
        format!("{} {}", self.origin, self.req)
    }
}

/// Something worth telling the user that is not an error, with where it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// Where.
    pub origin: Origin,
    /// What.
    pub message: String,
}

/// Index options found in a requirements file, for the CLI to apply.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexOptions {
    /// `--index-url`/`-i` (the last one wins, as in pip).
    pub index_url: Option<String>,
    /// `--extra-index-url`, in order.
    pub extra_index_urls: Vec<String>,
    /// `--find-links`/`-f`, in order.
    pub find_links: Vec<String>,
    /// `--no-index`.
    pub no_index: bool,
    /// `--pre`: pre-releases allowed.
    pub pre: bool,
}

/// Requirements still to be resolved (requirements files, `pyproject.toml`).
#[derive(Clone, Debug, Default)]
pub struct Unresolved {
    /// The roots.
    pub requirements: Vec<Requirement>,
    /// Constraints (`-c`): they restrict versions but add no roots.
    pub constraints: Vec<Requirement>,
    /// Index options from the file(s).
    pub index: IndexOptions,
    /// Ignored options, skipped includes, dynamic metadata…
    pub notes: Vec<Note>,
}

/// One file of a locked package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockedFile {
    /// The file name, when the lock gives it or the URL ends with it.
    pub filename: Option<String>,
    /// The URL, when the lock records it.
    pub url: Option<String>,
    /// Expected digests.
    pub hashes: Vec<Hash>,
}

/// One pinned package of a lockfile.
#[derive(Clone, Debug)]
pub struct LockedPackage {
    /// Normalised name.
    pub name: PackageName,
    /// The pinned version (absent for some local or VCS entries).
    pub version: Option<Version>,
    /// The files the lock allows, with their digests.
    pub files: Vec<LockedFile>,
    /// The index URL (or index name, for `Pipfile.lock` without sources)
    /// the lock names for this package; `None` means the default index.
    pub index: Option<String>,
    /// Where its files come from (index, URL, VCS, local folder).
    pub source: Source,
    /// Environment marker the lock attaches to the package, as written.
    pub marker: Option<String>,
    /// Where it is declared.
    pub origin: Origin,
}

/// Packages already resolved by a lockfile.
#[derive(Clone, Debug, Default)]
pub struct Locked {
    /// The pinned packages.
    pub packages: Vec<LockedPackage>,
    /// Things worth telling the user.
    pub notes: Vec<Note>,
}

/// A parsed input.
#[derive(Clone, Debug)]
pub enum Parsed {
    /// Requirements to resolve.
    Unresolved(Unresolved),
    /// Packages already pinned.
    Locked(Locked),
}
