//! Reading installed files from disk into a [`Package`]: inside the
//! environment's prefix only, within [`Limits`], each file checked against
//! the hash and size its `RECORD` line gives.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::inventory::{Distribution, Inventory, Listed};
use crate::artifact::record::record_hash_with;
use crate::artifact::{
    AnomalyKind, ArtifactKind, ContainerFormat, CoreMetadata, EntryAnomaly, Limits, Package,
    PackageFile,
};

/// Why a file was not read.
#[derive(Debug)]
pub(super) enum ReadProblem {
    Missing,
    /// It resolves (through links) outside the environment's prefix.
    Outside(PathBuf),
    /// A device, FIFO or socket: opening it could block or do harm.
    Special,
    /// A folder where a file was expected.
    Folder,
    TooBig(u64),
    Io(io::Error),
}

impl ReadProblem {
    pub fn describe(&self) -> String {
        match self {
            ReadProblem::Missing => "missing".to_owned(),
            ReadProblem::Outside(target) => format!(
                "leads outside the environment to {}; not followed",
                target.display()
            ),
            ReadProblem::Special => "a device, FIFO or socket; not read".to_owned(),
            ReadProblem::Folder => "a folder, not a file".to_owned(),
            ReadProblem::TooBig(size) => format!("{size} bytes; too large to read"),
            ReadProblem::Io(error) => error.to_string(),
        }
    }
}

/// Resolves every link of `path` and checks that the result is a regular
/// file inside `canonical_prefix`: its real path and size.
fn locate_inside(path: &Path, canonical_prefix: &Path) -> Result<(PathBuf, u64), ReadProblem> {
    let real = match fs::canonicalize(path) {
        Ok(real) => real,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(ReadProblem::Missing);
        }
        Err(error) => return Err(ReadProblem::Io(error)),
    };
    if !real.starts_with(canonical_prefix) {
        return Err(ReadProblem::Outside(real));
    }
    let meta = fs::metadata(&real).map_err(ReadProblem::Io)?;
    if meta.is_dir() {
        return Err(ReadProblem::Folder);
    }
    if !meta.is_file() {
        return Err(ReadProblem::Special);
    }
    Ok((real, meta.len()))
}

/// Reads a whole regular file of at most `max` bytes.
fn read_all(real: &Path, size: u64, max: u64) -> Result<Vec<u8>, ReadProblem> {
    if size > max {
        return Err(ReadProblem::TooBig(size));
    }
    let mut data = Vec::with_capacity(size.min(1 << 20) as usize);
    fs::File::open(real)
        .and_then(|f| f.take(max.saturating_add(1)).read_to_end(&mut data))
        .map_err(ReadProblem::Io)?;
    // The file may have grown since it was measured.
    if data.len() as u64 > max {
        return Err(ReadProblem::TooBig(data.len() as u64));
    }
    Ok(data)
}

/// Reads a regular file if, with every link resolved, it lies inside
/// `canonical_prefix`, and is at most `max` bytes.
pub(super) fn read_inside(
    path: &Path,
    canonical_prefix: &Path,
    max: u64,
) -> Result<Vec<u8>, ReadProblem> {
    let (real, size) = locate_inside(path, canonical_prefix)?;
    read_all(&real, size, max)
}

/// Files larger than this that are not source are streamed: hashed in full,
/// only their start kept (for the byte-detected kind).
const STREAM_ABOVE: u64 = 1 << 20;

/// How much of a streamed file is kept.
const KEPT_HEAD: usize = 64 * 1024;

/// A streamed file: its first bytes, size and `RECORD`-style hash.
struct Streamed {
    head: Vec<u8>,
    size: u64,
    hash: Option<String>,
}

/// Reads a file through, keeping its first [`KEPT_HEAD`] bytes and hashing
/// all of it with `algorithm` (when assay knows it).
fn stream(real: &Path, algorithm: Option<&str>) -> io::Result<Streamed> {
    use sha2::{Digest, Sha256, Sha384, Sha512};
    enum Hasher {
        Sha256(Sha256),
        Sha384(Sha384),
        Sha512(Sha512),
    }
    let mut hasher = match algorithm {
        Some("sha256") => Some(Hasher::Sha256(Sha256::new())),
        Some("sha384") => Some(Hasher::Sha384(Sha384::new())),
        Some("sha512") => Some(Hasher::Sha512(Sha512::new())),
        _ => None,
    };
    let mut file = fs::File::open(real)?;
    let mut head = Vec::with_capacity(KEPT_HEAD);
    let mut buffer = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        let chunk = &buffer[..n];
        size += n as u64;
        let room = KEPT_HEAD.saturating_sub(head.len());
        head.extend_from_slice(&chunk[..room.min(n)]);
        match &mut hasher {
            Some(Hasher::Sha256(h)) => h.update(chunk),
            Some(Hasher::Sha384(h)) => h.update(chunk),
            Some(Hasher::Sha512(h)) => h.update(chunk),
            None if head.len() == KEPT_HEAD => break,
            None => {}
        }
    }
    use base64::Engine as _;
    let encode = |digest: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
    let hash = hasher.map(|h| match h {
        Hasher::Sha256(h) => format!("sha256={}", encode(&h.finalize())),
        Hasher::Sha384(h) => format!("sha384={}", encode(&h.finalize())),
        Hasher::Sha512(h) => format!("sha512={}", encode(&h.finalize())),
    });
    Ok(Streamed { head, size, hash })
}

