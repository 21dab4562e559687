//! Data hidden after the end of an image, font or other binary: a zip, a
//! tar, or Python text appended past the format's own end marker
//! (PNG's `IEND`, JPEG's end of image, a font's last table, a BMP's
//! declared size). Viewers ignore the tail; `zipimport` and `exec` do not.

/// What follows the end of a file's format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub path: String,
    /// `PNG image`, `JPEG image`, `font`, `BMP image`, `GIF image`.
    pub format: &'static str,
    /// Where the format ends and the tail begins.
    pub offset: usize,
    /// `zip archive`, `tar archive`, `gzip stream`, `Python source`.
    pub payload: &'static str,
    pub len: usize,
}

/// Smallest tail worth reporting.
const MIN_TAIL: usize = 16;

/// The payload after the end of `data`'s format, when there is one.
pub fn find(path: &str, data: &[u8]) -> Option<Appended> {
    let (format, end) = end_of_format(data)?;
    let tail = data.get(end..)?;
    if tail.len() < MIN_TAIL {
        return None;
    }
    let payload = classify(tail)?;
    Some(Appended {
        path: path.to_owned(),
        format,
        offset: end,
        payload,
        len: tail.len(),
    })
}

/// What a tail is; `None` for padding and other noise.
pub fn classify(tail: &[u8]) -> Option<&'static str> {
    let trimmed = tail.trim_ascii_start();
    if trimmed.starts_with(b"PK\x03\x04") || memchr::memmem::find(tail, b"PK\x05\x06").is_some() {
        return Some("zip archive");
    }
    if tail.get(257..262) == Some(b"ustar") {
        return Some("tar archive");
    }
    if tail.starts_with(&[0x1f, 0x8b]) {
        return Some("gzip stream");
    }
    if tail.iter().all(|&b| b.is_ascii_whitespace() || b == 0) {
        return None;
    }
    let text = std::str::from_utf8(trimmed).ok()?;
    looks_like_python(text).then_some("Python source")
}

fn looks_like_python(text: &str) -> bool {
    let mut hits = 0;
    for line in text.lines().take(200).map(str::trim_start) {
        if line.starts_with("import ")
            || line.starts_with("from ")
            || line.starts_with("def ")
            || line.starts_with("exec(")
            || line.starts_with("eval(")
            || line.contains("__import__(")
        {
            hits += 1;
        }
    }
    hits >= 1
}

/// The format of `data` and the offset just past its last byte.
fn end_of_format(data: &[u8]) -> Option<(&'static str, usize)> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        return png_end(data).map(|e| ("PNG image", e));
    }
    if data.starts_with(&[0xff, 0xd8, 0xff]) {
        return jpeg_end(data).map(|e| ("JPEG image", e));
    }
    if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        return gif_end(data).map(|e| ("GIF image", e));
    }
    if data.starts_with(b"BM") && data.len() >= 6 {
        let size = u32::from_le_bytes([data[2], data[3], data[4], data[5]]) as usize;
        return (size >= 26 && size <= data.len()).then_some(("BMP image", size));
    }
    if data.starts_with(&[0, 1, 0, 0]) || data.starts_with(b"OTTO") || data.starts_with(b"true") {
        return font_end(data).map(|e| ("font", e));
    }
    None
}

fn be32(data: &[u8], at: usize) -> Option<usize> {
    let b = data.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
}

fn png_end(data: &[u8]) -> Option<usize> {
    let mut at = 8;
    loop {
        let len = be32(data, at)?;
        let kind = data.get(at + 4..at + 8)?;
        let next = at.checked_add(12)?.checked_add(len)?;
        if kind == b"IEND" {
            return Some(next.min(data.len()));
        }
        if next > data.len() {
            return None;
        }
        at = next;
    }
}

