//! Reading Python artifacts (sdists, wheels, eggs, directories) into memory.
//!
//! Nothing is ever extracted to disk: archives are read as streams, each
//! regular entry's bytes are kept in a [`PackageFile`], and every entry that
//! could be dangerous to extract (absolute paths, `..`, links, devices) is
//! recorded as an [`EntryAnomaly`] and never followed.

use std::path::{Path, PathBuf};

use serde::Serialize;

mod archive;
mod directory;
mod entries;
mod folded_names;
pub mod metadata;
pub mod record;
mod zip_directory;

pub use metadata::CoreMetadata;
pub use record::Record;

/// What kind of Python artifact a package was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactKind {
    /// A source distribution (`.tar.gz`, `.zip`, ...).
    Sdist,
    /// A built wheel (`.whl`).
    Wheel,
    /// A legacy egg (`.egg`).
    Egg,
    /// A folder on disk.
    Directory,
    /// A distribution installed in an environment (`*.dist-info`,
    /// `*.egg-info`, `*.egg` in site-packages), or the files of a
    /// site-packages folder that no distribution owns. Its files are read
    /// from disk; paths are relative to site-packages.
    Installed,
}

/// The container format, detected from the bytes rather than the file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContainerFormat {
    TarGz,
    TarBz2,
    TarXz,
    Tar,
    Zip,
    Directory,
}

use crate::python::AnalysisLimits;

/// Limits on what one artifact may make us read. Exceeding one stops reading
/// that artifact, records an anomaly and an error, and the scan goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Total uncompressed bytes kept for one artifact.
    pub max_total_bytes: u64,
    /// Uncompressed bytes of one file; larger files are skipped (and recorded).
    pub max_file_bytes: u64,
    /// Number of entries in one archive.
    pub max_entries: usize,
    /// Largest allowed ratio of uncompressed to compressed size, checked once
    /// an archive has produced at least `ratio_floor_bytes`.
    pub max_ratio: u64,
    /// Uncompressed size below which the ratio is not checked (small files
    /// of zeros compress very well and are harmless).
    pub ratio_floor_bytes: u64,
    /// Bytes of large installed files (`--env`) read through only to check
    /// their `RECORD` hash, per distribution. Sizes are checked before any
    /// byte is read, so a sparse 100 GiB file costs nothing.
    pub max_hashed_bytes: u64,
    /// The analysis budget of each Python file ([`AnalysisLimits`]).
    pub analysis: AnalysisLimits,
    /// Findings of one rule listed for one artifact (the most severe);
    /// one summary finding of the rule counts the rest.
    pub max_findings_per_rule: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_total_bytes: 512 * 1024 * 1024,
            max_file_bytes: 64 * 1024 * 1024,
            max_entries: 100_000,
            max_ratio: 200,
            ratio_floor_bytes: 16 * 1024 * 1024,
            max_hashed_bytes: 2 * 1024 * 1024 * 1024,
            analysis: AnalysisLimits::default(),
            max_findings_per_rule: 100,
        }
    }
}

/// A Python artifact read into memory.
#[derive(Debug, Clone)]
pub struct Package {
    /// The path the package was read from, as given by the user.
    pub source: PathBuf,
    pub kind: ArtifactKind,
    pub format: ContainerFormat,
    /// SHA-256 of the artifact file (hex); `None` for directories.
    pub sha256: Option<String>,
    /// Size of the artifact file in bytes (sum of file sizes for directories).
    pub size: u64,
    /// Regular files, in archive order, with paths as written in the archive
    /// (`/`-separated). Entries that were unsafe or over a limit are not here.
    pub files: Vec<PackageFile>,
    /// Parsed `PKG-INFO` / `METADATA`, when the artifact has one.
    pub metadata: Option<CoreMetadata>,
    /// Parsed wheel `RECORD`, when the artifact is a wheel with one.
    pub record: Option<Record>,
    /// Entries that were dangerous, over a limit, or inconsistent.
    pub anomalies: Vec<EntryAnomaly>,
    /// Problems reading the artifact that did not stop it being scanned
    /// (a truncated stream: the files read before the break are kept).
    pub errors: Vec<String>,
}

