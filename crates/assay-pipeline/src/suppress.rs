//! Suppressions in scan reports: findings accepted by the configuration
//! file's ignore entries, or present in a baseline (a previous JSON
//! report). A suppressed finding stays in the report, marked with its
//! reason; the verdict is judged again without it.
//!
//! A baseline finding is matched by the artifact's project (its metadata
//! name, else its file name), the rule, the path inside the artifact (an
//! sdist's top folder left out, so a new version's unchanged file still
//! matches), the message and the decoding chain (so new content under the
//! same rule in the same file is new). Line numbers are left out: an edit above a finding
//! does not make it new. Each baseline finding accepts one finding: a
//! second copy is new.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use assay::report::json;
use assay::scan::{Suppression, SuppressionKind};
use assay::via::Step;
use assay::{ArtifactReport, Finding};
use assay_index::normalize_name;

use crate::policy::{Policy, Subject};

/// A baseline that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BaselineError {
    /// Cannot be read.
    #[error("cannot read the baseline {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not a JSON report of assay (`assay scan --format json`).
    #[error(
        "the baseline {path} is not an assay JSON report (write one with `assay scan --format json --output FILE`): {detail}"
    )]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        detail: String,
    },
}

/// What identifies a finding of one project across scans: rule, inner
/// path, message, decoding chain.
type Key = (String, String, String, Vec<Step>);

/// The findings of a previous JSON report.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    path: PathBuf,
    /// Project → finding → how many times the baseline has it.
    counts: HashMap<String, HashMap<Key, usize>>,
}

impl Baseline {
    /// Reads a JSON report written by `assay scan --format json`.
    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read(path).map_err(|source| BaselineError::Read {
            path: path.to_owned(),
            source,
        })?;
        let document: json::Document =
            serde_json::from_slice(&text).map_err(|e| BaselineError::Parse {
                path: path.to_owned(),
                detail: e.to_string(),
            })?;
        let mut counts: HashMap<String, HashMap<Key, usize>> = HashMap::new();
        for artifact in &document.artifacts {
            let project = project_of(artifact.name.as_deref(), Path::new(&artifact.target));
            let sdist = artifact.kind.as_deref() == Some("sdist");
            let of_project = counts.entry(project).or_default();
            for finding in &artifact.findings {
                let key = (
                    finding.rule.clone(),
                    inner_path(&finding.location.path, sdist),
                    finding.message.clone(),
                    finding.via.clone(),
                );
                *of_project.entry(key).or_insert(0) += 1;
            }
        }
        Ok(Baseline {
            path: path.to_owned(),
            counts,
        })
    }
}

/// The project an artifact is of: its normalised metadata name, else its
/// file name.
fn project_of(name: Option<&str>, target: &Path) -> String {
    match name {
        Some(name) => normalize_name(name),
        None => target
            .file_name()
            .map_or_else(|| target.to_string_lossy(), |n| n.to_string_lossy())
            .into_owned(),
    }
}

/// A finding's path without an sdist's top folder (`demo-1.0/`).
fn inner_path(path: &str, sdist: bool) -> String {
    match path.split_once('/') {
        Some((_, rest)) if sdist => rest.to_owned(),
        _ => path.to_owned(),
    }
}

/// Marks the findings the policy's ignore entries or a baseline accept.
#[derive(Debug, Clone, Default)]
pub struct Suppressor {
    policy: Policy,
    baseline: Option<Baseline>,
}

impl Suppressor {
    /// Suppresses what `policy`'s ignore entries accept, then what
    /// `baseline` holds.
    pub fn new(policy: Policy, baseline: Option<Baseline>) -> Suppressor {
        Suppressor { policy, baseline }
    }

    /// Whether this suppresses nothing.
    pub fn is_empty(&self) -> bool {
        self.policy.ignore.is_empty() && self.baseline.is_none()
    }

    /// Marks the accepted findings of `report` and judges its verdict
    /// again without them.
    pub fn apply(&self, report: &mut ArtifactReport) {
        if self.is_empty() || report.findings.is_empty() {
            return;
        }
        let subject = Subject {
            project: report.name.as_deref(),
            version: report.version.as_deref(),
            sha256: report.sha256.as_deref(),
        };
        let mut suppressed: Vec<Suppression> = self
            .policy
            .suppressions(&subject, report)
            .into_iter()
            .map(|(finding, reason)| Suppression {
                finding,
                kind: SuppressionKind::Config,
                reason,
            })
            .collect();
        let project = project_of(report.name.as_deref(), &report.target);
        if let Some((baseline, of_project)) = self
            .baseline
            .as_ref()
            .and_then(|b| Some(b).zip(b.counts.get(&project)))
        {
            let sdist = matches!(report.kind, Some(assay::artifact::ArtifactKind::Sdist));
            let mut left = of_project.clone();
            for (index, finding) in report.findings.iter().enumerate() {
                if suppressed.iter().any(|s| s.finding == index) {
                    continue;
                }
                let key = (
                    finding.rule.to_owned(),
                    inner_path(&finding.location.path, sdist),
                    finding.message.clone(),
                    finding
                        .via
                        .as_ref()
                        .map_or_else(Vec::new, |via| via.steps().to_vec()),
                );
                if let Some(count) = left.get_mut(&key).filter(|c| **c > 0) {
                    *count -= 1;
                    suppressed.push(Suppression {
                        finding: index,
                        kind: SuppressionKind::Baseline,
                        reason: format!("in the baseline {}", baseline.path.display()),
                    });
                }
            }
        }
        if suppressed.is_empty() {
            return;
        }
        suppressed.sort_by_key(|s| s.finding);
        let kept: Vec<Finding> = report
            .findings
            .iter()
            .enumerate()
            .filter(|(i, _)| !suppressed.iter().any(|s| s.finding == *i))
            .map(|(_, f)| f.clone())
            .collect();
        if report.verdict.is_some() {
            report.verdict = Some(assay::verdict::judge(&kept));
        }
        report.suppressed = suppressed;
    }
}

