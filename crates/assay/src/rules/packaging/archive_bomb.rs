use crate::artifact::AnomalyKind;
use crate::finding::{Finding, Location, Severity};
use crate::rules::{PackageFacts, Rule, RuleMeta, anomalies_of, declare_rule};

declare_rule! {
    /// Archives that exceed assay's reading limits: decompression bombs.
    ///
    /// ## What it finds
    /// An artifact that inflates far beyond its size (compression ratio over
    /// `--max-ratio`), holds more than `--max-entries` entries, a file larger
    /// than `--max-file-bytes`, or more than `--max-total-bytes` in all.
    /// Reading stops at the limit; what was read before is still analysed,
    /// and the artifact's report carries an error saying the scan is
    /// incomplete.
    ///
    /// ## Why it matters
    /// A bomb exhausts the disk or memory of whatever unpacks it — an
    /// installer, a mirror, a scanner — and can hide content past the point
    /// where a tool gives up. Only the compression ratio (and a Python file
    /// too large to read) is high: real packages never inflate hundreds of
    /// times, but some do ship very large native libraries, which are
    /// reported as not read (info), and very large artifacts (low) or very
    /// many entries (medium).
    ///
    /// ## Example
    /// ```text
    /// pkg-1.0.zip: 40 KB on disk, one entry inflating to 4 GB of zeros
    /// ```
    ///
    /// ## References
    /// CWE-409 (Improper Handling of Highly Compressed Data).
    pub struct ArchiveBomb {
        id: "AY504",
        slug: "archive-bomb",
        category: Packaging,
        severity: High,
    }
}

impl Rule for ArchiveBomb {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for a in anomalies_of(facts, &[AnomalyKind::LimitExceeded]) {
            // A ratio far past anything real packages reach is a bomb; a
            // large file (a CUDA library) or a large wheel is only a file
            // assay did not read — serious when it is Python source.
            let severity = if a.detail.contains("ratio") {
                Severity::High
            } else if a.detail.contains("per-file") {
                let code = [".py", ".pyw", ".pth"].iter().any(|e| a.path.ends_with(e));
                if code { Severity::High } else { Severity::Info }
            } else if a.detail.contains("entries") {
                Severity::Medium
            } else {
                Severity::Low
            };
            let mut f = Self::META.finding(
                Location::file(a.path.clone()),
                format!("limit exceeded: {}", a.detail),
            );
            f.severity = severity;
            out.push(f);
        }
    }
}
