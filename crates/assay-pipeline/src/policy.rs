//! The policy: which scanned files are blocked, and which findings are
//! accepted (suppressed) with a reason.

use std::str::FromStr;

use assay::{ArtifactReport, Finding, Severity, VerdictLabel};
use assay_index::normalize_name;
use pep440_rs::{Version, VersionSpecifiers};

/// What the policy decides about one scanned file.
#[derive(Debug, Clone)]
pub struct Judgement {
    /// The verdict once suppressed findings are left out; `None` when the
    /// file could not be read at all.
    pub label: Option<VerdictLabel>,
    /// Why the file is blocked (`malicious (AY104 exec-decoded-payload)`),
    /// or `None` when it may be served.
    pub blocked: Option<String>,
    /// Findings accepted by an ignore entry: the finding's index in the
    /// report and the entry's reason.
    pub suppressed: Vec<(usize, String)>,
}

/// One accepted finding or file: every key given must match; `reason` is
/// mandatory.
#[derive(Debug, Clone)]
pub struct Ignore {
    /// The project name (normalised).
    pub package: Option<String>,
    /// The versions (`==1.2`, `>=1,<2`).
    pub version: Option<VersionSpecifiers>,
    /// A path inside the artifact (`pkg/_native.py`); also matches the same
    /// path under an sdist's top folder.
    pub path: Option<String>,
    /// A rule id (`AY301`) or slug.
    pub rule: Option<String>,
    /// The SHA-256 of the artifact: stops matching when the file changes.
    pub sha256: Option<String>,
    /// Why this is accepted; shown wherever the suppression is.
    pub reason: String,
}

/// A malformed ignore entry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IgnoreError {
    /// An entry without any key would accept everything.
    #[error("an ignore entry needs at least one of package, version, path, rule, sha256")]
    NoKey,
    /// An empty reason.
    #[error("every ignore entry needs a non-empty reason")]
    NoReason,
    /// A version range that does not parse.
    #[error("ignore entry version {text:?}: {detail}")]
    Version {
        /// The text given.
        text: String,
        /// The parser's message.
        detail: String,
    },
    /// A SHA-256 that is not 64 hex digits.
    #[error("ignore entry sha256 {0:?} is not 64 hex digits")]
    Sha256(String),
}

impl Ignore {
    /// An entry from its keys as written; checks and normalises them.
    pub fn new(
        package: Option<&str>,
        version: Option<&str>,
        path: Option<&str>,
        rule: Option<&str>,
        sha256: Option<&str>,
        reason: &str,
    ) -> Result<Ignore, IgnoreError> {
        if reason.trim().is_empty() {
            return Err(IgnoreError::NoReason);
        }
        if [package, version, path, rule, sha256]
            .iter()
            .all(Option::is_none)
        {
            return Err(IgnoreError::NoKey);
        }
        let version = version
            .map(|text| {
                // A bare version means exactly that version.
                let spec = if text.trim_start().starts_with(|c: char| c.is_ascii_digit()) {
                    format!("=={}", text.trim())
                } else {
                    text.to_owned()
                };
                VersionSpecifiers::from_str(&spec).map_err(|e| IgnoreError::Version {
                    text: text.to_owned(),
                    detail: e.to_string(),
                })
            })
            .transpose()?;
        let sha256 = sha256
            .map(|s| {
                let s = s.trim().to_ascii_lowercase();
                if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
                    Ok(s)
                } else {
                    Err(IgnoreError::Sha256(s))
                }
            })
            .transpose()?;
        Ok(Ignore {
            package: package.map(normalize_name),
            version,
            path: path.map(|p| p.trim_start_matches("./").to_owned()),
            rule: rule.map(str::to_owned),
            sha256,
            reason: reason.trim().to_owned(),
        })
    }

    /// Does this entry accept `finding` in the artifact described by `of`?
    fn accepts(&self, of: &Subject<'_>, finding: &Finding) -> bool {
        self.package
            .as_ref()
            .is_none_or(|p| of.project.is_some_and(|name| normalize_name(name) == *p))
            && self.version.as_ref().is_none_or(|range| {
                of.version
                    .and_then(|v| Version::from_str(v).ok())
                    .is_some_and(|v| range.contains(&v))
            })
            && self.sha256.as_ref().is_none_or(|s| of.sha256 == Some(s))
            && self
                .rule
                .as_ref()
                .is_none_or(|r| finding.rule.eq_ignore_ascii_case(r) || finding.slug == r)
            && self.path.as_ref().is_none_or(|p| {
                let found = finding.location.path.as_str();
                found == p || found.ends_with(&format!("/{p}"))
            })
    }
}

