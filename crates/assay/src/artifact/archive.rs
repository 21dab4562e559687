//! Tar and zip containers, streamed into memory.
//!
//! The container is detected from the bytes, never the file name: many
//! malicious `.tar.gz` files are really zip archives. Tar streams are read
//! entry by entry straight from the decompressor; zip archives through their
//! central directory (or, when that is broken, their local headers). Every
//! entry goes through the shared rules of [`super::entries`].

use std::io::{self, Read};
use std::path::Path;

use super::entries::{Collector, Entry, EntryType, LimitHit, Step, check_ratio};
use super::zip_directory;
use super::{ArtifactError, ArtifactKind, ContainerFormat, Limits, Package};
use sha2::{Digest, Sha256};

/// Memory liblzma may use to decode one xz stream. Presets up to `xz -9`
/// need 65 MiB; a header may ask for gigabytes.
const XZ_MEMORY_LIMIT: u64 = 256 * 1024 * 1024;

/// Longest zip symlink target read (its target is the entry's content).
const MAX_LINK_TARGET: u64 = 4096;

/// Unix file-type bits, as zip external attributes carry them.
const S_IFMT: u32 = 0o170_000;
const S_IFLNK: u32 = 0o120_000;
const S_IFCHR: u32 = 0o020_000;
const S_IFBLK: u32 = 0o060_000;
const S_IFIFO: u32 = 0o010_000;
const S_IFSOCK: u32 = 0o140_000;

/// Reads an archive file from disk.
/// Only regular files are read: a FIFO or a terminal would block, and the
/// files of `/proc`, `/sys` and `/dev` are no artifacts (and hold secrets).
pub(super) fn open(path: &Path, limits: &Limits) -> Result<Package, ArtifactError> {
    let io = |source| ArtifactError::Io {
        path: path.to_owned(),
        source,
    };
    let refuse = |what: &str| io(io::Error::new(io::ErrorKind::InvalidInput, what.to_owned()));
    let real = std::fs::canonicalize(path).map_err(io)?;
    // Checked on the name as given too: `/proc/self/fd/1` resolves to
    // whatever standard output is.
    if ["/proc", "/sys", "/dev"]
        .iter()
        .any(|p| real.starts_with(p) || path.starts_with(p))
    {
        return Err(refuse(
            "a file of /proc, /sys or /dev is never read as an artifact",
        ));
    }
    // Checked before opening: opening a FIFO blocks until a writer comes.
    if !std::fs::metadata(&real).map_err(io)?.is_file() {
        return Err(refuse("not a regular file"));
    }
    let file = std::fs::File::open(&real).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(refuse("not a regular file"));
    }
    // The head decides the container. A tar stream is decompressed straight
    // from the file, so its compressed bytes are never held in memory (a
    // 450 MB sdist would otherwise cost its size once more); a zip needs
    // random access and is read whole.
    let len = meta.len();
    let mut head = Vec::with_capacity(TAR_HEAD_BYTES);
    (&file)
        .take(TAR_HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(io)?;
    if let Some(Container::Tar(compression)) = Container::detect(&head) {
        return open_tar_file(path, head, file, len, compression, limits);
    }
    let mut data = head;
    data.reserve(len.min(1 << 30) as usize);
    file.take(len.saturating_sub(data.len() as u64))
        .read_to_end(&mut data)
        .map_err(io)?;
    open_bytes(path, data, limits)
}

/// Bytes read before choosing a container: enough for the `ustar` magic of
/// an uncompressed tar. [`Container::detect`] names a tar only from the
/// start of the data, so the head alone gives the answer the whole file
/// would.
const TAR_HEAD_BYTES: usize = 512;

/// Reads a tar stream from a file, hashing the bytes as they pass.
fn open_tar_file(
    path: &Path,
    head: Vec<u8>,
    file: std::fs::File,
    len: u64,
    compression: Compression,
    limits: &Limits,
) -> Result<Package, ArtifactError> {
    let container = Container::Tar(compression);
    let rest = len.saturating_sub(head.len() as u64);
    let mut source = HashingReader {
        inner: io::Cursor::new(head).chain(file.take(rest)),
        hasher: Sha256::new(),
        read: 0,
    };
    let mut collector = Collector::new(limits);
    {
        let stream = compression
            .decoder(&mut source)
            .map_err(|reason| corrupt(path, container, reason))?;
        let guarded = StreamGuard {
            inner: stream,
            limits,
            input_len: len,
            produced: 0,
        };
        read_tar(guarded, compression.label(), &mut collector)
            .map_err(|reason| corrupt(path, container, reason))?;
    }
    // Whatever follows the tar stream is part of the file's digest.
    io::copy(&mut source, &mut io::sink()).map_err(|source| ArtifactError::Io {
        path: path.to_owned(),
        source,
    })?;
    if collector.entries() == 0 && collector.is_clean() {
        collector.error("archive is empty".to_owned());
    }
    let size = source.read;
    let sha256 = hex(&source.hasher.finalize());
    Ok(collector.into_package(
        path,
        kind_from_name(path),
        container.format(),
        Some(sha256),
        size,
    ))
}

fn corrupt(path: &Path, container: Container, reason: String) -> ArtifactError {
    ArtifactError::Corrupt {
        path: path.to_owned(),
        format: container.label(),
        reason,
    }
}

/// A reader that hashes and counts what passes through it.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    read: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

/// Reads an archive held in memory; `path` names it and picks its kind.
pub(super) fn open_bytes(
    path: &Path,
    data: Vec<u8>,
    limits: &Limits,
) -> Result<Package, ArtifactError> {
    let container = Container::detect(&data).ok_or_else(|| ArtifactError::Unrecognized {
        path: path.to_owned(),
        reason: describe_unknown(&data),
    })?;
    let corrupt = |reason: String| corrupt(path, container, reason);

    let mut collector = Collector::new(limits);
    match container {
        Container::Zip => read_zip(&data, limits, &mut collector).map_err(corrupt)?,
        Container::Tar(compression) => {
            let stream = compression.decoder(&data[..]).map_err(corrupt)?;
            let guarded = StreamGuard {
                inner: stream,
                limits,
                input_len: data.len() as u64,
                produced: 0,
            };
            read_tar(guarded, compression.label(), &mut collector).map_err(corrupt)?;
        }
    }
    if collector.entries() == 0 && collector.is_clean() {
        collector.error("archive is empty".to_owned());
    }

    let sha256 = hex(&Sha256::digest(&data));
    Ok(collector.into_package(
        path,
        kind_from_name(path),
        container.format(),
        Some(sha256),
        data.len() as u64,
    ))
}

