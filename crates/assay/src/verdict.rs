//! The verdict: combining findings into `malicious` / `suspicious` / `clean`.
//!
//! The model is documented in `docs/verdict.md`. In short: every finding has a
//! severity chosen by its rule from the evidence *and* the execution context
//! (capability alone is `info`/`low`; a capability used at install or startup
//! time, or a source reaching a sink, weighs more). Severities combine like
//! independent pieces of evidence (a noisy-OR), and a single `critical`
//! finding is enough for `malicious`, a single `high` for `suspicious`.

use serde::Serialize;

use crate::finding::{Finding, Severity};
use crate::python::FileRole;

/// The three answers assay gives about a package.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum VerdictLabel {
    Clean,
    Suspicious,
    Malicious,
}

impl VerdictLabel {
    pub const fn as_str(self) -> &'static str {
        match self {
            VerdictLabel::Clean => "clean",
            VerdictLabel::Suspicious => "suspicious",
            VerdictLabel::Malicious => "malicious",
        }
    }
}

impl std::fmt::Display for VerdictLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A package's verdict with the evidence it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Verdict {
    pub label: VerdictLabel,
    /// 0 (nothing found) to 100 (certain).
    pub score: u8,
    /// The evidence chain in words, strongest first: one sentence per
    /// finding that weighs in the verdict.
    pub evidence: Vec<String>,
}

/// Weight of one finding of each severity, as the probability that it alone
/// means the package is malicious.
const fn weight(severity: Severity) -> f64 {
    match severity {
        Severity::Info => 0.0,
        Severity::Low => 0.03,
        Severity::Medium => 0.2,
        Severity::High => 0.5,
        Severity::Critical => 0.9,
    }
}

/// Score at or above which a package is `suspicious` / `malicious` even
/// without a single `high` / `critical` finding.
pub const SUSPICIOUS_SCORE: u8 = 70;
pub const MALICIOUS_SCORE: u8 = 90;

/// Most evidence sentences kept in a verdict.
const MAX_EVIDENCE: usize = 8;

/// Findings of one rule that count towards the score: doing the same thing
/// many times is not much more evidence than doing it a few times.
const PER_RULE: usize = 3;

/// The severity a finding about how a file's text is written (hidden
/// whitespace, bidi controls, confusable names, anti-analysis checks) may
/// have in a file of `role`. Tests, docs and examples run only when someone
/// runs them: their text deceives no one who installs the package, so such
/// findings stay low there.
pub(crate) fn cap_for_role(role: Option<FileRole>, severity: Severity) -> Severity {
    if role == Some(FileRole::Script) {
        severity.min(Severity::Low)
    } else {
        severity
    }
}

/// Combines findings into a verdict.
pub fn judge(findings: &[Finding]) -> Verdict {
    let mut by_rule: std::collections::BTreeMap<&str, Vec<Severity>> = Default::default();
    for f in findings {
        by_rule.entry(f.rule).or_default().push(f.severity);
    }
    let clean_probability: f64 = by_rule
        .values_mut()
        .flat_map(|severities| {
            severities.sort_unstable_by(|a, b| b.cmp(a));
            // The strongest finding of a rule counts in full, the next ones
            // a quarter: they mostly repeat the same evidence.
            severities
                .iter()
                .take(PER_RULE)
                .enumerate()
                .map(|(i, &s)| if i == 0 { weight(s) } else { weight(s) / 4.0 })
        })
        .map(|w| 1.0 - w)
        .product();
    let score = ((1.0 - clean_probability) * 100.0)
        .round()
        .clamp(0.0, 100.0) as u8;
    let worst = findings.iter().map(|f| f.severity).max();
    let label = if worst == Some(Severity::Critical) || score >= MALICIOUS_SCORE {
        VerdictLabel::Malicious
    } else if worst == Some(Severity::High) || score >= SUSPICIOUS_SCORE {
        VerdictLabel::Suspicious
    } else {
        VerdictLabel::Clean
    };
    let score = match label {
        // A single critical finding is conclusive: say so in the score too.
        VerdictLabel::Malicious => score.max(MALICIOUS_SCORE),
        VerdictLabel::Suspicious => score.max(SUSPICIOUS_SCORE),
        VerdictLabel::Clean => score.min(SUSPICIOUS_SCORE - 1),
    };

    let mut weighty: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .collect();
    weighty.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let evidence = weighty
        .iter()
        .take(MAX_EVIDENCE)
        .map(|f| {
            let when = f
                .context
                .map(|c| format!(" ({})", c.describe()))
                .unwrap_or_default();
            format!("{}{when}: {}", f.location, f.message)
        })
        .collect();
    Verdict {
        label,
        score,
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Location;

    #[test]
    fn findings_in_tests_and_docs_stay_low() {
        let script = Some(FileRole::Script);
        assert_eq!(cap_for_role(script, Severity::High), Severity::Low);
        assert_eq!(cap_for_role(script, Severity::Info), Severity::Info);
        let module = Some(FileRole::Module);
        assert_eq!(cap_for_role(module, Severity::High), Severity::High);
        assert_eq!(cap_for_role(None, Severity::Medium), Severity::Medium);
    }

    fn finding(rule: &'static str, severity: Severity) -> Finding {
        Finding {
            rule,
            slug: "test",
            severity,
            message: "m".into(),
            location: Location::file("f.py"),
            context: None,
            excerpt: None,
            decoded: None,
            value_kind: crate::finding::ValueKind::Value,
            via: None,
        }
    }

    #[test]
    fn capability_alone_is_clean() {
        let lows: Vec<Finding> = (0..50).map(|_| finding("AY201", Severity::Low)).collect();
        let v = judge(&lows);
        assert_eq!(v.label, VerdictLabel::Clean);
        assert!(v.evidence.is_empty());
        assert_eq!(judge(&[]).score, 0);
    }

    #[test]
    fn one_critical_is_malicious_one_high_suspicious() {
        assert_eq!(
            judge(&[finding("AY101", Severity::Critical)]).label,
            VerdictLabel::Malicious
        );
        let v = judge(&[finding("AY101", Severity::High)]);
        assert_eq!((v.label, v.score), (VerdictLabel::Suspicious, 70));
    }

    #[test]
    fn mediums_across_rules_add_up() {
        let v = judge(&[
            finding("AY101", Severity::Medium),
            finding("AY502", Severity::Medium),
        ]);
        assert_eq!(v.label, VerdictLabel::Clean);
        // Many findings of one rule are one piece of evidence.
        let same: Vec<Finding> = (0..9).map(|_| finding("AY502", Severity::Medium)).collect();
        assert_eq!(judge(&same).label, VerdictLabel::Clean);
        let rules = ["AY101", "AY102", "AY103", "AY104", "AY105", "AY502"];
        let v = judge(&rules.map(|r| finding(r, Severity::Medium)));
        assert_eq!(v.label, VerdictLabel::Suspicious);
        assert_eq!(v.evidence.len(), 6);
    }
}
