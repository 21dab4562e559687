//! The rules every container's entries go through, whatever the container:
//! name checks, links and special files, duplicates, and the limits. Tar, zip
//! and folder readers turn each of their entries into an [`Entry`] and hand it
//! to a [`Collector`].

use std::collections::HashSet;
use std::fmt;
use std::io::{self, Read};
use std::path::Path;

use super::folded_names::FoldedNames;
use super::{
    AnomalyKind, ArtifactKind, ContainerFormat, EntryAnomaly, Limits, Package, PackageFile,
    metadata, record,
};
use super::{CoreMetadata, Record};

/// What an entry is, as far as the rules care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum EntryType {
    /// A regular file: its bytes are kept.
    File,
    /// A folder: skipped silently (but its name is still checked).
    Directory,
    Symlink {
        target: String,
    },
    HardLink {
        target: String,
    },
    /// A device, FIFO, socket; the text says which.
    Special(&'static str),
    /// An entry the container uses for itself (a pax global header): skipped.
    Internal,
    /// An entry that cannot be read (encrypted, an unsupported method): the
    /// text says why; skipped with an error.
    Unreadable(String),
}

/// One entry of a container.
#[derive(Debug)]
pub(super) struct Entry<'a> {
    /// The name exactly as the container gives it (lossily decoded).
    pub raw_name: &'a str,
    pub kind: EntryType,
    /// The size the container declares. Tar sizes are exact; zip sizes may
    /// lie, so the bytes actually read are checked as well.
    pub declared_size: u64,
    pub mode: Option<u32>,
}

/// What the container reader should do after an entry.
#[derive(Debug)]
pub(super) enum Step {
    Continue,
    /// A limit was hit (and recorded): read nothing more.
    Stop,
    /// Reading the entry's bytes failed (and nothing was recorded): the
    /// container reader decides whether the stream is broken.
    ReadFailed(io::Error),
}

/// A limit tripped inside a reader (a decompression bomb guard). It travels
/// through the tar and zip crates as the payload of an [`io::Error`] and is
/// recognised with [`LimitHit::find`].
#[derive(Debug)]
pub(super) struct LimitHit(pub String);

impl fmt::Display for LimitHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitHit {}

impl LimitHit {
    pub fn into_io(self) -> io::Error {
        io::Error::other(self)
    }

    /// The limit behind an I/O error, if a guard raised it.
    pub fn find(error: &io::Error) -> Option<&LimitHit> {
        error.get_ref()?.downcast_ref::<LimitHit>()
    }
}

/// Checks `uncompressed` bytes produced from `compressed` bytes against the
/// ratio limit, once `uncompressed` reaches the floor.
pub(super) fn check_ratio(
    limits: &Limits,
    uncompressed: u64,
    compressed: u64,
) -> Result<(), LimitHit> {
    let compressed = compressed.max(1);
    if uncompressed >= limits.ratio_floor_bytes
        && uncompressed > compressed.saturating_mul(limits.max_ratio)
    {
        return Err(LimitHit(format!(
            "compression ratio {}:1 exceeds {}:1 (decompression bomb)",
            uncompressed / compressed,
            limits.max_ratio
        )));
    }
    Ok(())
}

/// An entry name after normalisation.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Name {
    /// A safe relative path: `/`-separated, no `.`, empty or `..` parts.
    Relative(String),
    /// A folder name (ends with `/`) or nothing at all (`./`).
    Folder,
    /// `/x`, `\x`, `\\server\x`, `C:\x`, `C:x`.
    Absolute,
    /// Has a `..` part.
    Traversal,
}

/// Normalises an entry name: backslashes become `/` (Windows extractors
/// treat them as separators), `.` and empty parts (a leading `./`, `a//b`)
/// are dropped, and absolute or climbing names are refused.
pub(super) fn normalise(raw: &str) -> Name {
    let name = raw.replace('\\', "/");
    let bytes = name.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if name.starts_with('/') || drive {
        return Name::Absolute;
    }
    let mut parts = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return Name::Traversal,
            part => parts.push(part),
        }
    }
    if parts.is_empty() || name.ends_with('/') {
        Name::Folder
    } else {
        Name::Relative(parts.join("/"))
    }
}

