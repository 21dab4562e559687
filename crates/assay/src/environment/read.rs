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

/// Reads a regular file if, with every link resolved, it lies inside
/// `canonical_prefix`, and is at most `max` bytes.
pub(super) fn read_inside(
    path: &Path,
    canonical_prefix: &Path,
    max: u64,
) -> Result<Vec<u8>, ReadProblem> {
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
    if meta.len() > max {
        return Err(ReadProblem::TooBig(meta.len()));
    }
    let mut data = Vec::with_capacity(meta.len().min(1 << 20) as usize);
    fs::File::open(&real)
        .and_then(|f| f.take(max.saturating_add(1)).read_to_end(&mut data))
        .map_err(ReadProblem::Io)?;
    // The file may have grown since it was measured.
    if data.len() as u64 > max {
        return Err(ReadProblem::TooBig(data.len() as u64));
    }
    Ok(data)
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
        .map(|f| CoreMetadata::parse(&String::from_utf8_lossy(&f.data)));
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
    total: u64,
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
        let data = match read_inside(&listed.path, self.canonical_prefix, max) {
            Ok(data) => data,
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
        if let Some(detail) = mismatch(listed, &data) {
            self.anomaly(listed.display.clone(), AnomalyKind::RecordMismatch, detail);
        }
        self.files.push(PackageFile {
            path: listed.display.clone(),
            data,
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
            size: self.total,
            files: self.files,
            metadata: None,
            record: None,
            anomalies: self.anomalies,
            errors: self.errors,
        }
    }
}

/// How a file differs from its `RECORD` line, if it does. A hash in an
/// algorithm assay does not know is not checked.
fn mismatch(listed: &Listed, data: &[u8]) -> Option<String> {
    if let Some(expected) = &listed.hash
        && let Some((algorithm, _)) = expected.split_once('=')
        && let Some(found) = record_hash_with(algorithm, data)
        && &found != expected
    {
        return Some(format!("expected {expected}, found {found}"));
    }
    match listed.size {
        Some(size) if size != data.len() as u64 => {
            Some(format!("expected size {size}, found size {}", data.len()))
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