/// `.whl` is a wheel, `.egg` an egg, anything else an sdist.
fn kind_from_name(path: &Path) -> ArtifactKind {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.ends_with(".whl") {
        ArtifactKind::Wheel
    } else if name.ends_with(".egg") {
        ArtifactKind::Egg
    } else {
        ArtifactKind::Sdist
    }
}

/// A container format as detected from its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Tar(Compression),
    Zip,
}

/// The compression around a tar stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    Gzip,
    Bzip2,
    Xz,
    None,
}

impl Container {
    fn detect(data: &[u8]) -> Option<Container> {
        const MAGICS: [(&[u8], Container); 7] = [
            (&[0x1f, 0x8b], Container::Tar(Compression::Gzip)),
            (b"BZh", Container::Tar(Compression::Bzip2)),
            (
                &[0xfd, b'7', b'z', b'X', b'Z', 0],
                Container::Tar(Compression::Xz),
            ),
            (b"PK\x03\x04", Container::Zip),
            (b"PK\x05\x06", Container::Zip),
            // The marker of a single-part "spanned" archive.
            (b"PK\x07\x08", Container::Zip),
            (b"PK00PK\x03\x04", Container::Zip),
        ];
        if let Some((_, container)) = MAGICS.iter().find(|(magic, _)| data.starts_with(magic)) {
            return Some(*container);
        }
        if data.get(257..262) == Some(b"ustar") {
            return Some(Container::Tar(Compression::None));
        }
        // Zip readers find the end-of-central-directory record from the end,
        // so a zip may start with anything (a self-extracting stub, junk put
        // there to hide it). The record sits in the last 64 KiB + 22 bytes.
        let tail = &data[data.len().saturating_sub(65_557)..];
        memchr::memmem::rfind(tail, b"PK\x05\x06").map(|_| Container::Zip)
    }

    fn format(self) -> ContainerFormat {
        match self {
            Container::Zip => ContainerFormat::Zip,
            Container::Tar(Compression::Gzip) => ContainerFormat::TarGz,
            Container::Tar(Compression::Bzip2) => ContainerFormat::TarBz2,
            Container::Tar(Compression::Xz) => ContainerFormat::TarXz,
            Container::Tar(Compression::None) => ContainerFormat::Tar,
        }
    }

    /// The name used in [`ArtifactError::Corrupt`].
    fn label(self) -> &'static str {
        match self {
            Container::Zip => "zip",
            Container::Tar(Compression::Gzip) => "tar.gz",
            Container::Tar(Compression::Bzip2) => "tar.bz2",
            Container::Tar(Compression::Xz) => "tar.xz",
            Container::Tar(Compression::None) => "tar",
        }
    }
}

impl Compression {
    /// The decompressed stream of `data`.
    fn decoder<'a>(self, data: impl Read + 'a) -> Result<Box<dyn Read + 'a>, String> {
        Ok(match self {
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(data)),
            Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(data)),
            Compression::Xz => {
                let stream = xz2::stream::Stream::new_stream_decoder(
                    XZ_MEMORY_LIMIT,
                    xz2::stream::CONCATENATED,
                )
                .map_err(|e| format!("cannot start the xz decoder: {e}"))?;
                Box::new(xz2::read::XzDecoder::new_stream(data, stream))
            }
            Compression::None => Box::new(data),
        })
    }

    /// The stream's name in error messages.
    fn label(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
            Compression::None => "tar",
        }
    }
}

/// Why bytes are not an archive, for [`ArtifactError::Unrecognized`].
fn describe_unknown(data: &[u8]) -> String {
    if data.is_empty() {
        return "the file is empty".to_owned();
    }
    let head = &data[..data.len().min(8)];
    let head: Vec<String> = head.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "not a zip, tar, tar.gz, tar.bz2 or tar.xz archive (starts with {})",
        head.join(" ")
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bounds a decompressed tar stream: its size against the compression ratio
/// limit (relative to the whole compressed input) and an absolute budget of
/// twice `max_total_bytes` for everything decompressed, kept or read through
/// (tar headers, skipped files).
struct StreamGuard<'l, R> {
    inner: R,
    limits: &'l Limits,
    input_len: u64,
    produced: u64,
}

impl<R: Read> Read for StreamGuard<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.produced = self.produced.saturating_add(n as u64);
        check_ratio(self.limits, self.produced, self.input_len).map_err(LimitHit::into_io)?;
        let budget = self.limits.max_total_bytes.saturating_mul(2);
        if self.produced > budget {
            return Err(LimitHit(format!("decompressed stream exceeds {budget} bytes")).into_io());
        }
        Ok(n)
    }
}

/// Reads a (decompressed) tar stream. `Err` means nothing could be read.
fn read_tar(stream: impl Read, label: &str, collector: &mut Collector<'_>) -> Result<(), String> {
    let mut archive = tar::Archive::new(stream);
    let entries = archive.entries().map_err(|e| e.to_string())?;
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let done = collector.entries();
                return stream_failed(collector, label, done, &error);
            }
        };
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let item = Entry {
            raw_name: &raw,
            kind: tar_entry_type(&entry),
            declared_size: entry.size(),
            mode: entry.header().mode().ok(),
        };
        match collector.add(item, &mut entry) {
            Step::Continue => {}
            Step::Stop => return Ok(()),
            Step::ReadFailed(error) => {
                let done = collector.entries().saturating_sub(1);
                return stream_failed(collector, label, done, &error);
            }
        }
    }
    Ok(())
}

/// Handles a tar stream that broke after `done` whole entries: a limit stops
/// reading, a break after some entries keeps them, and a break before any
/// entry means nothing could be read.
fn stream_failed(
    collector: &mut Collector<'_>,
    label: &str,
    done: usize,
    error: &io::Error,
) -> Result<(), String> {
    if let Some(hit) = LimitHit::find(error) {
        collector.limit_hit(hit);
        return Ok(());
    }
    if done == 0 {
        return Err(format!("unreadable {label} stream: {error}"));
    }
    collector.broken(format!(
        "truncated or corrupt {label} stream after {done} entries: {error}"
    ));
    Ok(())
}