/// A file read whole, with its size and its hash in the algorithm of its
/// `RECORD` line.
fn hashed(listed: &Listed, data: Vec<u8>) -> (Vec<u8>, u64, Option<String>) {
    let hash = listed
        .hash
        .as_deref()
        .and_then(|h| h.split_once('='))
        .and_then(|(algorithm, _)| record_hash_with(algorithm, &data));
    let size = data.len() as u64;
    (data, size, hash)
}

/// Source and scripts are always read whole: they are what gets analysed.
fn is_source(display: &str) -> bool {
    let lower = display.to_ascii_lowercase();
    [".py", ".pyw", ".pth"].iter().any(|e| lower.ends_with(e)) || lower.starts_with("../")
}

/// Reads one distribution's files into a package of kind
/// [`ArtifactKind::Installed`], with its metadata and `RECORD`, and
/// anomalies for files that changed, are missing or lead outside the
/// environment. Paths are relative to site-packages.
pub fn open_distribution(inventory: &Inventory, dist: &Distribution, limits: &Limits) -> Package {
    let mut reader = Reader::new(inventory, limits);
    reader.errors.extend(dist.errors.iter().cloned());
    if dist.missing_record {
        reader.anomaly(
            format!("{}/RECORD", dist.metadata_dir),
            AnomalyKind::MissingFromArchive,
            format!(
                "the distribution has no RECORD, so its files cannot be checked; \
                 the files it owns were guessed from {}",
                dist.listing
            ),
        );
    }
    let mut seen = std::collections::HashSet::new();
    for listed in &dist.files {
        if seen.insert(listed.display.as_str()) {
            reader.add(listed, dist.listing);
        }
    }
    let metadata = reader
        .files
        .iter()
        .find(|f| f.path == dist.metadata_file)
        .map(|f| CoreMetadata::parse(&f.data));
    let mut package = reader.into_package(inventory);
    package.metadata = metadata;
    package.record = dist.record.clone();
    package
}

/// Reads the files no distribution owns into one package; each is an
/// [`AnomalyKind::Unowned`] anomaly unless it is a well-known tool file.
pub fn open_unowned(inventory: &Inventory, limits: &Limits) -> Package {
    let mut reader = Reader::new(inventory, limits);
    reader.errors.extend(inventory.errors.iter().cloned());
    let sp = &inventory.site_packages.path;
    for rel in &inventory.unowned {
        if !inventory.well_known.contains(rel) {
            reader.anomaly(
                rel.clone(),
                AnomalyKind::Unowned,
                "no installed distribution lists this file".to_owned(),
            );
        }
        let listed = Listed {
            display: rel.clone(),
            path: super::paths::resolve(sp, rel),
            hash: None,
            size: None,
            outside: false,
            must_exist: false,
        };
        reader.add(&listed, "");
    }
    reader.into_package(inventory)
}

/// Gathers one package's files within the limits.
struct Reader<'a> {
    canonical_prefix: &'a Path,
    limits: &'a Limits,
    files: Vec<PackageFile>,
    anomalies: Vec<EntryAnomaly>,
    errors: Vec<String>,
    entries: usize,
    /// Bytes kept in memory.
    total: u64,
    /// Bytes of the files read (streamed files count in full).
    size: u64,
    /// Bytes streamed through to hash them, bounded by `max_hashed_bytes`.
    streamed: u64,
    stopped: bool,
}

impl<'a> Reader<'a> {
    fn new(inventory: &'a Inventory, limits: &'a Limits) -> Self {
        Reader {
            canonical_prefix: &inventory.canonical_prefix,
            limits,
            files: Vec::new(),
            anomalies: Vec::new(),
            errors: Vec::new(),
            entries: 0,
            total: 0,
            size: 0,
            streamed: 0,
            stopped: false,
        }
    }

    fn anomaly(&mut self, path: String, kind: AnomalyKind, detail: String) {
        self.anomalies.push(EntryAnomaly { path, kind, detail });
    }

    fn stop(&mut self, path: &str, detail: String) {
        self.errors.push(format!("stopped reading: {detail}"));
        self.anomaly(path.to_owned(), AnomalyKind::LimitExceeded, detail);
        self.stopped = true;
    }

