//! Findings: what rules report, with the evidence a person can check.

use serde::Serialize;

use crate::python::ExecContext;
use crate::via::Via;

/// How much a finding weighs in the verdict. Ordered from least to most.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// A capability worth knowing about; never changes a verdict alone.
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a finding is, inside the artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Location {
    /// Path inside the artifact, `/`-separated.
    pub path: String,
    /// 1-based line; `None` for findings about a whole file or entry.
    pub line: Option<u32>,
    /// 1-based column (in characters), when known.
    pub column: Option<u32>,
}

impl Location {
    pub fn file(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            line: None,
            column: None,
        }
    }

    pub fn at(path: impl Into<String>, line: u32, column: u32) -> Self {
        Self {
            path: path.into(),
            line: Some(line),
            column: Some(column),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = if self.path.is_empty() {
            "(archive)"
        } else {
            &self.path
        };
        match self.line {
            Some(line) => write!(f, "{path}:{line}"),
            None => f.write_str(path),
        }
    }
}

/// One thing a rule found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule's stable id (`AY101`).
    pub rule: &'static str,
    /// The rule's slug (`install-time-execution`).
    pub slug: &'static str,
    pub severity: Severity,
    /// One sentence saying what was found, with the concrete values.
    pub message: String,
    pub location: Location,
    /// When the code runs, for findings in Python code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<ExecContext>,
    /// The source line(s) the finding points at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    /// A value assay evaluated or decoded to reach this finding
    /// (the URL, the decoded payload's start, the link target).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoded: Option<String>,
    /// What that value is: decoded, evaluated from constants, hashes, or
    /// a detail of the archive. Set where the value is produced.
    #[serde(skip_serializing_if = "ValueKind::is_value")]
    pub value_kind: ValueKind,
    /// How the code reached the place reported: the decoding chain, when
    /// the finding sits in a decoded or planted payload. Printers render
    /// it; the message never holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
}

/// What a finding's value is, so that a reader is told: only a value that
/// went through a decoder is called decoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// A constant, or a value evaluated from constants (a URL, a command
    /// line put together from strings). The default: it claims nothing.
    #[default]
    Value,
    /// A value that was decoded (base64, zlib, hex, a pickle's opcodes…).
    Decoded,
    /// The digests a file was expected to have and the ones it has.
    Hashes,
    /// A fact about an archive entry: a link target, a limit, a reader's
    /// disagreement.
    Detail,
}

impl ValueKind {
    /// Whether this is the default kind (not written to JSON).
    pub fn is_value(&self) -> bool {
        *self == ValueKind::Value
    }

    /// The label printers put before the value.
    pub fn label(self) -> &'static str {
        match self {
            ValueKind::Value => "value",
            ValueKind::Decoded => "decoded",
            ValueKind::Hashes => "hashes",
            ValueKind::Detail => "detail",
        }
    }
}

impl Finding {
    /// Sets the finding's value and what it is.
    pub fn set_value(&mut self, kind: ValueKind, value: Option<String>) {
        self.decoded = value;
        self.value_kind = kind;
    }
}

/// A finding as stored (in the scan-result cache): the rule by its id.
#[derive(serde::Deserialize)]
struct StoredFinding {
    rule: String,
    severity: Severity,
    message: String,
    location: Location,
    context: Option<ExecContext>,
    excerpt: Option<String>,
    decoded: Option<String>,
    #[serde(default)]
    value_kind: ValueKind,
    #[serde(default)]
    via: Option<Via>,
}

impl<'de> serde::Deserialize<'de> for Finding {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Finding, D::Error> {
        use serde::de::Error as _;
        Finding::try_from(StoredFinding::deserialize(d)?).map_err(D::Error::custom)
    }
}

impl TryFrom<StoredFinding> for Finding {
    type Error = String;

    /// Only a rule this build has can come back.
    fn try_from(stored: StoredFinding) -> Result<Finding, String> {
        let meta = crate::rules::RULES
            .iter()
            .map(|rule| rule.meta())
            .find(|meta| meta.id == stored.rule)
            .ok_or_else(|| format!("unknown rule {}", stored.rule))?;
        Ok(Finding {
            rule: meta.id,
            slug: meta.slug,
            severity: stored.severity,
            message: stored.message,
            location: stored.location,
            context: stored.context,
            excerpt: stored.excerpt,
            decoded: stored.decoded,
            value_kind: stored.value_kind,
            via: stored.via,
        })
    }
}