#[cfg(test)]
mod tests {
    use assay::{Location, Severity};

    use super::*;

    fn finding(path: &str, line: u32, message: &str) -> Finding {
        Finding {
            rule: "AY104",
            slug: "exec-decoded-payload",
            severity: Severity::Critical,
            message: message.to_owned(),
            location: Location::at(path, line, 1),
            context: None,
            excerpt: None,
            decoded: None,
            value_kind: Default::default(),
            via: None,
        }
    }

    fn sdist_report(version: &str, findings: Vec<Finding>) -> ArtifactReport {
        let mut report =
            ArtifactReport::unreadable(Path::new(&format!("demo-{version}.tar.gz")), String::new());
        report.errors.clear();
        report.name = Some("Demo".to_owned());
        report.kind = Some(assay::artifact::ArtifactKind::Sdist);
        report.verdict = Some(assay::verdict::judge(&findings));
        report.findings = findings;
        report
    }

    fn baseline_of(report: &ArtifactReport) -> (tempfile::TempDir, Baseline) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let document = json::Document::new(std::slice::from_ref(report));
        std::fs::write(&path, serde_json::to_vec(&document).unwrap()).unwrap();
        let baseline = Baseline::read(&path).unwrap();
        (dir, baseline)
    }

    #[test]
    fn a_baseline_finding_matches_a_new_version_moved_lines_once() {
        let old = sdist_report(
            "1.0",
            vec![finding("demo-1.0/setup.py", 3, "exec(payload)")],
        );
        let (_dir, baseline) = baseline_of(&old);
        let suppressor = Suppressor::new(Policy::default(), Some(baseline));
        // Version 1.1: the same finding ten lines down, and a second copy.
        let mut new = sdist_report(
            "1.1",
            vec![
                finding("demo-1.1/setup.py", 13, "exec(payload)"),
                finding("demo-1.1/setup.py", 20, "exec(payload)"),
                finding("demo-1.1/setup.py", 30, "exec(other)"),
            ],
        );
        suppressor.apply(&mut new);
        let indexes: Vec<usize> = new.suppressed.iter().map(|s| s.finding).collect();
        assert_eq!(indexes, [0]);
        assert_eq!(new.suppressed[0].kind, SuppressionKind::Baseline);
        // Two unsuppressed critical findings: still malicious.
        assert_eq!(
            new.verdict.as_ref().map(|v| v.label),
            Some(assay::VerdictLabel::Malicious)
        );
    }

    #[test]
    fn another_project_is_not_in_the_baseline() {
        let old = sdist_report(
            "1.0",
            vec![finding("demo-1.0/setup.py", 3, "exec(payload)")],
        );
        let (_dir, baseline) = baseline_of(&old);
        let suppressor = Suppressor::new(Policy::default(), Some(baseline));
        let mut other = sdist_report(
            "1.0",
            vec![finding("demo-1.0/setup.py", 3, "exec(payload)")],
        );
        other.name = Some("other".to_owned());
        suppressor.apply(&mut other);
        assert!(other.suppressed.is_empty());
        let mut same = old.clone();
        suppressor.apply(&mut same);
        assert_eq!(same.suppressed.len(), 1);
        assert_eq!(
            same.verdict.as_ref().map(|v| v.label),
            Some(assay::VerdictLabel::Clean)
        );
    }

    #[test]
    fn a_baseline_finding_matches_on_its_decoding_chain_too() {
        use assay::python::names::Decoder;
        use assay::via::{Step, Via};
        let decoded = |decoder| {
            let mut f = finding("demo-1.0/setup.py", 3, "exec(payload)");
            f.via = Some(Via::of(Step::Decoder { decoder }));
            f
        };
        let old = sdist_report("1.0", vec![decoded(Decoder::Base64)]);
        let (_dir, baseline) = baseline_of(&old);
        let suppressor = Suppressor::new(Policy::default(), Some(baseline));
        // The same message reached through another decoder is new.
        let mut new = sdist_report("1.0", vec![decoded(Decoder::Hex), decoded(Decoder::Base64)]);
        suppressor.apply(&mut new);
        let indexes: Vec<usize> = new.suppressed.iter().map(|s| s.finding).collect();
        assert_eq!(indexes, [1]);
    }
}
