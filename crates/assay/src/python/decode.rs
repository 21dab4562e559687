//! Decoding encoded payloads, bounded: the layers malware wraps code in.

use std::io::Read;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::names::Decoder;

/// Largest decoded output kept from one layer.
pub const MAX_DECODED: usize = 8 * 1024 * 1024;

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

/// Applies one decoding layer; `None` when the input is not valid for it.
pub fn decode(decoder: Decoder, input: &[u8]) -> Option<Vec<u8>> {
    match decoder {
        Decoder::Base64 => base64(input, &STANDARD),
        Decoder::Base64Url => base64(input, &URL_SAFE),
        Decoder::Base32 => base32(input),
        Decoder::Base85 => base85(input),
        Decoder::Ascii85 => ascii85(input),
        Decoder::Hex => hex(input),
        Decoder::Zlib => inflate(flate2::read::ZlibDecoder::new(input))
            .or_else(|| inflate(flate2::read::DeflateDecoder::new(input))),
        Decoder::Gzip => inflate(flate2::read::MultiGzDecoder::new(input)),
        Decoder::Bz2 => inflate(bzip2::read::BzDecoder::new(input)),
        Decoder::Lzma => {
            let stream = xz2::stream::Stream::new_auto_decoder(u64::MAX, 0).ok()?;
            inflate(xz2::read::XzDecoder::new_stream(input, stream))
        }
        Decoder::Rot13 => Some(input.iter().map(|&b| rot13(b)).collect()),
        Decoder::Decrypt => None,
        // Code objects and pickles become the Python they amount to;
        // other serialized objects, their printable strings.
        Decoder::Marshal => crate::carriers::bytecode::from_marshal(input)
            .map(|r| r.source.into_bytes())
            .or_else(|| Some(printable_strings(input, 4).join("\n").into_bytes())),
        Decoder::Pickle => {
            let scan = crate::carriers::pickle::walk(input);
            let python = crate::carriers::pickle::to_python(&scan);
            let strings = printable_strings(input, 4).join("\n");
            if python.is_empty() {
                Some(strings.into_bytes())
            } else {
                Some(python.into_bytes())
            }
        }
    }
}

fn base64(input: &[u8], engine: &GeneralPurpose) -> Option<Vec<u8>> {
    let clean: Vec<u8> = input
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if clean.len() / 4 * 3 > MAX_DECODED {
        return None;
    }
    engine.decode(&clean).ok()
}

fn hex(input: &[u8]) -> Option<Vec<u8>> {
    let digits: Vec<u8> = input
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if !digits.len().is_multiple_of(2) || digits.len() / 2 > MAX_DECODED {
        return None;
    }
    digits
        .chunks_exact(2)
        .map(|pair| {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            Some((hi * 16 + lo) as u8)
        })
        .collect()
}

fn base32(input: &[u8]) -> Option<Vec<u8>> {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = Vec::with_capacity(input.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u64, 0u32);
    for &b in input
        .iter()
        .filter(|b| !b.is_ascii_whitespace() && **b != b'=')
    {
        let value = ALPHABET.iter().position(|&a| a == b.to_ascii_uppercase())? as u64;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    (out.len() <= MAX_DECODED).then_some(out)
}

/// Python's `base64.b85decode` alphabet (RFC 1924).
fn base85(input: &[u8]) -> Option<Vec<u8>> {
    const ALPHABET: &[u8; 85] =
        b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";
    let digits: Vec<u8> = input
        .iter()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| ALPHABET.iter().position(|a| a == b).map(|p| p as u8))
        .collect::<Option<_>>()?;
    decode85(&digits)
}

fn ascii85(input: &[u8]) -> Option<Vec<u8>> {
    let text = input.strip_prefix(b"<~").unwrap_or(input);
    let text = text.strip_suffix(b"~>").unwrap_or(text);
    let mut digits = Vec::with_capacity(text.len());
    for &b in text.iter().filter(|b| !b.is_ascii_whitespace()) {
        match b {
            b'z' => digits.extend_from_slice(&[0; 5]),
            b'!'..=b'u' => digits.push(b - b'!'),
            _ => return None,
        }
    }
    decode85(&digits)
}

