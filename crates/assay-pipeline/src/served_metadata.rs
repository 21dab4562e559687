//! The core metadata an index serves beside a wheel (PEP 658), which the
//! resolver reads instead of the wheel, checked against the wheel's own
//! `METADATA`, which the installer follows (issue 12).
//!
//! A difference in what decides an install (name, version,
//! `Requires-Python`, `Requires-Dist`) is an AY501 finding on the wheel's
//! report: the resolver and the installer read the same package two ways,
//! as with an archive entry two readers see differently. It is added after
//! the scan and never cached with the wheel's verdict: it is about the
//! index's file and the wheel together, and another index may serve the
//! same wheel honestly.

use assay::artifact::{Package, PackageFile};
use assay::finding::ValueKind;
use assay::{ArtifactReport, Location};

/// The rule the findings are reported under.
const RULE: &str = "AY501";

/// The wheel's `METADATA`: the first `*.dist-info/METADATA` one folder
/// deep, as the resolver reads it when the index serves no metadata.
pub(crate) fn wheel_metadata(package: &Package) -> Option<&PackageFile> {
    package
        .files
        .iter()
        .find(|f| f.path.ends_with(".dist-info/METADATA") && f.path.matches('/').count() == 1)
}

/// Adds a finding to `report` for each difference between `served` (the
/// index's file) and the wheel's `METADATA` at `path` (`inside`), and
/// judges the verdict again. Nothing changes when they agree.
pub(crate) fn check(report: &mut ArtifactReport, served: &[u8], path: &str, inside: &[u8]) {
    let differences = assay_deps::metadata_disagreement(served, inside);
    if differences.is_empty() {
        return;
    }
    let meta = assay::rules::RULES
        .iter()
        .map(|rule| rule.meta())
        .find(|meta| meta.id == RULE)
        .expect("AY501 is a registered rule");
    for difference in differences {
        let mut finding = meta.finding(
            Location::file(path),
            format!(
                "the index's metadata for this wheel (PEP 658, what resolvers read) and its METADATA (what installers follow) disagree: {path}"
            ),
        );
        finding.set_value(ValueKind::Detail, Some(difference));
        report.findings.push(finding);
    }
    report.findings.sort_by(|a, b| {
        (&a.location.path, a.location.line, a.rule).cmp(&(
            &b.location.path,
            b.location.line,
            b.rule,
        ))
    });
    report.verdict = Some(assay::verdict::judge(&report.findings));
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    const INSIDE: &[u8] =
        b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: requests\nRequires-Dist: evil-helper\n";

    fn clean_report() -> ArtifactReport {
        let mut report =
            ArtifactReport::unreadable(Path::new("demo-1.0-py3-none-any.whl"), String::new());
        report.errors.clear();
        report.verdict = Some(assay::verdict::judge(&[]));
        report
    }

    #[test]
    fn a_dependency_the_resolver_never_saw_is_a_finding() {
        let served = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: requests\n";
        let mut report = clean_report();
        check(&mut report, served, "demo-1.0.dist-info/METADATA", INSIDE);
        assert_eq!(report.findings.len(), 1);
        let finding = &report.findings[0];
        assert_eq!(finding.rule, RULE);
        assert_eq!(finding.location.path, "demo-1.0.dist-info/METADATA");
        assert!(
            finding
                .decoded
                .as_deref()
                .is_some_and(|d| d.contains("evil-helper")),
            "{finding:?}"
        );
        assert_ne!(report.verdict, Some(assay::verdict::judge(&[])));
    }

    #[test]
    fn agreeing_metadata_adds_nothing() {
        let served = b"Metadata-Version: 2.3\nName: Demo\nVersion: 1.0.0\nRequires-Dist: evil-helper\nRequires-Dist: requests\n";
        let mut report = clean_report();
        let before = report.verdict.clone();
        check(&mut report, served, "demo-1.0.dist-info/METADATA", INSIDE);
        assert!(report.findings.is_empty());
        assert_eq!(report.verdict, before);
    }
}
