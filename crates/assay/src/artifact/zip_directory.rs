//! A zip archive's entries as CPython's `zipfile` lists them, which is what
//! pip installs, plus the entries only a streaming reader would see.
//!
//! `zipfile` finds the end-of-central-directory record from the end of the
//! file, walks the central directory by its *byte size* (the entry count is
//! ignored), decodes each name as UTF-8 when flagged and as cp437 otherwise,
//! cuts it at its first NUL, and reads every entry from the local header the
//! central record points at, refusing one whose local name differs. Every
//! record is listed, duplicates included (`extractall` writes each in turn,
//! so the last one wins on disk). docs/archives.md has the whole table.
//!
//! Bytes that no central record covers are searched for local headers: a
//! reader that streams local headers (Java's `ZipInputStream`, some unzip
//! tools and scanners) sees those entries, pip does not.

use std::io::{self, Read};

const LOCAL_MAGIC: &[u8] = b"PK\x03\x04";
const CENTRAL_MAGIC: &[u8] = b"PK\x01\x02";
const END_MAGIC: &[u8] = b"PK\x05\x06";
const END64_LOCATOR_MAGIC: &[u8] = b"PK\x06\x07";
const END64_MAGIC: &[u8] = b"PK\x06\x06";
const END_LEN: usize = 22;
const END64_LOCATOR_LEN: usize = 20;
const END64_LEN: usize = 56;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;
/// The longest archive comment, so how far from the end the record can be.
const MAX_COMMENT: usize = 0xFFFF;

const FLAG_ENCRYPTED: u16 = 1;
const FLAG_LZMA_END_MARKER: u16 = 1 << 1;
const FLAG_DATA_DESCRIPTOR: u16 = 1 << 3;
const FLAG_UTF8: u16 = 1 << 11;

const METHOD_STORED: u16 = 0;
const METHOD_DEFLATED: u16 = 8;
const METHOD_BZIP2: u16 = 12;
const METHOD_LZMA: u16 = 14;

/// The "made by" host of a central record whose external attributes carry
/// Unix mode bits.
const HOST_UNIX: u16 = 3;

/// One entry, from a central record or a local header.
#[derive(Debug, Clone)]
pub(super) struct ZipEntry {
    /// The name as stored, decoded as `zipfile` decodes it (lossily).
    pub stored_name: String,
    /// The name `zipfile` uses: the stored name cut at its first NUL.
    pub name: String,
    pub flags: u16,
    pub method: u16,
    pub compressed_size: u64,
    pub size: u64,
    /// Where the entry's local header starts in the file.
    pub header_offset: u64,
    pub unix_mode: Option<u32>,
}

impl ZipEntry {
    pub fn encrypted(&self) -> bool {
        self.flags & FLAG_ENCRYPTED != 0
    }

    /// `zipfile` calls an entry a folder by its trailing `/` alone.
    pub fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }
}

/// The central directory as `zipfile` reads it.
#[derive(Debug)]
pub(super) struct CentralDirectory {
    /// At most `max_entries + 1` entries, in directory order.
    pub entries: Vec<ZipEntry>,
    /// True when records were left unread because of `max_entries`.
    pub more: bool,
    /// The count the end record declares (readers that trust it, like the
    /// zip crate, list that many entries).
    pub declared_count: u64,
    /// Byte ranges that the directory and the end records occupy.
    pub span: (u64, u64),
}