/// The artifact a judgement is about.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    /// The project name as listed.
    pub project: Option<&'a str>,
    /// The version, from the file name or metadata.
    pub version: Option<&'a str>,
    /// The artifact's SHA-256.
    pub sha256: Option<&'a str>,
}

/// Blocking rules.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The lowest verdict that blocks a file; `None` blocks on no verdict.
    pub fail_on: Option<VerdictLabel>,
    /// Projects (normalised names) whose files are always blocked.
    pub deny: Vec<String>,
    /// Accepted findings.
    pub ignore: Vec<Ignore>,
    /// Serve a file that could not be fully scanned (over a limit,
    /// unreadable). Off by default: such a file is blocked.
    pub allow_unscannable: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            fail_on: Some(VerdictLabel::Malicious),
            deny: Vec::new(),
            ignore: Vec::new(),
            allow_unscannable: false,
        }
    }
}

/// Most rule ids named in a block reason.
const REASON_RULES: usize = 3;

impl Policy {
    /// Is `project` on the deny list?
    pub fn denies(&self, project: &str) -> bool {
        let name = normalize_name(project);
        self.deny.contains(&name)
    }

    /// Judges a scanned artifact: suppressions first, then the verdict of
    /// what is left against the threshold.
    pub fn judge(&self, of: &Subject<'_>, report: &ArtifactReport) -> Judgement {
        let suppressed = self.suppressions(of, report);
        let kept: Vec<Finding> = report
            .findings
            .iter()
            .enumerate()
            .filter(|(i, _)| !suppressed.iter().any(|(s, _)| s == i))
            .map(|(_, f)| f.clone())
            .collect();
        let label = report.verdict.as_ref().map(|v| {
            if suppressed.is_empty() {
                v.label
            } else {
                assay::verdict::judge(&kept).label
            }
        });
        let blocked = if of.project.is_some_and(|p| self.denies(p)) {
            Some("the project is on the deny list".to_owned())
        } else if (label.is_none() || !report.errors.is_empty()) && !self.allow_unscannable {
            let why = report
                .errors
                .first()
                .map(|e| assay::report::escape_controls(e))
                .unwrap_or_else(|| "unreadable".to_owned());
            Some(format!("could not be fully scanned ({why})"))
        } else {
            match (label, self.fail_on) {
                (Some(label), Some(threshold)) if label >= threshold => {
                    Some(format!("{} ({})", label.as_str(), strongest_rules(&kept)))
                }
                _ => None,
            }
        };
        Judgement {
            label,
            blocked,
            suppressed,
        }
    }
}

impl Policy {
    /// The findings of `report` an ignore entry accepts: each finding's
    /// index and the first matching entry's reason.
    pub fn suppressions(&self, of: &Subject<'_>, report: &ArtifactReport) -> Vec<(usize, String)> {
        report
            .findings
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                self.ignore
                    .iter()
                    .find(|entry| entry.accepts(of, f))
                    .map(|entry| (i, entry.reason.clone()))
            })
            .collect()
    }
}

