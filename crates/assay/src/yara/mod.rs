//! YARA rules the user brings (`--yara`): compiled once per run with
//! yara-x ([`compile`]), then matched against every file of each artifact
//! and every payload assay decoded or recovered from it ([`matcher`]).
//! Matches are facts like any other; rule AY990 turns them into findings.

pub mod compile;
mod digest;
pub mod matcher;

use crate::finding::Severity;

pub use compile::{YaraError, YaraRules};

/// One user rule that matched one piece of an artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YaraMatch {
    /// The rule's name (`Suspicious_Stager`).
    pub rule: String,
    /// The rule file it comes from, as given on the command line.
    pub rules_file: String,
    pub tags: Vec<String>,
    /// The rule's `meta` section, values written as in the rule.
    pub meta: Vec<(String, String)>,
    /// From `meta: severity = "high"`; medium when the rule names none.
    pub severity: Severity,
    /// The file of the artifact that matched, or that holds the payload.
    pub path: String,
    /// The line of the match in a text file, or of the code that decodes
    /// the payload.
    pub line: Option<u32>,
    /// What was scanned when it was not the file's own bytes: `payload
    /// decoded by base64 → zlib`, `Python recovered from bytecode`.
    pub within: Option<String>,
    /// The first matching pattern and the bytes it matched, printable.
    pub matched: Option<String>,
}