/// Reads the central directory, listing at most `max_entries + 1` records so
/// a directory of millions of records is not held in memory.
pub(super) fn read_central_directory(
    data: &[u8],
    max_entries: usize,
) -> Result<CentralDirectory, String> {
    let end = find_end_record(data).ok_or("no end-of-central-directory record")?;
    let mut count = u64::from(u16_at(data, end + 10).unwrap_or(0));
    let mut size = u64::from(u32_at(data, end + 12).unwrap_or(0));
    let mut offset = u64::from(u32_at(data, end + 16).unwrap_or(0));
    // The position the directory must end at; entries' offsets are shifted
    // by whatever was prepended (a self-extracting stub).
    let mut directory_end = end as u64;
    if let Some(locator) = end.checked_sub(END64_LOCATOR_LEN)
        && data[locator..].starts_with(END64_LOCATOR_MAGIC)
    {
        let record = locator
            .checked_sub(END64_LEN)
            .filter(|&at| data[at..].starts_with(END64_MAGIC))
            .ok_or("zip64 end record is missing or corrupt")?;
        count = u64_at(data, record + 32).unwrap_or(0);
        size = u64_at(data, record + 40).unwrap_or(0);
        offset = u64_at(data, record + 48).unwrap_or(0);
        directory_end = record as u64;
    }
    let concat = directory_end
        .checked_sub(size)
        .and_then(|start| start.checked_sub(offset))
        .ok_or("bad offset for the central directory")?;
    let start = offset + concat;
    let directory = usize::try_from(start)
        .ok()
        .and_then(|s| data.get(s..s.checked_add(usize::try_from(size).ok()?)?))
        .ok_or("central directory lies outside the file")?;

    let mut entries = Vec::new();
    let mut at = 0usize;
    let mut more = false;
    while at < directory.len() {
        if entries.len() > max_entries {
            more = true;
            break;
        }
        let record = &directory[at..];
        if record.len() < CENTRAL_LEN {
            return Err("truncated central directory".to_owned());
        }
        if !record.starts_with(CENTRAL_MAGIC) {
            return Err("bad magic number for central directory".to_owned());
        }
        let name_len = usize::from(u16_at(record, 28).unwrap_or(0));
        let extra_len = usize::from(u16_at(record, 30).unwrap_or(0));
        let comment_len = usize::from(u16_at(record, 32).unwrap_or(0));
        let name_end = CENTRAL_LEN + name_len;
        let extra = record.get(name_end..name_end + extra_len).unwrap_or(&[]);
        let name = record.get(CENTRAL_LEN..name_end).unwrap_or(&[]);
        let flags = u16_at(record, 8).unwrap_or(0);
        let mut entry = ZipEntry {
            stored_name: String::new(),
            name: String::new(),
            flags,
            method: u16_at(record, 10).unwrap_or(0),
            compressed_size: u64::from(u32_at(record, 20).unwrap_or(0)),
            size: u64::from(u32_at(record, 24).unwrap_or(0)),
            header_offset: u64::from(u32_at(record, 42).unwrap_or(0)),
            unix_mode: None,
        };
        set_names(&mut entry, name, flags);
        apply_zip64_extra(&mut entry, extra);
        entry.header_offset = entry.header_offset.saturating_add(concat);
        let made_by = u16_at(record, 4).unwrap_or(0);
        let external = u32_at(record, 38).unwrap_or(0);
        if made_by >> 8 == HOST_UNIX && external >> 16 != 0 {
            entry.unix_mode = Some(external >> 16);
        }
        entries.push(entry);
        at += name_end + extra_len + comment_len;
    }
    Ok(CentralDirectory {
        entries,
        more,
        declared_count: count,
        span: (start, data.len() as u64),
    })
}

/// The end-of-central-directory record, found as `zipfile` finds it: the
/// last 22 bytes when they are a record with no comment, else the last
/// signature within the longest comment's reach of the end.
fn find_end_record(data: &[u8]) -> Option<usize> {
    let last = data.len().checked_sub(END_LEN)?;
    if data[last..].starts_with(END_MAGIC) && data[data.len() - 2..] == [0, 0] {
        return Some(last);
    }
    let from = data.len().saturating_sub(MAX_COMMENT + END_LEN);
    let found = from + memchr::memmem::rfind(&data[from..], END_MAGIC)?;
    (found + END_LEN <= data.len()).then_some(found)
}

/// Decodes a stored name as `zipfile` does and cuts it at its first NUL.
fn set_names(entry: &mut ZipEntry, raw: &[u8], flags: u16) {
    entry.stored_name = decode_name(raw, flags);
    entry.name = match entry.stored_name.find('\0') {
        Some(nul) => entry.stored_name[..nul].to_owned(),
        None => entry.stored_name.clone(),
    };
}

fn decode_name(raw: &[u8], flags: u16) -> String {
    if flags & FLAG_UTF8 != 0 {
        String::from_utf8_lossy(raw).into_owned()
    } else {
        raw.iter().map(|&b| cp437(b)).collect()
    }
}