impl Package {
    /// A folder-like package of files already in memory (benchmarks, tests,
    /// files gathered from elsewhere): no metadata, anomalies or errors.
    pub fn from_files(source: PathBuf, files: Vec<PackageFile>) -> Package {
        Package {
            source,
            kind: ArtifactKind::Directory,
            format: ContainerFormat::Directory,
            sha256: None,
            size: files.iter().map(|f| f.data.len() as u64).sum(),
            files,
            metadata: None,
            record: None,
            anomalies: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// The top-level folder shared by every file of an sdist
    /// (`name-1.0/`), if there is one.
    pub fn root_prefix(&self) -> Option<&str> {
        let first = self.files.first()?.path.as_str();
        let (prefix, _) = first.split_once('/')?;
        let prefix = &first[..=prefix.len()];
        self.files
            .iter()
            .all(|f| f.path.starts_with(prefix))
            .then_some(prefix)
    }

    /// The folder to strip from paths to get paths relative to the
    /// package root: the top folder of an sdist, nothing otherwise. (It
    /// looks at every file: compute it once per package.)
    pub fn sdist_prefix(&self) -> Option<&str> {
        (self.kind == ArtifactKind::Sdist)
            .then(|| self.root_prefix())
            .flatten()
    }
}

/// One regular file of a package.
#[derive(Debug, Clone)]
pub struct PackageFile {
    /// Path inside the artifact, `/`-separated, as written in the archive.
    pub path: String,
    pub data: FileData,
    /// Unix mode bits from the archive, when it has them.
    pub mode: Option<u32>,
}

/// The bytes of one package file: as read, or the very same bytes shared
/// with the Python analysis that holds them as its source text (a scan
/// that owns its package keeps one copy of each source, not two).
#[derive(Debug, Clone)]
pub enum FileData {
    Read(Vec<u8>),
    Shared(std::sync::Arc<str>),
}

impl FileData {
    /// The bytes as a vector of their own.
    pub fn into_vec(self) -> Vec<u8> {
        match self {
            FileData::Read(bytes) => bytes,
            FileData::Shared(text) => text.as_bytes().to_vec(),
        }
    }
}

impl std::ops::Deref for FileData {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            FileData::Read(bytes) => bytes,
            FileData::Shared(text) => text.as_bytes(),
        }
    }
}

impl AsRef<[u8]> for FileData {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl From<Vec<u8>> for FileData {
    fn from(bytes: Vec<u8>) -> Self {
        FileData::Read(bytes)
    }
}

impl<T: AsRef<[u8]> + ?Sized> PartialEq<T> for FileData {
    fn eq(&self, other: &T) -> bool {
        **self == *other.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::FileData;

    #[test]
    fn file_data_is_its_bytes_however_held() {
        let read = FileData::from(b"x = 1\n".to_vec());
        let shared = FileData::Shared("x = 1\n".into());
        assert_eq!(read, shared);
        assert_eq!(shared, b"x = 1\n");
        assert_ne!(shared, b"x = 2\n");
        assert_eq!((read.len(), &shared[..2]), (6, &b"x "[..]));
        assert_eq!(shared.into_vec(), b"x = 1\n".to_vec());
    }
}

/// Something about one archive entry that a scanner must report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryAnomaly {
    /// The entry's name exactly as written in the archive (lossily decoded).
    pub path: String,
    pub kind: AnomalyKind,
    /// Human-readable detail: the link target, the limit, the hashes.
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnomalyKind {
    /// The entry's name is an absolute path (`/etc/passwd`, `C:\...`).
    AbsolutePath,
    /// The entry's name climbs out of the archive with `..`.
    PathTraversal,
    /// A symbolic link (never followed).
    Symlink,
    /// A hard link (never followed).
    HardLink,
    /// A device, FIFO or other special entry.
    SpecialFile,
    /// A limit was exceeded: the archive looks like a decompression bomb.
    LimitExceeded,
    /// A wheel file that its `RECORD` does not list.
    NotInRecord,
    /// A wheel file whose hash or size differs from its `RECORD` line.
    RecordMismatch,
    /// A `RECORD` line naming a file the wheel does not contain.
    MissingFromArchive,
    /// The same path appears twice in the archive.
    DuplicateEntry,
    /// Installers or archive readers would see this entry differently: a
    /// NUL in a zip name, a zip entry only in a local header, a local name
    /// that differs from the central one, a wrong entry count, names that
    /// collide once Unicode normalisation is applied (docs/archives.md).
    ReaderDisagreement,
    /// Two names that differ only by case: one overwrites the other on
    /// case-insensitive file systems.
    CaseCollision,
    /// A file in site-packages that no installed distribution lists.
    Unowned,
    /// A path an installed distribution lists, or a symbolic link in an
    /// environment, that leads outside the environment's prefix: never read.
    OutsideEnvironment,
}

/// Why an artifact could not be read at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArtifactError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a Python artifact: {reason}")]
    Unrecognized { path: PathBuf, reason: String },
    #[error("{path}: corrupt {format} archive: {reason}")]
    Corrupt {
        path: PathBuf,
        format: &'static str,
        reason: String,
    },
}

/// Opens a file or folder as a Python package, read fully into memory
/// within `limits`.
pub fn open(path: &Path, limits: &Limits) -> Result<Package, ArtifactError> {
    if path.is_dir() {
        directory::open(path, limits)
    } else {
        archive::open(path, limits)
    }
}

/// Reads an artifact already in memory (a download, a fuzz input). `name` is
/// the file name it would have on disk; it picks sdist / wheel / egg, while the
/// container format is always detected from the bytes.
pub fn open_bytes(name: &str, data: Vec<u8>, limits: &Limits) -> Result<Package, ArtifactError> {
    archive::open_bytes(Path::new(name), data, limits)
}