/// Groups of five base-85 digits to four bytes, with Python's padding rule.
fn decode85(digits: &[u8]) -> Option<Vec<u8>> {
    if digits.len() / 5 * 4 > MAX_DECODED {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() / 5 * 4 + 4);
    for chunk in digits.chunks(5) {
        let pad = 5 - chunk.len();
        let mut value: u64 = 0;
        for i in 0..5 {
            value = value * 85 + u64::from(*chunk.get(i).unwrap_or(&84));
        }
        let value = u32::try_from(value).ok()?;
        out.extend_from_slice(&value.to_be_bytes()[..4 - pad]);
    }
    Some(out)
}

fn inflate(reader: impl Read) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    reader.take(MAX_DECODED as u64).read_to_end(&mut out).ok()?;
    (!out.is_empty()).then_some(out)
}

fn rot13(b: u8) -> u8 {
    match b {
        b'a'..=b'z' => (b - b'a' + 13) % 26 + b'a',
        b'A'..=b'Z' => (b - b'A' + 13) % 26 + b'A',
        _ => b,
    }
}

/// Runs of printable ASCII at least `min` long, as `strings(1)` finds them.
pub fn printable_strings(data: &[u8], min: usize) -> Vec<String> {
    data.split(|b| !(b.is_ascii_graphic() || *b == b' '))
        .filter(|run| run.len() >= min)
        .map(|run| String::from_utf8_lossy(run).into_owned())
        .collect()
}

/// Does decoded text look like Python source worth parsing?
pub fn looks_like_python(text: &str) -> bool {
    const MARKERS: &[&str] = &[
        "import ",
        "exec(",
        "eval(",
        "def ",
        "print(",
        "__import__",
        "os.",
    ];
    let sample = &text[..text.floor_char_boundary(4096)];
    let total = sample.chars().count();
    let printable = sample
        .chars()
        .filter(|c| !c.is_control() || c.is_whitespace())
        .count();
    printable * 10 >= total * 9 && MARKERS.iter().any(|m| sample.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_round_trip() {
        assert_eq!(
            decode(Decoder::Base64, b"aW1wb3J0IG9z").unwrap(),
            b"import os"
        );
        assert_eq!(
            decode(Decoder::Base64, b"aW1wb3J0IG9z\n").unwrap(),
            b"import os"
        );
        assert_eq!(decode(Decoder::Base64Url, b"-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(decode(Decoder::Hex, b"696d706f7274").unwrap(), b"import");
        assert_eq!(
            decode(Decoder::Base32, b"NFWXA33SOQ======").unwrap(),
            b"import"
        );
        assert_eq!(decode(Decoder::Rot13, b"vzcbeg").unwrap(), b"import");
        assert_eq!(decode(Decoder::Base85, b"X>D+Ca&!s").unwrap(), b"import\n");
        assert_eq!(
            decode(Decoder::Ascii85, b"<~Bl.g-Ec_~>").unwrap(),
            b"import"
        );
        assert!(decode(Decoder::Hex, b"6g").is_none());
        assert!(decode(Decoder::Base64, b"!!!!").is_none());
    }

    #[test]
    fn compressed_layers() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"import os; os.system('id')").unwrap();
        let packed = z.finish().unwrap();
        assert_eq!(
            decode(Decoder::Zlib, &packed).unwrap(),
            b"import os; os.system('id')"
        );
        assert!(decode(Decoder::Zlib, b"not zlib").is_none());
    }

    #[test]
    fn python_detection() {
        assert!(looks_like_python("import os\nos.system('id')"));
        assert!(!looks_like_python("\u{1}\u{2}\u{3}garbage\u{4}"));
        assert!(!looks_like_python("just a sentence of prose"));
    }
}