/// Gathers the files and anomalies of one artifact and enforces [`Limits`].
#[derive(Debug)]
pub(super) struct Collector<'l> {
    limits: &'l Limits,
    files: Vec<PackageFile>,
    anomalies: Vec<EntryAnomaly>,
    errors: Vec<String>,
    /// Safe names of regular files seen, kept or not (for duplicates).
    seen: HashSet<String>,
    /// Paths folded for case and Unicode normalisation.
    collisions: FoldedNames,
    /// Names (raw and normalised) of entries seen but not in `files`.
    not_kept: HashSet<String>,
    entries: usize,
    kept_bytes: u64,
    /// The last entry's raw name, for limits hit between entries.
    last_name: String,
    /// False once reading stopped early (a limit, a broken stream).
    complete: bool,
}

impl<'l> Collector<'l> {
    pub fn new(limits: &'l Limits) -> Self {
        Self {
            limits,
            files: Vec::new(),
            anomalies: Vec::new(),
            errors: Vec::new(),
            seen: HashSet::new(),
            collisions: FoldedNames::default(),
            not_kept: HashSet::new(),
            entries: 0,
            kept_bytes: 0,
            last_name: String::new(),
            complete: true,
        }
    }

    /// Entries handled so far (folders and skipped entries included).
    pub fn entries(&self) -> usize {
        self.entries
    }

    /// The raw name of the last entry handled.
    pub fn last_name(&self) -> &str {
        &self.last_name
    }

    /// True while nothing has been recorded: no anomaly and no error.
    pub fn is_clean(&self) -> bool {
        self.anomalies.is_empty() && self.errors.is_empty()
    }

    /// Records an entry that installers or readers would see differently.
    pub fn disagreement(&mut self, raw: &str, detail: String) {
        self.anomalies.push(EntryAnomaly {
            path: raw.to_owned(),
            kind: AnomalyKind::ReaderDisagreement,
            detail,
        });
    }

    /// Records a problem that does not stop reading.
    pub fn error(&mut self, message: String) {
        self.errors.push(message);
    }

    /// Records that the container broke off: what follows is unread.
    pub fn broken(&mut self, message: String) {
        self.complete = false;
        self.errors.push(message);
    }

    /// Records a limit hit outside an entry's bytes (between entries).
    pub fn limit_hit(&mut self, hit: &LimitHit) {
        let path = self.last_name.clone();
        self.stop(path, hit.0.clone());
    }

    /// Handles one entry; `body` is read only when the entry is a file to keep.
    pub fn add(&mut self, entry: Entry<'_>, body: &mut dyn Read) -> Step {
        let limits = self.limits;
        let raw = entry.raw_name;
        self.last_name = raw.to_owned();
        if self.entries >= limits.max_entries {
            self.stop(
                raw.to_owned(),
                format!("more than {} entries", limits.max_entries),
            );
            return Step::Stop;
        }
        self.entries += 1;
        if entry.kind == EntryType::Internal {
            return Step::Continue;
        }

        let name = normalise(raw);
        match name {
            Name::Absolute => self.anomaly(raw, AnomalyKind::AbsolutePath, "absolute path"),
            Name::Traversal => self.anomaly(
                raw,
                AnomalyKind::PathTraversal,
                "path climbs out of the archive with `..`",
            ),
            Name::Relative(_) | Name::Folder => {}
        }
        let is_file = entry.kind == EntryType::File;
        match entry.kind {
            EntryType::Directory | EntryType::Internal => return Step::Continue,
            EntryType::File => {}
            EntryType::Symlink { target } => self.anomaly(raw, AnomalyKind::Symlink, &target),
            EntryType::HardLink { target } => self.anomaly(raw, AnomalyKind::HardLink, &target),
            EntryType::Special(what) => self.anomaly(raw, AnomalyKind::SpecialFile, what),
            EntryType::Unreadable(why) => self.error(format!("{raw}: {why}; entry skipped")),
        }
        let path = match name {
            Name::Relative(path) if is_file => path,
            // A regular file named like a folder (`a/`) is a folder.
            Name::Folder if is_file => return Step::Continue,
            Name::Relative(path) => return self.skip(raw, Some(path)),
            Name::Folder | Name::Absolute | Name::Traversal => return self.skip(raw, None),
        };

        if !self.seen.insert(path.clone()) {
            self.anomaly(
                raw,
                AnomalyKind::DuplicateEntry,
                "the same path appears earlier in the archive; both copies are kept and scanned \
                 (Python's tarfile and zipfile extract the last one)",
            );
        } else if let Some((kind, detail)) = self.collisions.check(&path) {
            self.anomaly(raw, kind, &detail);
        }
        if entry.declared_size > limits.max_file_bytes {
            return self.too_big(raw, path, Some(entry.declared_size));
        }
        if self.kept_bytes.saturating_add(entry.declared_size) > limits.max_total_bytes {
            return self.total_exceeded(raw);
        }

        // Declared sizes may lie: reserve little up front and let the capped
        // read decide.
        let mut data = Vec::with_capacity(entry.declared_size.min(1 << 20) as usize);
        let read = body
            .take(limits.max_file_bytes.saturating_add(1))
            .read_to_end(&mut data);
        if let Err(error) = read {
            if let Some(hit) = LimitHit::find(&error) {
                self.stop(raw.to_owned(), hit.0.clone());
                return Step::Stop;
            }
            self.not_kept.insert(path);
            return Step::ReadFailed(error);
        }
        let size = data.len() as u64;
        if size > limits.max_file_bytes {
            return self.too_big(raw, path, None);
        }
        if self.kept_bytes.saturating_add(size) > limits.max_total_bytes {
            return self.total_exceeded(raw);
        }
        self.kept_bytes += size;
        self.files.push(PackageFile {
            path,
            data: data.into(),
            mode: entry.mode,
        });
        Step::Continue
    }

