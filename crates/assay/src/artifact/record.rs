//! The wheel `RECORD` file (PEP 376 / 427). (Skeleton: being written.)

/// One `RECORD` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordEntry {
    pub path: String,
    /// `sha256=<urlsafe-b64-nopad>` as written, when present.
    pub hash: Option<String>,
    pub size: Option<u64>,
}

/// A parsed `RECORD`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub entries: Vec<RecordEntry>,
}
