use crate::artifact::AnomalyKind;
use crate::finding::{Finding, Location};
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
    /// where a tool gives up. Real packages stay far below the limits.
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
            let mut f = Self::META.finding(
                Location::file(a.path.clone()),
                format!("limit exceeded: {}", a.detail),
            );
            f.decoded = None;
            out.push(f);
        }
    }
}