    fn anomaly(&mut self, raw: &str, kind: AnomalyKind, detail: &str) {
        self.anomalies.push(EntryAnomaly {
            path: raw.to_owned(),
            kind,
            detail: detail.to_owned(),
        });
    }

    /// Remembers an entry that is not kept, so a wheel's `RECORD` check does
    /// not call it missing.
    fn skip(&mut self, raw: &str, path: Option<String>) -> Step {
        self.not_kept.insert(raw.replace('\\', "/"));
        self.not_kept.extend(path);
        Step::Continue
    }

    /// Skips a file over the per-file limit; `size` is `None` when only the
    /// bytes actually read (one more than the limit) are known.
    fn too_big(&mut self, raw: &str, path: String, size: Option<u64>) -> Step {
        let max = self.limits.max_file_bytes;
        let detail = match size {
            Some(size) => {
                format!("{size} bytes exceeds the per-file limit of {max} bytes; file skipped")
            }
            None => format!("file is larger than the per-file limit of {max} bytes; file skipped"),
        };
        self.anomaly(raw, AnomalyKind::LimitExceeded, &detail);
        // A file not read leaves the artifact not fully scanned: say so
        // where the status is decided, not only in a finding.
        self.errors.push(format!(
            "{raw}: not read (over the per-file limit of {max} bytes); the artifact was not \
             fully scanned"
        ));
        self.skip(raw, Some(path))
    }

    fn total_exceeded(&mut self, raw: &str) -> Step {
        let detail = format!(
            "files total more than the limit of {} bytes",
            self.limits.max_total_bytes
        );
        self.stop(raw.to_owned(), detail);
        Step::Stop
    }

    /// Records a limit that stops reading: an anomaly and an error.
    fn stop(&mut self, path: String, detail: String) {
        self.errors.push(format!("stopped reading: {detail}"));
        self.anomalies.push(EntryAnomaly {
            path,
            kind: AnomalyKind::LimitExceeded,
            detail,
        });
        self.complete = false;
    }

    /// Builds the package: finds and parses core metadata, and for wheels
    /// parses and checks `RECORD`.
    pub fn into_package(
        mut self,
        source: &Path,
        kind: ArtifactKind,
        format: ContainerFormat,
        sha256: Option<String>,
        size: u64,
    ) -> Package {
        let metadata = metadata::locate(kind, &self.files).map(|f| CoreMetadata::parse(&f.data));

        let mut parsed_record = None;
        if kind == ArtifactKind::Wheel {
            // The RECORD beside METADATA, else the first `*.dist-info/RECORD`.
            let record_file = metadata::locate(kind, &self.files)
                .and_then(|meta| meta.path.strip_suffix("METADATA"))
                .map(|dist_info| format!("{dist_info}RECORD"))
                .and_then(|path| self.files.iter().find(|f| f.path == path))
                .or_else(|| self.files.iter().find(|f| is_record_path(&f.path)));
            if let Some(file) = record_file {
                let parsed = Record::parse(&String::from_utf8_lossy(&file.data));
                let found = record::verify_wheel(
                    &parsed,
                    &file.path,
                    &self.files,
                    &self.not_kept,
                    self.complete,
                );
                self.anomalies.extend(found);
                parsed_record = Some(parsed);
            } else if let Some(skipped) = self.not_kept.iter().find(|p| is_record_path(p)) {
                // A RECORD that was not read (over a limit) is not missing.
                self.errors.push(format!(
                    "{skipped}: the wheel's RECORD was not read, so its files were not \
                     checked against it"
                ));
            } else if self.complete {
                // Every wheel tool writes a RECORD; one without it cannot be
                // checked at all.
                self.anomalies.push(EntryAnomaly {
                    path: "*.dist-info/RECORD".to_owned(),
                    kind: AnomalyKind::MissingFromArchive,
                    detail: "the wheel has no RECORD file".to_owned(),
                });
            }
        }

        Package {
            source: source.to_owned(),
            kind,
            format,
            sha256,
            size,
            files: self.files,
            metadata,
            record: parsed_record,
            anomalies: self.anomalies,
            errors: self.errors,
        }
    }
}

