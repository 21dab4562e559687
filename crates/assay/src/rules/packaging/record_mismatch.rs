use crate::artifact::{AnomalyKind, ArtifactKind, EntryAnomaly};
use crate::finding::{Finding, Severity};
use crate::rules::{PackageFacts, Rule, RuleMeta, anomalies_of, anomaly_finding, declare_rule};

declare_rule! {
    /// Files that disagree with the `RECORD` of their wheel or installed
    /// distribution, and installed files no distribution owns.
    ///
    /// ## What it finds
    /// In a wheel: files its `*.dist-info/RECORD` does not list, files
    /// whose SHA-256 or size differs from their `RECORD` line, `RECORD`
    /// lines naming files the wheel does not contain, and wheels with no
    /// `RECORD` at all.
    ///
    /// In an installed environment (`assay scan --env`): installed files
    /// whose hash or size no longer matches the distribution's `RECORD`
    /// (changed after install), listed files that are gone, listed paths
    /// and symbolic links that lead outside the environment, distributions
    /// without `RECORD`, and files in site-packages that no distribution
    /// lists (owned by nobody).
    ///
    /// ## Why it matters
    /// Build tools write `RECORD` from the files they pack, so a mismatch
    /// means the wheel was changed after it was built — the trace of a
    /// tampered or hand-assembled wheel. A changed or unlisted Python file is
    /// high (that is where injected code goes) when the rest of the wheel's
    /// code matches its `RECORD`; when most of it does not, the wheel was
    /// assembled by hand and every mismatch is medium. Other mismatches are
    /// medium, a listed file that is missing low.
    ///
    /// Installers write `RECORD` with the hash of every file they put in
    /// place, and nothing legitimate edits installed code afterwards. Malware
    /// that has run once persists by patching packages that are imported
    /// all the time (code appended to `requests/__init__.py`, a stealer
    /// injected into a Discord client library) or by dropping a `.pth` file
    /// or `sitecustomize.py` that runs at every interpreter start. So a
    /// Python source, `.pth` file or native library in site-packages that
    /// changed after install is high, whatever its content; a changed script
    /// or data file medium (prefix relocation by some installers rewrites
    /// launcher scripts). A code file linked or listed outside the
    /// environment is high (its content cannot be checked), other paths
    /// outside it medium. A `.pth` file or `sitecustomize` owned by no
    /// distribution is medium, other unowned code low, other files info;
    /// what such a file does is judged by the other rules, which read it
    /// as start-up code. Missing files and a missing `RECORD` are low:
    /// image slimming deletes tests and caches, and some system packagers
    /// ship no `RECORD`.
    ///
    /// ## Example
    /// ```text
    /// pkg/__init__.py,sha256=AAAA…,120      # RECORD
    /// pkg/__init__.py                        # in the wheel: 4,310 bytes, another hash
    /// ```
    ///
    /// ## References
    /// PEP 376, PEP 427 and PEP 627 (the `RECORD` file); MITRE ATT&CK
    /// T1195.002 (Compromise Software Supply Chain) and T1546.018 (Python
    /// Startup Hooks).
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
        let kinds = [
            NotInRecord,
            RecordMismatch,
            MissingFromArchive,
            Unowned,
            OutsideEnvironment,
        ];
        // A wheel whose RECORD matches most of its code but not a few
        // files was changed after it was built; one whose RECORD matches
        // little of it was assembled by hand (or by a broken tool), and its
        // RECORD says nothing about any one file.
        let code_files = facts.inventory.iter().filter(|f| is_code(&f.path)).count();
        let code_anomalies = anomalies_of(facts, &[NotInRecord, RecordMismatch])
            .filter(|a| is_code(&a.path))
            .count();
        let hand_built = code_anomalies * 2 > code_files;
        for a in anomalies_of(facts, &kinds) {
            let (what, severity) = if facts.kind == ArtifactKind::Installed {
                installed(a)
            } else {
                in_wheel(a, hand_built)
            };
            out.push(anomaly_finding(&Self::META, a, what, severity));
        }
    }
}

/// A Python source or a `.pth` file.
fn is_code(path: &str) -> bool {
    path.ends_with(".py") || path.ends_with(".pth")
}

fn in_wheel(a: &EntryAnomaly, hand_built: bool) -> (&'static str, Severity) {
    let weight = if is_code(&a.path) && !hand_built {
        Severity::High
    } else {
        Severity::Medium
    };
    match a.kind {
        AnomalyKind::NotInRecord => ("file not listed in RECORD", weight),
        AnomalyKind::RecordMismatch => ("file differs from its RECORD hash or size", weight),
        _ if a.path.ends_with("/RECORD") => ("wheel has no RECORD", Severity::Medium),
        _ => ("file listed in RECORD is missing", Severity::Low),
    }
}

fn installed(a: &EntryAnomaly) -> (&'static str, Severity) {
    let lower = a.path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let native = [".so", ".pyd", ".dylib", ".dll"]
        .iter()
        .any(|ext| name.ends_with(ext) || name.contains(".so."));
    let code = is_code(&lower) || lower.ends_with(".pyw") || native;
    let in_site_packages = !lower.starts_with("../");
    let startup =
        lower.ends_with(".pth") || matches!(name, "sitecustomize.py" | "usercustomize.py");
    match a.kind {
        AnomalyKind::RecordMismatch if code && in_site_packages => {
            ("installed file changed after install", Severity::High)
        }
        AnomalyKind::RecordMismatch => ("installed file changed after install", Severity::Medium),
        AnomalyKind::OutsideEnvironment if code => {
            ("code file outside the environment", Severity::High)
        }
        AnomalyKind::OutsideEnvironment => ("path outside the environment", Severity::Medium),
        AnomalyKind::Unowned if startup => (
            "start-up file owned by no installed distribution",
            Severity::Medium,
        ),
        AnomalyKind::Unowned if code || lower.ends_with(".pyc") => {
            ("code owned by no installed distribution", Severity::Low)
        }
        AnomalyKind::Unowned => ("file owned by no installed distribution", Severity::Info),
        AnomalyKind::NotInRecord => ("installed file not listed in RECORD", Severity::Low),
        _ if a.path.ends_with(".dist-info/RECORD") => {
            ("installed distribution has no RECORD", Severity::Low)
        }
        _ => ("installed file is missing", Severity::Low),
    }
}