/// Code page 437, the zip default for names without the UTF-8 flag.
fn cp437(byte: u8) -> char {
    const HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
                        └┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";
    if byte < 0x80 {
        char::from(byte)
    } else {
        HIGH.chars()
            .nth(usize::from(byte - 0x80))
            .unwrap_or('\u{fffd}')
    }
}

/// Reads the 64-bit sizes and offset of the zip64 extra field, in the order
/// `zipfile` does: each only when its 32-bit field is all ones.
fn apply_zip64_extra(entry: &mut ZipEntry, mut extra: &[u8]) {
    while extra.len() >= 4 {
        let id = u16_at(extra, 0).unwrap_or(0);
        let len = usize::from(u16_at(extra, 2).unwrap_or(0));
        let body = extra.get(4..4 + len).unwrap_or(&extra[4..]);
        if id == 1 {
            let mut values = body.chunks_exact(8).map(|c| u64_at(c, 0).unwrap_or(0));
            for field in [
                &mut entry.size,
                &mut entry.compressed_size,
                &mut entry.header_offset,
            ] {
                if *field == u64::from(u32::MAX) {
                    match values.next() {
                        Some(value) => *field = value,
                        None => break,
                    }
                }
            }
            return;
        }
        extra = &extra[(4 + len).min(extra.len())..];
    }
}

/// An entry's local header, parsed.
struct LocalHeader {
    entry: ZipEntry,
    /// Where the entry's data starts.
    data_start: usize,
}

fn local_header(data: &[u8], at: usize) -> Option<LocalHeader> {
    let header = data.get(at..at.checked_add(LOCAL_LEN)?)?;
    if !header.starts_with(LOCAL_MAGIC) {
        return None;
    }
    let flags = u16_at(header, 6)?;
    let name_len = usize::from(u16_at(header, 26)?);
    let extra_len = usize::from(u16_at(header, 28)?);
    let name_start = at + LOCAL_LEN;
    let name = data.get(name_start..name_start + name_len)?;
    let extra = data.get(name_start + name_len..name_start + name_len + extra_len)?;
    let mut entry = ZipEntry {
        stored_name: String::new(),
        name: String::new(),
        flags,
        method: u16_at(header, 8)?,
        compressed_size: u64::from(u32_at(header, 18)?),
        size: u64::from(u32_at(header, 22)?),
        header_offset: at as u64,
        unix_mode: None,
    };
    set_names(&mut entry, name, flags);
    apply_zip64_extra(&mut entry, extra);
    Some(LocalHeader {
        entry,
        data_start: name_start + name_len + extra_len,
    })
}

/// An entry opened for reading.
pub(super) struct OpenedEntry<'a> {
    pub body: Box<dyn Read + 'a>,
    /// The local header's own name when it differs from the central one
    /// (`zipfile` refuses to read such an entry; other readers go by it).
    pub local_name: Option<String>,
}

/// Opens an entry's data from its local header, decompressing with the
/// methods `zipfile` supports. The size to read is the entry's own
/// `compressed_size` (the central record's, for central entries).
pub(super) fn open_entry<'a>(data: &'a [u8], entry: &ZipEntry) -> Result<OpenedEntry<'a>, String> {
    let at = usize::try_from(entry.header_offset).map_err(|_| "bad local header offset")?;
    let local = local_header(data, at).ok_or("bad magic number for file header")?;
    let local_name =
        (local.entry.stored_name != entry.stored_name).then_some(local.entry.stored_name);
    let size = usize::try_from(entry.compressed_size).unwrap_or(usize::MAX);
    let end = local.data_start.saturating_add(size).min(data.len());
    let raw = &data[local.data_start.min(end)..end];
    let body: Box<dyn Read + 'a> = match entry.method {
        METHOD_STORED => Box::new(raw),
        METHOD_DEFLATED => Box::new(flate2::read::DeflateDecoder::new(raw)),
        METHOD_BZIP2 => Box::new(bzip2::read::BzDecoder::new(raw)),
        METHOD_LZMA => lzma_reader(raw, entry)?,
        other => return Err(format!("unsupported compression method {other}")),
    };
    Ok(OpenedEntry { body, local_name })
}