/// `name.dist-info/RECORD` at the top of a wheel.
fn is_record_path(path: &str) -> bool {
    path.strip_suffix("/RECORD")
        .is_some_and(|dir| !dir.contains('/') && dir.ends_with(".dist-info"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_names() {
        let rel = |s: &str| Name::Relative(s.to_owned());
        assert_eq!(normalise("./pkg/a.py"), rel("pkg/a.py"));
        assert_eq!(normalise("././pkg//a.py"), rel("pkg/a.py"));
        assert_eq!(normalise("pkg\\a.py"), rel("pkg/a.py"));
        assert_eq!(normalise("pkg/"), Name::Folder);
        assert_eq!(normalise("./"), Name::Folder);
        assert_eq!(normalise(""), Name::Folder);
        assert_eq!(normalise("/etc/passwd"), Name::Absolute);
        assert_eq!(normalise("C:\\x"), Name::Absolute);
        assert_eq!(normalise("c:x"), Name::Absolute);
        assert_eq!(normalise("\\\\server\\share"), Name::Absolute);
        assert_eq!(normalise("../../etc/passwd"), Name::Traversal);
        assert_eq!(normalise("a/../b"), Name::Traversal);
        assert_eq!(normalise("a\\..\\..\\b"), Name::Traversal);
        assert_eq!(normalise("a/..b/c"), rel("a/..b/c"));
    }

    #[test]
    fn ratio_check_respects_floor() {
        let limits = Limits {
            max_ratio: 10,
            ratio_floor_bytes: 100,
            max_hashed_bytes: 1000,
            ..Limits::default()
        };
        assert!(check_ratio(&limits, 99, 1).is_ok());
        assert!(check_ratio(&limits, 100, 10).is_ok());
        let hit = check_ratio(&limits, 1000, 0).unwrap_err();
        assert_eq!(
            hit.0,
            "compression ratio 1000:1 exceeds 10:1 (decompression bomb)"
        );
        let io = hit.into_io();
        assert!(LimitHit::find(&io).is_some());
        assert!(LimitHit::find(&io::Error::other("x")).is_none());
    }

    fn file(name: &str) -> Entry<'_> {
        Entry {
            raw_name: name,
            kind: EntryType::File,
            declared_size: 1,
            mode: None,
        }
    }

    #[test]
    fn duplicates_keep_the_first() {
        let limits = Limits::default();
        let mut c = Collector::new(&limits);
        assert!(matches!(c.add(file("a"), &mut &b"1"[..]), Step::Continue));
        assert!(matches!(c.add(file("./a"), &mut &b"2"[..]), Step::Continue));
        // Both copies are kept: a benign first copy must not hide the second.
        assert_eq!(c.files.len(), 2);
        assert_eq!(
            (&c.files[0].data[..], &c.files[1].data[..]),
            (&b"1"[..], &b"2"[..])
        );
        assert_eq!(c.anomalies[0].kind, AnomalyKind::DuplicateEntry);
        assert_eq!(c.anomalies[0].path, "./a");
    }

    #[test]
    fn a_lying_declared_size_is_caught_by_the_read() {
        let limits = Limits {
            max_file_bytes: 4,
            ..Limits::default()
        };
        let mut c = Collector::new(&limits);
        c.add(file("a"), &mut &b"0123456789"[..]);
        assert!(c.files.is_empty());
        assert_eq!(c.anomalies[0].kind, AnomalyKind::LimitExceeded);
        assert!(
            c.anomalies[0]
                .detail
                .starts_with("file is larger than the per-file limit of 4 bytes")
        );
    }
}