fn jpeg_end(data: &[u8]) -> Option<usize> {
    let mut at = 2;
    // Segments up to the start of scan.
    loop {
        if *data.get(at)? != 0xff {
            return None;
        }
        let marker = *data.get(at + 1)?;
        if marker == 0xd9 {
            return Some(at + 2);
        }
        if (0xd0..=0xd7).contains(&marker) || marker == 0x01 || marker == 0xff {
            at += if marker == 0xff { 1 } else { 2 };
            continue;
        }
        let len = usize::from(u16::from_be_bytes([*data.get(at + 2)?, *data.get(at + 3)?]));
        at = at.checked_add(2 + len)?;
        if marker == 0xda {
            break;
        }
    }
    // Entropy-coded data: the first FF D9 not stuffed is the end, though a
    // progressive image has more scans; keep reading markers after each.
    let mut i = at;
    while i + 1 < data.len() {
        if data[i] == 0xff {
            let next = data[i + 1];
            match next {
                0x00 | 0xd0..=0xd7 | 0xff => i += if next == 0xff { 1 } else { 2 },
                0xd9 => return Some(i + 2),
                _ => {
                    // Another segment (DHT, SOS of a progressive scan).
                    let len =
                        usize::from(u16::from_be_bytes([*data.get(i + 2)?, *data.get(i + 3)?]));
                    i = i.checked_add(2 + len)?;
                }
            }
        } else {
            i += 1;
        }
    }
    None
}

fn gif_end(data: &[u8]) -> Option<usize> {
    let flags = *data.get(10)?;
    let mut at = 13;
    if flags & 0x80 != 0 {
        at += 3 * (1 << ((flags & 7) + 1));
    }
    let skip_blocks = |mut at: usize| -> Option<usize> {
        loop {
            let n = usize::from(*data.get(at)?);
            at += 1;
            if n == 0 {
                return Some(at);
            }
            at += n;
        }
    };
    loop {
        match *data.get(at)? {
            0x3b => return Some(at + 1),
            0x21 => at = skip_blocks(at + 2)?,
            0x2c => {
                let local = *data.get(at + 9)?;
                at += 10;
                if local & 0x80 != 0 {
                    at += 3 * (1 << ((local & 7) + 1));
                }
                at = skip_blocks(at + 1)?;
            }
            _ => return None,
        }
    }
}

fn font_end(data: &[u8]) -> Option<usize> {
    let tables = usize::from(u16::from_be_bytes([*data.get(4)?, *data.get(5)?]));
    if tables == 0 || tables > 512 {
        return None;
    }
    let mut end = 12 + 16 * tables;
    for i in 0..tables {
        let record = 12 + 16 * i;
        let offset = be32(data, record + 8)?;
        let len = be32(data, record + 12)?;
        end = end.max(offset.checked_add(len)?.next_multiple_of(4));
    }
    (end <= data.len()).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(tail: &[u8]) -> Vec<u8> {
        let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
        p.extend_from_slice(&[0, 0, 0, 0]);
        p.extend_from_slice(b"IEND");
        p.extend_from_slice(&[0xae, 0x42, 0x60, 0x82]);
        p.extend_from_slice(tail);
        p
    }

    #[test]
    fn tails_after_png() {
        let found = find("a.png", &png(b"import os\nos.system('id')\n")).unwrap();
        assert_eq!(
            (found.format, found.payload, found.offset),
            ("PNG image", "Python source", 20)
        );
        assert_eq!(
            find("a.png", &png(b"PK\x03\x04 and more bytes here"))
                .unwrap()
                .payload,
            "zip archive"
        );
        assert!(find("a.png", &png(b"")).is_none());
        assert!(find("a.png", &png(&[0; 64])).is_none());
        assert!(find("a.png", &png(b"just some trailing words of text")).is_none());
    }

    #[test]
    fn jpeg_gif_and_fonts() {
        let mut jpeg = vec![
            0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xda, 0, 2, 1, 2, 0xff, 0, 3, 0xff, 0xd9,
        ];
        assert_eq!(end_of_format(&jpeg), Some(("JPEG image", jpeg.len())));
        jpeg.extend_from_slice(b"PK\x03\x04 rest of a zip archive");
        assert_eq!(find("x.jpg", &jpeg).unwrap().payload, "zip archive");
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b";
        assert_eq!(end_of_format(gif), Some(("GIF image", gif.len())));
    }
}
