//! `.pyc` headers: which CPython wrote the file, and where its code starts.

use super::marshal::Layout;

/// The CPython version a magic number belongs to, and the size of the
/// header before the marshalled code.
pub fn version_of(data: &[u8]) -> Option<PycHeader> {
    let magic = data.get(..4)?;
    if magic[2..] != *b"\r\n" {
        return None;
    }
    let number = u16::from_le_bytes([magic[0], magic[1]]);
    let (major, minor) = match number {
        62191..=62211 => (2, 7),
        3360..=3379 => (3, 6),
        3390..=3399 => (3, 7),
        3400..=3419 => (3, 8),
        3420..=3429 => (3, 9),
        3430..=3449 => (3, 10),
        3450..=3499 => (3, 11),
        3500..=3549 => (3, 12),
        3550..=3599 => (3, 13),
        3600..=3649 => (3, 14),
        // Later CPythons: fifty magic numbers a release since 3.11. Their
        // opcodes are not known here, so only their constants are read.
        3650..=3999 => (3, u8::try_from(15 + (number - 3650) / 50).ok()?),
        _ => return None,
    };
    let header = match (major, minor) {
        (2, _) => 8,
        (3, 6) => 12,
        _ => 16,
    };
    // 3.7+ (PEP 552): bit 0 of the flags marks a hash-based file, bit 1
    // asks Python to check that hash against the source.
    let flags = match data.get(4..8) {
        Some(f) if header == 16 => u32::from_le_bytes([f[0], f[1], f[2], f[3]]),
        _ => 0,
    };
    Some(PycHeader {
        major,
        minor,
        magic: number,
        header,
        unchecked: flags & 0b11 == 0b01,
    })
}

/// What a `.pyc` header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PycHeader {
    pub major: u8,
    pub minor: u8,
    /// The magic number (`3495` for 3.11).
    pub magic: u16,
    /// Bytes before the marshalled code object.
    pub header: usize,
    /// An unchecked hash-based file (PEP 552): Python imports it from
    /// `__pycache__` without comparing it with the source beside it.
    pub unchecked: bool,
}

impl PycHeader {
    pub fn layout(&self) -> Layout {
        match (self.major, self.minor) {
            (2, _) => Layout::Py27,
            (3, 0..=7) => Layout::Py30,
            (3, 8..=10) => Layout::Py38,
            _ => Layout::Py311,
        }
    }

    pub fn version(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }
}