fn tar_entry_type<R: Read>(entry: &tar::Entry<'_, R>) -> EntryType {
    let kind = entry.header().entry_type();
    let target = || {
        entry
            .link_name_bytes()
            .map(|t| String::from_utf8_lossy(&t).into_owned())
            .unwrap_or_default()
    };
    if kind.is_dir() {
        EntryType::Directory
    } else if kind.is_symlink() {
        EntryType::Symlink { target: target() }
    } else if kind.is_hard_link() {
        EntryType::HardLink { target: target() }
    } else if kind.is_character_special() {
        EntryType::Special("character device")
    } else if kind.is_block_special() {
        EntryType::Special("block device")
    } else if kind.is_fifo() {
        EntryType::Special("FIFO")
    } else if kind.is_pax_global_extensions()
        || kind.is_pax_local_extensions()
        || kind.is_gnu_longname()
        || kind.is_gnu_longlink()
    {
        EntryType::Internal
    } else {
        // Regular, contiguous and sparse files; tar readers (Python's tarfile
        // among them) extract unknown types as regular files too.
        EntryType::File
    }
}

/// Compressed and uncompressed byte counts over a whole zip archive.
struct ZipTotals {
    archive_len: u64,
    /// Sum of the declared compressed sizes of the entries read so far.
    compressed: u64,
    produced: u64,
}

/// Counts what one zip entry decompresses to and applies the ratio limit to
/// the entry and to the archive so far. A compressed size is never taken as
/// larger than the archive itself (entries can overlap, or lie).
struct ZipMeter<'a, R> {
    inner: R,
    limits: &'a Limits,
    totals: &'a mut ZipTotals,
    compressed: u64,
    produced: u64,
}

impl<R: Read> Read for ZipMeter<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.produced = self.produced.saturating_add(n as u64);
        self.totals.produced = self.totals.produced.saturating_add(n as u64);
        let cap = self.totals.archive_len;
        check_ratio(self.limits, self.produced, self.compressed.min(cap))
            .and_then(|()| {
                check_ratio(
                    self.limits,
                    self.totals.produced,
                    self.totals.compressed.min(cap),
                )
            })
            .map_err(LimitHit::into_io)?;
        Ok(n)
    }
}

/// Reads a zip archive as pip would (its central directory, as CPython's
/// `zipfile` reads it), then the entries only local headers hold. `Err`
/// means nothing could be read.
fn read_zip(data: &[u8], limits: &Limits, collector: &mut Collector<'_>) -> Result<(), String> {
    let directory = match zip_directory::read_central_directory(data, limits.max_entries) {
        Ok(directory) => directory,
        Err(error) => return read_zip_local_headers(data, limits, collector, &error),
    };
    let mut totals = ZipTotals {
        archive_len: data.len() as u64,
        compressed: 0,
        produced: 0,
    };
    let found = directory.entries.len() as u64;
    if !directory.more && found != directory.declared_count {
        collector.disagreement(
            "(end of central directory)",
            format!(
                "the end record declares {} entries but the central directory holds {found}: \
                 Python's zipfile reads every record, readers that trust the count read {}",
                directory.declared_count, directory.declared_count
            ),
        );
    }
    let mut covered = vec![directory.span];
    for entry in &directory.entries {
        covered.push(zip_directory::entry_span(data, entry));
        if add_zip_entry(data, entry, &mut totals, limits, collector).is_break() {
            return Ok(());
        }
    }
    for entry in zip_directory::local_only_entries(data, &covered, limits.max_entries) {
        collector.disagreement(
            &shown_name(&entry.stored_name),
            "a local header that the central directory does not list: pip does not see \
             this entry, readers that stream local headers do; it is scanned"
                .to_owned(),
        );
        if add_zip_entry(data, &entry, &mut totals, limits, collector).is_break() {
            return Ok(());
        }
    }
    Ok(())
}

/// Reads entries from their local headers, front to back, when the central
/// directory is unreadable. Unix modes (so symlinks) are not known this way.
fn read_zip_local_headers(
    data: &[u8],
    limits: &Limits,
    collector: &mut Collector<'_>,
    central_error: &str,
) -> Result<(), String> {
    let entries = zip_directory::local_only_entries(data, &[], limits.max_entries);
    if entries.is_empty() {
        return Err(central_error.to_owned());
    }
    let mut totals = ZipTotals {
        archive_len: data.len() as u64,
        compressed: 0,
        produced: 0,
    };
    collector.broken(format!(
        "zip central directory is unreadable ({central_error}); \
         {} entries were read from local headers",
        entries.len()
    ));
    for entry in &entries {
        if add_zip_entry(data, entry, &mut totals, limits, collector).is_break() {
            break;
        }
    }
    Ok(())
}

/// A stored name as shown in reports: NUL bytes spelled `\0`.
fn shown_name(stored: &str) -> String {
    stored.replace('\0', "\\0")
}

/// Turns a zip entry's outcome into whether to go on: a failed read spoils
/// only that entry.
fn zip_step(collector: &mut Collector<'_>, step: Step) -> std::ops::ControlFlow<()> {
    match step {
        Step::Continue => std::ops::ControlFlow::Continue(()),
        Step::Stop => std::ops::ControlFlow::Break(()),
        Step::ReadFailed(error) => {
            let name = collector.last_name().to_owned();
            collector.error(format!(
                "{name}: cannot read zip entry: {error}; entry skipped"
            ));
            std::ops::ControlFlow::Continue(())
        }
    }
}

/// Reads one entry under the name `zipfile` gives it, recording where other
/// readers would see something else (a NUL in the name, a local header
/// with another name).
fn add_zip_entry(
    data: &[u8],
    entry: &zip_directory::ZipEntry,
    totals: &mut ZipTotals,
    limits: &Limits,
    collector: &mut Collector<'_>,
) -> std::ops::ControlFlow<()> {
    if entry.stored_name != entry.name {
        collector.disagreement(
            &shown_name(&entry.stored_name),
            format!(
                "the name holds a NUL byte: Python's zipfile (so pip) cuts it there and \
                 writes `{}`; other readers keep the whole name",
                entry.name
            ),
        );
    }
    let opened = if entry.encrypted() {
        Err("encrypted entry".to_owned())
    } else {
        zip_directory::open_entry(data, entry)
    };
    let (kind, body) = match opened {
        Ok(opened) => {
            if let Some(local) = &opened.local_name {
                collector.disagreement(
                    &shown_name(&entry.stored_name),
                    format!(
                        "its local header names it `{}`: Python's zipfile refuses to read \
                         it, readers that go by local headers use that name",
                        shown_name(local)
                    ),
                );
            }
            let mut body = opened.body;
            let kind = zip_entry_type(entry, &mut body);
            (kind, body)
        }
        Err(reason) => (
            EntryType::Unreadable(reason),
            Box::new(io::empty()) as Box<dyn Read>,
        ),
    };
    let compressed = entry.compressed_size;
    totals.compressed = totals.compressed.saturating_add(compressed);
    let item = Entry {
        raw_name: &entry.name,
        kind,
        declared_size: entry.size,
        mode: entry.unix_mode,
    };
    let mut meter = ZipMeter {
        inner: body,
        limits,
        totals,
        compressed,
        produced: 0,
    };
    let step = collector.add(item, &mut meter);
    zip_step(collector, step)
}