/// Zip's LZMA: a 4-byte version and properties-size header, the 5 bytes of
/// properties, then a raw LZMA1 stream. liblzma reads it as the `.lzma`
/// format once the properties and the size are put in front.
fn lzma_reader<'a>(raw: &'a [u8], entry: &ZipEntry) -> Result<Box<dyn Read + 'a>, String> {
    const MEMORY: u64 = 256 * 1024 * 1024;
    let props_len = usize::from(u16_at(raw, 2).ok_or("truncated lzma header")?);
    let props = raw
        .get(4..4 + props_len)
        .filter(|p| p.len() == 5)
        .ok_or("bad lzma properties")?;
    let size = if entry.flags & FLAG_LZMA_END_MARKER != 0 {
        u64::MAX
    } else {
        entry.size
    };
    let mut header = props.to_vec();
    header.extend(size.to_le_bytes());
    let stream = xz2::stream::Stream::new_lzma_decoder(MEMORY)
        .map_err(|e| format!("cannot start the lzma decoder: {e}"))?;
    let chained = io::Cursor::new(header).chain(&raw[4 + props_len..]);
    Ok(Box::new(xz2::read::XzDecoder::new_stream(chained, stream)))
}

/// The entries whose local headers lie in bytes no central record covers
/// (`covered`: each central entry's local header and data, the directory).
/// With nothing covered, that is every local header, front to back: the
/// view of a streaming reader when the central directory is unreadable.
pub(super) fn local_only_entries(
    data: &[u8],
    covered: &[(u64, u64)],
    max_entries: usize,
) -> Vec<ZipEntry> {
    let mut spans: Vec<(usize, usize)> = covered
        .iter()
        .map(|&(from, to)| (clamp(from, data.len()), clamp(to, data.len())))
        .collect();
    spans.sort_unstable();
    let mut gaps = Vec::new();
    let mut at = 0;
    for (from, to) in spans {
        if from > at {
            gaps.push((at, from));
        }
        at = at.max(to);
    }
    gaps.push((at, data.len()));

    let mut found = Vec::new();
    for (from, to) in gaps {
        let mut at = from;
        while at < to && found.len() <= max_entries {
            let Some(hit) = memchr::memmem::find(&data[at..to], LOCAL_MAGIC) else {
                break;
            };
            let start = at + hit;
            at = start + LOCAL_MAGIC.len();
            let Some(mut local) = local_header(data, start) else {
                continue;
            };
            if local.entry.flags & FLAG_DATA_DESCRIPTOR != 0 && local.entry.compressed_size == 0 {
                // The size follows the data: deflate and bzip2 streams end
                // themselves, so hand them the rest of the gap.
                local.entry.compressed_size = (to - local.data_start.min(to)) as u64;
            } else {
                at = at.max(clamp(
                    (local.data_start as u64).saturating_add(local.entry.compressed_size),
                    to,
                ));
            }
            found.push(local.entry);
        }
    }
    found
}

/// The bytes an entry read through its local header occupies.
pub(super) fn entry_span(data: &[u8], entry: &ZipEntry) -> (u64, u64) {
    let start = entry.header_offset;
    let data_start = usize::try_from(start)
        .ok()
        .and_then(|at| local_header(data, at))
        .map_or(start.saturating_add(LOCAL_LEN as u64), |l| {
            l.data_start as u64
        });
    (start, data_start.saturating_add(entry.compressed_size))
}

fn clamp(value: u64, len: usize) -> usize {
    usize::try_from(value).map_or(len, |v| v.min(len))
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(data.get(at..at + 8)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp437_high_half_has_128_characters() {
        assert_eq!(cp437(0x80), 'Ç');
        assert_eq!(cp437(0xE1), 'ß');
        assert_eq!(cp437(0xFF), '\u{a0}');
        assert_eq!(cp437(b'a'), 'a');
    }

    #[test]
    fn names_are_cut_at_the_first_nul() {
        let mut entry = ZipEntry {
            stored_name: String::new(),
            name: String::new(),
            flags: 0,
            method: 0,
            compressed_size: 0,
            size: 0,
            header_offset: 0,
            unix_mode: None,
        };
        set_names(&mut entry, b"p/setup.py\0.txt", FLAG_UTF8);
        assert_eq!(entry.name, "p/setup.py");
        assert_eq!(entry.stored_name, "p/setup.py\0.txt");
    }
}