/// `AY104 exec-decoded-payload, AY301 …`: the distinct rules of the
/// strongest findings, strongest first.
fn strongest_rules(findings: &[Finding]) -> String {
    let mut sorted: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .collect();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let mut named: Vec<String> = Vec::new();
    for f in sorted {
        let label = format!("{} {}", f.rule, f.slug);
        if !named.contains(&label) {
            named.push(label);
        }
    }
    let more = named.len().saturating_sub(REASON_RULES);
    named.truncate(REASON_RULES);
    if more > 0 {
        named.push(format!("{more} more"));
    }
    named.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use assay::Location;

    fn finding(rule: &'static str, slug: &'static str, severity: Severity) -> Finding {
        Finding {
            rule,
            slug,
            severity,
            message: "found".to_owned(),
            location: Location::file("demo-1.0/setup.py"),
            context: None,
            excerpt: None,
            decoded: None,
            value_kind: assay::finding::ValueKind::Value,
            via: None,
        }
    }

    fn report(findings: Vec<Finding>) -> ArtifactReport {
        let mut report =
            ArtifactReport::unreadable(std::path::Path::new("demo-1.0.tar.gz"), String::new());
        report.errors.clear();
        report.verdict = Some(assay::verdict::judge(&findings));
        report.findings = findings;
        report
    }

    const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn subject() -> Subject<'static> {
        Subject {
            project: Some("Demo"),
            version: Some("1.0"),
            sha256: Some(SHA),
        }
    }

    #[test]
    fn the_threshold_decides_and_the_reason_names_the_rules() {
        let malicious = report(vec![
            finding("AY104", "exec-decoded-payload", Severity::Critical),
            finding("AY101", "install-time-execution", Severity::Medium),
        ]);
        let judged = Policy::default().judge(&subject(), &malicious);
        assert_eq!(judged.label, Some(VerdictLabel::Malicious));
        assert_eq!(
            judged.blocked.as_deref(),
            Some("malicious (AY104 exec-decoded-payload, AY101 install-time-execution)")
        );
        let lenient = Policy {
            fail_on: None,
            ..Policy::default()
        };
        assert_eq!(lenient.judge(&subject(), &malicious).blocked, None);
        let clean = report(vec![finding(
            "AY101",
            "install-time-execution",
            Severity::Low,
        )]);
        assert_eq!(Policy::default().judge(&subject(), &clean).blocked, None);
    }

    #[test]
    fn ignore_entries_suppress_only_what_they_match() {
        let malicious = report(vec![finding(
            "AY104",
            "exec-decoded-payload",
            Severity::Critical,
        )]);
        let with = |entry: Ignore| Policy {
            ignore: vec![entry],
            ..Policy::default()
        };
        let by_hash = Ignore::new(
            Some("demo"),
            Some(">=1,<2"),
            Some("setup.py"),
            Some("AY104"),
            Some(SHA),
            "reviewed",
        )
        .expect("valid");
        let judged = with(by_hash).judge(&subject(), &malicious);
        assert_eq!(judged.blocked, None);
        assert_eq!(judged.label, Some(VerdictLabel::Clean));
        assert_eq!(judged.suppressed, vec![(0, "reviewed".to_owned())]);
        for entry in [
            Ignore::new(None, None, None, None, Some(&"0".repeat(64)), "other file"),
            Ignore::new(Some("other"), None, None, None, None, "other project"),
            Ignore::new(None, Some("2.0"), None, None, None, "other version"),
            Ignore::new(None, None, None, Some("AY301"), None, "other rule"),
            Ignore::new(None, None, Some("x/setup.py"), None, None, "other path"),
        ] {
            let entry = entry.expect("valid");
            let judged = with(entry.clone()).judge(&subject(), &malicious);
            assert!(judged.blocked.is_some(), "{entry:?}");
            assert!(judged.suppressed.is_empty(), "{entry:?}");
        }
    }

    #[test]
    fn unscannable_files_and_denied_names_are_blocked() {
        let unreadable =
            ArtifactReport::unreadable(std::path::Path::new("x.whl"), "bad zip".to_owned());
        let judged = Policy::default().judge(&subject(), &unreadable);
        assert_eq!(
            judged.blocked.as_deref(),
            Some("could not be fully scanned (bad zip)")
        );
        let open = Policy {
            allow_unscannable: true,
            ..Policy::default()
        };
        assert_eq!(open.judge(&subject(), &unreadable).blocked, None);
        let deny = Policy {
            deny: vec!["demo".to_owned()],
            ..Policy::default()
        };
        let clean = report(Vec::new());
        assert!(deny.denies("DEMO"));
        assert_eq!(
            deny.judge(&subject(), &clean).blocked.as_deref(),
            Some("the project is on the deny list")
        );
    }
}