fn zip_entry_type(entry: &zip_directory::ZipEntry, body: &mut dyn Read) -> EntryType {
    match entry.unix_mode.map(|m| m & S_IFMT) {
        Some(S_IFLNK) => EntryType::Symlink {
            target: read_link_target(body),
        },
        Some(S_IFCHR) => EntryType::Special("character device"),
        Some(S_IFBLK) => EntryType::Special("block device"),
        Some(S_IFIFO) => EntryType::Special("FIFO"),
        Some(S_IFSOCK) => EntryType::Special("socket"),
        _ if entry.is_dir() => EntryType::Directory,
        _ => EntryType::File,
    }
}

/// A zip symlink's target is its content; an unreadable one is shown empty.
fn read_link_target(file: &mut dyn Read) -> String {
    let mut target = Vec::new();
    let _ = file.take(MAX_LINK_TARGET).read_to_end(&mut target);
    String::from_utf8_lossy(&target).into_owned()
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};

    use tar::EntryType as Tar;
    use zip::write::SimpleFileOptions;

    use super::*;
    use crate::artifact::AnomalyKind;
    use crate::artifact::record::record_hash;

    /// One tar entry: name, type, link target, data. Names and link targets
    /// are written raw, so they can be hostile.
    type TarItem<'a> = (&'a str, Tar, &'a str, &'a [u8]);

    fn file<'a>(name: &'a str, data: &'a [u8]) -> TarItem<'a> {
        (name, Tar::Regular, "", data)
    }

    fn tar(items: &[TarItem<'_>]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, kind, link, data) in items {
            let mut header = tar::Header::new_gnu();
            let gnu = header.as_gnu_mut().expect("gnu header");
            gnu.name[..name.len()].copy_from_slice(name.as_bytes());
            gnu.linkname[..link.len()].copy_from_slice(link.as_bytes());
            header.set_entry_type(*kind);
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append(&header, *data).expect("append");
        }
        builder.into_inner().expect("finish tar")
    }

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).expect("gzip");
        encoder.finish().expect("gzip")
    }

    fn zip(items: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in items {
            writer.start_file(*name, options).expect("start");
            writer.write_all(data).expect("write");
        }
        writer.finish().expect("finish zip").into_inner()
    }

    fn small_limits() -> Limits {
        Limits {
            max_total_bytes: 8 * 1024 * 1024,
            max_file_bytes: 4 * 1024 * 1024,
            max_entries: 1000,
            max_ratio: 100,
            ratio_floor_bytes: 1024 * 1024,
            max_hashed_bytes: 16 * 1024 * 1024,
            ..Limits::default()
        }
    }

    fn open(name: &str, data: Vec<u8>) -> Result<Package, ArtifactError> {
        open_bytes(Path::new(name), data, &small_limits())
    }

    fn paths(package: &Package) -> Vec<&str> {
        package.files.iter().map(|f| f.path.as_str()).collect()
    }

    fn kinds(package: &Package) -> Vec<(&str, AnomalyKind)> {
        package
            .anomalies
            .iter()
            .map(|a| (a.path.as_str(), a.kind))
            .collect()
    }

    /// Deterministic bytes that do not compress.
    fn noise(len: usize, seed: u64) -> Vec<u8> {
        let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (state >> 33) as u8
            })
            .collect()
    }

    const PKG_INFO: &[u8] = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n";

    /// A tar read from a file is streamed, never held whole; it must give
    /// what the same bytes give in memory, digest and size included, with
    /// bytes after the compressed stream counted in the digest.
    #[test]
    fn tar_streamed_from_a_file_reads_as_in_memory() {
        let mut data = gz(&tar(&[
            file("demo-1.0/PKG-INFO", PKG_INFO),
            file("demo-1.0/setup.py", &noise(3000, 7)),
        ]));
        data.extend_from_slice(b"trailing bytes after the gzip member");
        for bytes in [data.clone(), tar(&[file("demo-1.0/PKG-INFO", PKG_INFO)])] {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("demo-1.0.tar.gz");
            std::fs::write(&path, &bytes).expect("write");
            let streamed = super::open(&path, &small_limits()).expect("streamed");
            let whole = open_bytes(&path, bytes.clone(), &small_limits()).expect("whole");
            assert_eq!(paths(&streamed), paths(&whole));
            assert_eq!(streamed.sha256, whole.sha256);
            assert_eq!(streamed.size, bytes.len() as u64);
            assert_eq!(streamed.size, whole.size);
            assert_eq!(streamed.errors, whole.errors);
        }
    }

    #[test]
    fn sdist_tar_gz() {
        let data = gz(&tar(&[
            ("demo-1.0/", Tar::Directory, "", b""),
            file("demo-1.0/PKG-INFO", PKG_INFO),
            file("./demo-1.0/setup.py", b"print('hi')\n"),
            ("pax_global_header", Tar::XGlobalHeader, "", b"9 a=b\n"),
        ]));
        let expected_sha = hex(&Sha256::digest(&data));
        let size = data.len() as u64;
        let package = open("demo-1.0.tar.gz", data).expect("opens");
        assert_eq!(package.kind, ArtifactKind::Sdist);
        assert_eq!(package.format, ContainerFormat::TarGz);
        assert_eq!(package.sha256.as_deref(), Some(expected_sha.as_str()));
        assert_eq!(package.size, size);
        assert_eq!(paths(&package), ["demo-1.0/PKG-INFO", "demo-1.0/setup.py"]);
        assert_eq!(package.files[1].mode, Some(0o644));
        assert!(package.anomalies.is_empty(), "{:?}", package.anomalies);
        assert!(package.errors.is_empty(), "{:?}", package.errors);
        let meta = package.metadata.expect("metadata");
        assert_eq!(meta.name.as_deref(), Some("demo"));
        assert_eq!(meta.version.as_deref(), Some("1.0"));
    }

    #[test]
    fn sdist_zip_and_other_tar_compressions() {
        let package = open(
            "demo-1.0.zip",
            zip(&[("demo-1.0/PKG-INFO", PKG_INFO), ("demo-1.0/setup.py", b"x")]),
        )
        .expect("zip opens");
        assert_eq!(
            (package.kind, package.format),
            (ArtifactKind::Sdist, ContainerFormat::Zip)
        );
        assert_eq!(paths(&package), ["demo-1.0/PKG-INFO", "demo-1.0/setup.py"]);
        assert!(package.metadata.is_some());

        let plain = tar(&[file("demo-1.0/PKG-INFO", PKG_INFO)]);
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
        bz.write_all(&plain).expect("bzip2");
        let mut xz = xz2::write::XzEncoder::new(Vec::new(), 6);
        xz.write_all(&plain).expect("xz");
        for (data, format) in [
            (plain.clone(), ContainerFormat::Tar),
            (bz.finish().expect("bzip2"), ContainerFormat::TarBz2),
            (xz.finish().expect("xz"), ContainerFormat::TarXz),
        ] {
            let package = open("demo-1.0.tar.gz", data).expect("opens");
            assert_eq!(package.format, format);
            assert_eq!(paths(&package), ["demo-1.0/PKG-INFO"]);
            assert!(package.metadata.is_some());
        }
    }

    #[test]
    fn tar_gz_name_holding_zip_bytes_is_read_as_zip() {
        let package = open("evil-1.0.tar.gz", zip(&[("evil-1.0/setup.py", b"x")])).expect("opens");
        assert_eq!(package.format, ContainerFormat::Zip);
        assert_eq!(package.kind, ArtifactKind::Sdist);
        assert_eq!(paths(&package), ["evil-1.0/setup.py"]);
    }

    #[test]
    fn zip_with_junk_in_front_is_still_a_zip() {
        let mut data = b"#!/bin/sh\necho self-extracting\n".to_vec();
        data.extend(zip(&[("a.py", b"x")]));
        let package = open("a.zip", data).expect("opens");
        assert_eq!(package.format, ContainerFormat::Zip);
        assert_eq!(paths(&package), ["a.py"]);
    }

    const WHEEL: &str = "demo-1.0-py3-none-any.whl";

    fn wheel(files: &[(&str, &[u8])], record: &str) -> Vec<u8> {
        let mut items = files.to_vec();
        items.push(("demo-1.0.dist-info/RECORD", record.as_bytes()));
        zip(&items)
    }

    fn record_line(path: &str, data: &[u8]) -> String {
        format!("{path},{},{}\n", record_hash(data), data.len())
    }

    const CODE: &[u8] = b"def f():\n    return 1\n";

    #[test]
    fn wheel_with_good_record() {
        let record = record_line("demo/__init__.py", CODE)
            + &record_line("demo-1.0.dist-info/METADATA", PKG_INFO)
            + "demo-1.0.dist-info/RECORD,,\n";
        let data = wheel(
            &[
                ("demo/__init__.py", CODE),
                ("demo-1.0.dist-info/METADATA", PKG_INFO),
            ],
            &record,
        );
        let package = open(WHEEL, data).expect("opens");
        assert_eq!(package.kind, ArtifactKind::Wheel);
        assert!(package.anomalies.is_empty(), "{:?}", package.anomalies);
        assert_eq!(package.record.expect("record").entries.len(), 3);
        assert_eq!(
            package.metadata.and_then(|m| m.name).as_deref(),
            Some("demo")
        );
    }

    #[test]
    fn wheel_with_file_missing_from_record() {
        let record =
            record_line("demo-1.0.dist-info/METADATA", PKG_INFO) + "demo-1.0.dist-info/RECORD,,\n";
        let data = wheel(
            &[
                ("demo/__init__.py", CODE),
                ("demo-1.0.dist-info/METADATA", PKG_INFO),
            ],
            &record,
        );
        let package = open(WHEEL, data).expect("opens");
        assert_eq!(
            kinds(&package),
            [("demo/__init__.py", AnomalyKind::NotInRecord)]
        );
    }

    #[test]
    fn wheel_with_wrong_hash_and_a_listed_file_not_in_it() {
        let record = record_line("demo/__init__.py", b"the reviewed code")
            + &record_line("demo-1.0.dist-info/METADATA", PKG_INFO)
            + &record_line("demo/gone.py", b"")
            + "demo-1.0.dist-info/RECORD,,\n";
        let data = wheel(
            &[
                ("demo/__init__.py", CODE),
                ("demo-1.0.dist-info/METADATA", PKG_INFO),
            ],
            &record,
        );
        let package = open(WHEEL, data).expect("opens");
        assert_eq!(
            kinds(&package),
            [
                ("demo/__init__.py", AnomalyKind::RecordMismatch),
                ("demo/gone.py", AnomalyKind::MissingFromArchive),
            ]
        );
        let detail = &package.anomalies[0].detail;
        assert!(
            detail.starts_with(&format!(
                "expected {}, found {}",
                record_hash(b"the reviewed code"),
                record_hash(CODE)
            )),
            "{detail}"
        );
    }

    #[test]
    fn wheel_unsafe_entries_are_not_record_noise() {
        let record = record_line("demo-1.0.dist-info/METADATA", PKG_INFO)
            + "demo-1.0.dist-info/RECORD,,\n../escape.py,,\n";
        let data = wheel(
            &[
                ("demo-1.0.dist-info/METADATA", PKG_INFO),
                ("../escape.py", b"x"),
            ],
            &record,
        );
        let package = open(WHEEL, data).expect("opens");
        assert_eq!(
            kinds(&package),
            [("../escape.py", AnomalyKind::PathTraversal)]
        );
    }

    #[test]
    fn egg_metadata() {
        let package = open(
            "demo-1.0-py3.8.egg",
            zip(&[("EGG-INFO/PKG-INFO", PKG_INFO), ("demo/__init__.py", b"")]),
        )
        .expect("opens");
        assert_eq!(package.kind, ArtifactKind::Egg);
        assert_eq!(
            package.metadata.and_then(|m| m.name).as_deref(),
            Some("demo")
        );
    }

    #[test]
    fn truncated_gzip_keeps_files_before_the_break() {
        let (a, b, c) = (noise(20_000, 1), noise(20_000, 2), noise(20_000, 3));
        let plain = {
            let mut builder = tar::Builder::new(Vec::new());
            for (name, data) in [("p/a.bin", &a), ("p/b.bin", &b), ("p/c.bin", &c)] {
                let mut header = tar::Header::new_gnu();
                header.set_size(data.len() as u64);
                header.set_cksum();
                builder
                    .append_data(&mut header, name, &data[..])
                    .expect("append");
            }
            builder.into_inner().expect("tar")
        };
        let mut data = gz(&plain);
        data.truncate(data.len() * 5 / 6);
        let package = open("p.tar.gz", data).expect("package despite the break");
        assert_eq!(paths(&package), ["p/a.bin", "p/b.bin"]);
        assert_eq!(package.files[1].data, b);
        assert_eq!(package.errors.len(), 1, "{:?}", package.errors);
        assert!(
            package.errors[0].starts_with("truncated or corrupt gzip stream after 2 entries: "),
            "{}",
            package.errors[0]
        );
    }

    #[test]
    fn gzip_that_is_not_a_tar_is_corrupt() {
        let error = open("x.tar.gz", gz(&noise(2000, 4))).expect_err("corrupt");
        assert!(
            matches!(
                error,
                ArtifactError::Corrupt {
                    format: "tar.gz",
                    ..
                }
            ),
            "{error}"
        );
        assert!(
            error
                .to_string()
                .starts_with("x.tar.gz: corrupt tar.gz archive: ")
        );
    }

    #[test]
    fn corrupt_zip_is_an_error() {
        let mut data = b"PK\x03\x04".to_vec();
        data.extend(noise(500, 5));
        let error = open("x.whl", data).expect_err("corrupt");
        assert!(
            matches!(error, ArtifactError::Corrupt { format: "zip", .. }),
            "{error}"
        );
    }

    #[test]
    fn zip_without_central_directory_falls_back_to_local_headers() {
        let mut data = zip(&[("a.py", b"one"), ("b.py", b"two")]);
        let central = memchr::memmem::find(&data, b"PK\x01\x02").expect("central directory");
        data.truncate(central);
        let package = open("x.zip", data).expect("read from local headers");
        assert_eq!(paths(&package), ["a.py", "b.py"]);
        assert_eq!(package.files[1].data, b"two");
        assert_eq!(package.errors.len(), 1, "{:?}", package.errors);
        assert!(package.errors[0].starts_with("zip central directory is unreadable"));
    }

    /// Replaces every occurrence of `from` (a name in the local and central
    /// headers) with `to`, of the same length.
    fn patch(data: &mut [u8], from: &[u8], to: &[u8]) {
        assert_eq!(from.len(), to.len());
        let hits: Vec<usize> = memchr::memmem::find_iter(data, from).collect();
        assert!(!hits.is_empty());
        for at in hits {
            data[at..at + to.len()].copy_from_slice(to);
        }
    }

    #[test]
    fn zip_nul_in_name_is_read_as_pip_writes_it() {
        let mut data = zip(&[("p/setup.pyX.txt", CODE), ("p/PKG-INFO", PKG_INFO)]);
        patch(&mut data, b"p/setup.pyX.txt", b"p/setup.py\0.txt");
        let package = open("p-1.0.zip", data).expect("opens");
        assert_eq!(paths(&package), ["p/setup.py", "p/PKG-INFO"]);
        assert_eq!(package.files[0].data, CODE);
        assert_eq!(
            kinds(&package),
            [("p/setup.py\\0.txt", AnomalyKind::ReaderDisagreement)]
        );
        assert!(package.anomalies[0].detail.contains("writes `p/setup.py`"));
    }

    #[test]
    fn zip_duplicate_names_are_all_scanned() {
        let mut data = zip(&[("p/a.py", b"benign"), ("p/b.py", b"evil")]);
        patch(&mut data, b"p/b.py", b"p/a.py");
        let package = open("p.zip", data).expect("opens");
        assert_eq!(paths(&package), ["p/a.py", "p/a.py"]);
        assert_eq!(package.files[1].data, b"evil");
        assert_eq!(kinds(&package), [("p/a.py", AnomalyKind::DuplicateEntry)]);
    }

    #[test]
    fn zip_local_header_missing_from_central_directory_is_scanned() {
        let hidden = zip(&[("p/hidden.py", b"evil")]);
        let central = memchr::memmem::find(&hidden, b"PK\x01\x02").expect("central");
        let mut data = hidden[..central].to_vec();
        data.extend(zip(&[("p/a.py", b"benign")]));
        let package = open("p.zip", data).expect("opens");
        assert_eq!(paths(&package), ["p/a.py", "p/hidden.py"]);
        assert_eq!(package.files[1].data, b"evil");
        assert_eq!(
            kinds(&package),
            [("p/hidden.py", AnomalyKind::ReaderDisagreement)]
        );
        assert!(package.errors.is_empty(), "{:?}", package.errors);
    }

    #[test]
    fn zip_local_name_differing_from_central_is_reported() {
        let mut data = zip(&[("p/a.py", b"x")]);
        // Only the local header (the first occurrence) gets the other name.
        let at = memchr::memmem::find(&data, b"p/a.py").expect("local name");
        data[at + 2] = b'z';
        let package = open("p.zip", data).expect("opens");
        assert_eq!(paths(&package), ["p/a.py"]);
        assert_eq!(
            kinds(&package),
            [("p/a.py", AnomalyKind::ReaderDisagreement)]
        );
        assert!(package.anomalies[0].detail.contains("`p/z.py`"));
    }

    #[test]
    fn zip_wrong_entry_count_is_reported() {
        let mut data = zip(&[("a.py", b"1"), ("b.py", b"2")]);
        let end = memchr::memmem::rfind(&data, b"PK\x05\x06").expect("end record");
        data[end + 8..end + 12].copy_from_slice(&[1, 0, 1, 0]);
        let package = open("p.zip", data).expect("opens");
        assert_eq!(paths(&package), ["a.py", "b.py"]);
        assert_eq!(
            kinds(&package),
            [(
                "(end of central directory)",
                AnomalyKind::ReaderDisagreement
            )]
        );
    }

    #[test]
    fn zip_two_million_entry_directory_stops_at_max_entries() {
        // The directory is read only up to the limit: what is listed is
        // bounded by `max_entries`, not by the records present.
        let names: Vec<String> = (0..50).map(|i| format!("f{i}")).collect();
        let items: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
        let data = zip(&items);
        let directory = zip_directory::read_central_directory(&data, 3).expect("directory");
        assert_eq!(directory.entries.len(), 4);
        assert!(directory.more);
        let limits = Limits {
            max_entries: 3,
            ..small_limits()
        };
        let package = open_bytes(Path::new("p.zip"), data, &limits).expect("opens");
        assert_eq!(paths(&package), ["f0", "f1", "f2"]);
        assert_eq!(package.errors, ["stopped reading: more than 3 entries"]);
    }

    #[test]
    fn zip_many_eocd_candidates_is_bounded() {
        // Found by hand after fuzzing: thousands of end-of-central-directory
        // records that each point at a central directory that is not there
        // made the zip crate rescan the file once per record (quadratic).
        let mut record = b"PK\x05\x06".to_vec();
        for field in [0u16, 0, 1, 1] {
            record.extend(field.to_le_bytes());
        }
        record.extend([0; 10]);
        // The end record is now found with one search from the end.
        let data = record.repeat(256 * 1024 / 22);
        let package = open("x.zip", data).expect("an empty directory");
        assert!(package.files.is_empty());
        assert_eq!(
            kinds(&package),
            [(
                "(end of central directory)",
                AnomalyKind::ReaderDisagreement
            )]
        );
    }

    #[test]
    fn zip_bomb_by_ratio_stops_reading() {
        let zeros = vec![0u8; 2 * 1024 * 1024];
        let data = zip(&[("a.py", b"x"), ("bomb.bin", &zeros), ("after.py", b"y")]);
        let package = open("bomb.zip", data).expect("opens");
        assert_eq!(paths(&package), ["a.py"]);
        assert_eq!(kinds(&package), [("bomb.bin", AnomalyKind::LimitExceeded)]);
        let detail = &package.anomalies[0].detail;
        assert!(detail.starts_with("compression ratio "), "{detail}");
        assert!(
            detail.ends_with(":1 exceeds 100:1 (decompression bomb)"),
            "{detail}"
        );
        assert_eq!(package.errors, [format!("stopped reading: {detail}")]);
    }

    #[test]
    fn tar_gz_bomb_by_ratio_stops_reading() {
        let zeros: &'static [u8] = Box::leak(vec![0u8; 3 * 1024 * 1024].into_boxed_slice());
        let data = gz(&tar(&[
            file("a.py", b"x"),
            file("bomb.bin", zeros),
            file("b.py", b"y"),
        ]));
        let package = open("bomb.tar.gz", data).expect("opens");
        assert_eq!(paths(&package), ["a.py"]);
        assert_eq!(kinds(&package), [("bomb.bin", AnomalyKind::LimitExceeded)]);
        assert!(package.anomalies[0].detail.contains("(decompression bomb)"));
        assert_eq!(package.errors.len(), 1);
    }

    #[test]
    fn tar_gz_bomb_in_a_skipped_file_trips_between_entries() {
        // The file is over the per-file limit, so it is not read; the tar
        // reader skips through it, and the stream guard stops that.
        let limits = Limits {
            max_file_bytes: 1024,
            ..small_limits()
        };
        let zeros = vec![0u8; 3 * 1024 * 1024];
        let data = gz(&tar(&[
            file("a.py", b"x"),
            file("bomb.bin", &zeros),
            file("b.py", b"y"),
        ]));
        let package = open_bytes(Path::new("bomb.tar.gz"), data, &limits).expect("opens");
        assert_eq!(paths(&package), ["a.py"]);
        assert_eq!(
            kinds(&package),
            [
                ("bomb.bin", AnomalyKind::LimitExceeded),
                ("bomb.bin", AnomalyKind::LimitExceeded),
            ]
        );
        assert!(package.anomalies[0].detail.contains("per-file limit"));
        assert!(package.anomalies[1].detail.contains("(decompression bomb)"));
        assert_eq!(package.errors.len(), 2, "{:?}", package.errors);
    }

    #[test]
    fn wheel_record_is_checked_without_metadata() {
        let data = wheel(
            &[("demo/__init__.py", CODE)],
            "demo-1.0.dist-info/RECORD,,\n",
        );
        let package = open(WHEEL, data).expect("opens");
        assert!(package.record.is_some());
        assert_eq!(
            kinds(&package),
            [("demo/__init__.py", AnomalyKind::NotInRecord)]
        );
    }

    #[test]
    fn record_skipped_for_size_is_not_called_missing() {
        let limits = Limits {
            max_file_bytes: 64,
            ..small_limits()
        };
        let record = format!("demo-1.0.dist-info/RECORD,,\n{}", "#".repeat(100));
        let data = wheel(&[("demo/__init__.py", b"")], &record);
        let package = open_bytes(Path::new(WHEEL), data, &limits).expect("opens");
        assert!(
            !package
                .anomalies
                .iter()
                .any(|a| a.detail.contains("has no RECORD")),
            "{:?}",
            package.anomalies
        );
        assert!(
            package
                .errors
                .iter()
                .any(|e| e.contains("RECORD was not read")),
            "{:?}",
            package.errors
        );
    }

    #[test]
    fn ratio_below_the_floor_is_fine() {
        let zeros = vec![0u8; 512 * 1024];
        let package = open("ok.zip", zip(&[("zeros.bin", &zeros)])).expect("opens");
        assert_eq!(paths(&package), ["zeros.bin"]);
        assert!(package.anomalies.is_empty());
    }

    #[test]
    fn tar_path_traversal_is_an_anomaly_not_a_file() {
        let data = gz(&tar(&[
            file("../../etc/passwd", b"root::0:0"),
            file("ok.py", b""),
        ]));
        let package = open("t.tar.gz", data).expect("opens");
        assert_eq!(paths(&package), ["ok.py"]);
        assert_eq!(
            kinds(&package),
            [("../../etc/passwd", AnomalyKind::PathTraversal)]
        );
    }

    #[test]
    fn tar_absolute_path_is_an_anomaly_not_a_file() {
        let data = gz(&tar(&[
            file("/etc/cron.d/x", b"* * * * * sh"),
            file("ok.py", b""),
        ]));
        let package = open("t.tar.gz", data).expect("opens");
        assert_eq!(paths(&package), ["ok.py"]);
        assert_eq!(
            kinds(&package),
            [("/etc/cron.d/x", AnomalyKind::AbsolutePath)]
        );
    }

    #[test]
    fn tar_links_and_devices_are_anomalies() {
        let data = gz(&tar(&[
            ("p/root", Tar::Symlink, "/", b""),
            ("p/shadow", Tar::Link, "/etc/shadow", b""),
            ("p/null", Tar::Char, "", b""),
            ("p/disk", Tar::Block, "", b""),
            ("p/pipe", Tar::Fifo, "", b""),
            file("p/ok.py", b""),
        ]));
        let package = open("t.tar.gz", data).expect("opens");
        assert_eq!(paths(&package), ["p/ok.py"]);
        assert_eq!(
            kinds(&package),
            [
                ("p/root", AnomalyKind::Symlink),
                ("p/shadow", AnomalyKind::HardLink),
                ("p/null", AnomalyKind::SpecialFile),
                ("p/disk", AnomalyKind::SpecialFile),
                ("p/pipe", AnomalyKind::SpecialFile),
            ]
        );
        assert_eq!(package.anomalies[0].detail, "/");
        assert_eq!(package.anomalies[1].detail, "/etc/shadow");
        assert_eq!(package.anomalies[2].detail, "character device");
    }

    #[test]
    fn tar_duplicate_keeps_both_copies() {
        let data = gz(&tar(&[
            file("p/setup.py", b"benign"),
            file("./p/setup.py", b"evil"),
        ]));
        let package = open("t.tar.gz", data).expect("opens");
        assert_eq!(paths(&package), ["p/setup.py", "p/setup.py"]);
        assert_eq!(package.files[1].data, b"evil");
        assert_eq!(
            kinds(&package),
            [("./p/setup.py", AnomalyKind::DuplicateEntry)]
        );
    }

    #[test]
    fn zip_symlink_special_file_and_backslashes() {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default();
        writer
            .add_symlink("p/link", "/etc/passwd", options)
            .expect("symlink");
        writer.start_file("p\\win.py", options).expect("start");
        writer.write_all(b"x").expect("write");
        writer
            .start_file("..\\..\\evil.py", options)
            .expect("start");
        writer.start_file("p/fifo", options).expect("start");
        let mut data = writer.finish().expect("zip").into_inner();
        // Make the last entry a FIFO: the mode is the high half of the
        // external attributes, at offset 38 of its central header.
        let last = memchr::memmem::rfind(&data, b"PK\x01\x02").expect("central header");
        data[last + 38..last + 42].copy_from_slice(&((S_IFIFO | 0o644) << 16).to_le_bytes());

        let package = open("p.zip", data).expect("opens");
        assert_eq!(paths(&package), ["p/win.py"]);
        assert_eq!(
            kinds(&package),
            [
                ("p/link", AnomalyKind::Symlink),
                ("..\\..\\evil.py", AnomalyKind::PathTraversal),
                ("p/fifo", AnomalyKind::SpecialFile),
            ]
        );
        assert_eq!(package.anomalies[0].detail, "/etc/passwd");
    }

    #[test]
    fn zip_encrypted_entry_is_skipped_with_an_error() {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        writer.start_file("secret.py", options).expect("start");
        writer.write_all(b"hidden").expect("write");
        writer.start_file("plain.py", options).expect("start");
        writer.write_all(b"x").expect("write");
        let mut data = writer.finish().expect("zip").into_inner();
        // Set the "encrypted" flag of the first entry in both headers.
        data[6] |= 1;
        let central = memchr::memmem::find(&data, b"PK\x01\x02").expect("central header");
        data[central + 8] |= 1;

        let package = open("p.zip", data).expect("opens");
        assert_eq!(paths(&package), ["plain.py"]);
        assert_eq!(
            package.errors,
            ["secret.py: encrypted entry; entry skipped"]
        );
    }

    #[test]
    fn empty_archives() {
        for (name, data) in [("e.tar.gz", gz(&tar(&[]))), ("e.zip", zip(&[]))] {
            let package = open(name, data).expect("opens");
            assert!(package.files.is_empty());
            assert_eq!(package.errors, ["archive is empty"], "{name}");
        }
    }

    #[test]
    fn not_archives_are_unrecognized() {
        for (name, data) in [
            (
                "x-1.0-py3-none-any.whl",
                b"just some text, not a wheel\n".to_vec(),
            ),
            ("x.tar.gz", noise(1000, 6)),
            ("x.zip", Vec::new()),
        ] {
            let error = open(name, data).expect_err("unrecognized");
            assert!(
                matches!(error, ArtifactError::Unrecognized { .. }),
                "{error}"
            );
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("{name}: not a Python artifact: "))
            );
        }
    }

    #[test]
    fn too_many_entries_stops_reading() {
        let limits = Limits {
            max_entries: 3,
            ..small_limits()
        };
        let data = gz(&tar(&[
            file("a", b""),
            file("b", b""),
            file("c", b""),
            file("d", b""),
            file("e", b""),
        ]));
        let package = open_bytes(Path::new("t.tar.gz"), data, &limits).expect("opens");
        assert_eq!(paths(&package), ["a", "b", "c"]);
        assert_eq!(kinds(&package), [("d", AnomalyKind::LimitExceeded)]);
        assert_eq!(package.errors, ["stopped reading: more than 3 entries"]);
    }

    #[test]
    fn file_over_the_size_limit_is_skipped() {
        let limits = Limits {
            max_file_bytes: 10,
            ..small_limits()
        };
        for (name, data) in [
            (
                "t.tar.gz",
                gz(&tar(&[file("big.py", &[b'#'; 11]), file("ok.py", b"")])),
            ),
            ("t.zip", zip(&[("big.py", &[b'#'; 11]), ("ok.py", b"")])),
        ] {
            let package = open_bytes(Path::new(name), data, &limits).expect("opens");
            assert_eq!(paths(&package), ["ok.py"], "{name}");
            assert_eq!(kinds(&package), [("big.py", AnomalyKind::LimitExceeded)]);
            assert_eq!(
                package.anomalies[0].detail,
                "11 bytes exceeds the per-file limit of 10 bytes; file skipped"
            );
            // setup_py_skipped_for_size_is_not_fully_scanned: the skip is an
            // error, so the status is not "fully scanned".
            assert_eq!(
                package.errors,
                [
                    "big.py: not read (over the per-file limit of 10 bytes); the artifact was \
                  not fully scanned"
                ]
            );
        }
    }

    #[test]
    fn total_size_limit_stops_reading() {
        let limits = Limits {
            max_total_bytes: 15,
            ..small_limits()
        };
        let data = zip(&[("a", &[1; 10]), ("b", &[2; 10]), ("c", b"")]);
        let package = open_bytes(Path::new("t.zip"), data, &limits).expect("opens");
        assert_eq!(paths(&package), ["a"]);
        assert_eq!(kinds(&package), [("b", AnomalyKind::LimitExceeded)]);
        assert_eq!(
            package.errors,
            ["stopped reading: files total more than the limit of 15 bytes"]
        );
    }
}