    /// Reads one listed file; `listing` names the list for messages.
    fn add(&mut self, listed: &Listed, listing: &str) {
        if self.stopped {
            return;
        }
        if listed.outside {
            self.anomaly(
                listed.display.clone(),
                AnomalyKind::OutsideEnvironment,
                format!(
                    "{listing} lists {}, outside the environment; not read",
                    listed.path.display()
                ),
            );
            return;
        }
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            let detail = format!("more than {} files", self.limits.max_entries);
            self.stop(&listed.display, detail);
            return;
        }
        let max = self.limits.max_file_bytes;
        let located = locate_inside(&listed.path, self.canonical_prefix);
        let read = match located {
            Ok((real, size)) if size > STREAM_ABOVE && !is_source(&listed.display) => {
                // The size is checked before anything is read: a sparse file
                // can claim 100 GiB and cost nothing to make.
                let within = self.streamed.saturating_add(size) <= self.limits.max_hashed_bytes;
                let algorithm = listed
                    .hash
                    .as_deref()
                    .and_then(|h| h.split_once('='))
                    .filter(|_| within);
                if within {
                    self.streamed += size;
                } else {
                    self.anomaly(
                        listed.display.clone(),
                        AnomalyKind::LimitExceeded,
                        format!(
                            "{size} bytes: more than the {} bytes hashed per distribution; \
                             only its first {KEPT_HEAD} bytes were read and its RECORD hash \
                             was not checked",
                            self.limits.max_hashed_bytes
                        ),
                    );
                }
                match stream(&real, algorithm.map(|(a, _)| a)) {
                    // A script without a `.py` name is analysed: read whole.
                    Ok(streamed) if streamed.head.starts_with(b"#!") => {
                        read_all(&real, size, max).map(|data| hashed(listed, data))
                    }
                    // Unhashed, only the head was read: the size is the measured one.
                    Ok(streamed) if !within => Ok((streamed.head, size, None)),
                    Ok(streamed) => Ok((streamed.head, streamed.size, streamed.hash)),
                    Err(error) => Err(ReadProblem::Io(error)),
                }
            }
            Ok((real, size)) => read_all(&real, size, max).map(|data| hashed(listed, data)),
            Err(problem) => Err(problem),
        };
        let (data, real_size, found_hash) = match read {
            Ok(read) => read,
            Err(ReadProblem::Missing) => {
                if listed.must_exist {
                    self.anomaly(
                        listed.display.clone(),
                        AnomalyKind::MissingFromArchive,
                        format!("listed in {listing} but not in the environment"),
                    );
                }
                return;
            }
            // A RECORD may list a folder (a namespace marker); nothing to read.
            Err(ReadProblem::Folder) => return,
            Err(ReadProblem::Outside(target)) => {
                self.anomaly(
                    listed.display.clone(),
                    AnomalyKind::OutsideEnvironment,
                    format!(
                        "symbolic link to {}, outside the environment; not followed",
                        target.display()
                    ),
                );
                return;
            }
            Err(ReadProblem::Special) => {
                self.anomaly(
                    listed.display.clone(),
                    AnomalyKind::SpecialFile,
                    "device, FIFO or socket; not read".to_owned(),
                );
                return;
            }
            Err(ReadProblem::TooBig(size)) => {
                self.anomaly(
                    listed.display.clone(),
                    AnomalyKind::LimitExceeded,
                    format!("{size} bytes exceeds the per-file limit of {max} bytes; file skipped"),
                );
                return;
            }
            Err(ReadProblem::Io(error)) => {
                self.errors.push(format!("{}: {error}", listed.display));
                return;
            }
        };
        let size = data.len() as u64;
        if self.total.saturating_add(size) > self.limits.max_total_bytes {
            let detail = format!(
                "files total more than the limit of {} bytes",
                self.limits.max_total_bytes
            );
            self.stop(&listed.display, detail);
            return;
        }
        self.total += size;
        self.size = self.size.saturating_add(real_size);
        if let Some(detail) = mismatch(listed, found_hash.as_deref(), real_size) {
            self.anomaly(listed.display.clone(), AnomalyKind::RecordMismatch, detail);
        }
        self.files.push(PackageFile {
            path: listed.display.clone(),
            data: data.into(),
            mode: mode(&listed.path),
        });
    }

    fn into_package(mut self, inventory: &Inventory) -> Package {
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        Package {
            source: inventory.site_packages.path.clone(),
            kind: ArtifactKind::Installed,
            format: ContainerFormat::Directory,
            sha256: None,
            size: self.size,
            files: self.files,
            metadata: None,
            record: None,
            anomalies: self.anomalies,
            errors: self.errors,
        }
    }
}

/// How a file differs from its `RECORD` line, if it does: `found_hash` is
/// its hash in the line's algorithm (`None` when assay does not know the
/// algorithm, which is then not checked), `size` its size.
fn mismatch(listed: &Listed, found_hash: Option<&str>, size: u64) -> Option<String> {
    if let (Some(expected), Some(found)) = (&listed.hash, found_hash)
        && found != expected
    {
        return Some(format!("expected {expected}, found {found}"));
    }
    match listed.size {
        Some(expected) if expected != size => {
            Some(format!("expected size {expected}, found size {size}"))
        }
        _ => None,
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).ok().map(|m| m.permissions().mode())
}

#[cfg(not(unix))]
fn mode(_path: &Path) -> Option<u32> {
    None
}
