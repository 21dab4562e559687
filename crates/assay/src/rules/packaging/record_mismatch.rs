use crate::artifact::AnomalyKind;
use crate::finding::{Finding, Severity};
use crate::rules::{PackageFacts, Rule, RuleMeta, anomalies_of, anomaly_finding, declare_rule};

declare_rule! {
    /// Wheel contents that disagree with the wheel's own `RECORD`.
    ///
    /// ## What it finds
    /// Files in a wheel that its `*.dist-info/RECORD` does not list, files
    /// whose SHA-256 or size differs from their `RECORD` line, and `RECORD`
    /// lines naming files the wheel does not contain, and wheels with no
/// `RECORD` at all.
    ///
    /// ## Why it matters
    /// Build tools write `RECORD` from the files they pack, so a mismatch
    /// means the wheel was changed after it was built — the trace of a
    /// tampered or hand-assembled wheel. A changed or unlisted Python file is
    /// high (that is where injected code goes); other mismatches are medium,
    /// a listed file that is missing low.
    ///
    /// ## Example
    /// ```text
    /// pkg/__init__.py,sha256=AAAA…,120      # RECORD
    /// pkg/__init__.py                        # in the wheel: 4,310 bytes, another hash
    /// ```
    ///
    /// ## References
    /// PEP 376 and PEP 427 (the `RECORD` file); MITRE ATT&CK T1195.002
    /// (Compromise Software Supply Chain).
    pub struct RecordMismatch {
        id: "AY503",
        slug: "record-mismatch",
        category: Packaging,
        severity: High,
    }
}

impl Rule for RecordMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        use AnomalyKind::*;
        for a in anomalies_of(facts, &[NotInRecord, RecordMismatch, MissingFromArchive]) {
            let code = a.path.ends_with(".py") || a.path.ends_with(".pth");
            let (what, severity) = match a.kind {
                NotInRecord => (
                    "file not listed in RECORD",
                    if code {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                ),
                RecordMismatch => (
                    "file differs from its RECORD hash or size",
                    if code {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                ),
                _ if a.path.ends_with("/RECORD") => ("wheel has no RECORD", Severity::Medium),
                _ => ("file listed in RECORD is missing", Severity::Low),
            };
            out.push(anomaly_finding(&Self::META, a, what, severity));
        }
    }
}
