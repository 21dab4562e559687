//! The JSON printer: one document per scan, described field by field in
//! `docs/json-schema.md`.
//!
//! The document is built from the typed structs below, which also read it
//! back: every struct rejects unknown fields, so a test that round-trips the
//! output fails when the schema drifts from these definitions. Every key is
//! always present; values that are unknown are `null`.
//!
//! Versioning: [`SCHEMA_VERSION`] is the major version of the schema. Adding
//! a field keeps it; removing, renaming or changing the type or meaning of a
//! field bumps it.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use super::{Summary, TOOL_NAME, TOOL_VERSION, rule_set_version, variant_name};
use crate::finding;
use crate::scan::{self, ArtifactReport};
use crate::verdict;
use crate::via::Step;

/// The major version of the JSON schema.
pub const SCHEMA_VERSION: &str = "1";

/// The whole JSON document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// [`SCHEMA_VERSION`].
    pub schema_version: String,
    pub tool: Tool,
    /// See [`rule_set_version`].
    pub rule_set_version: String,
    /// One entry per artifact, in the order they were given.
    pub artifacts: Vec<Artifact>,
    pub summary: Summary,
    /// What the user should know about the scan as a whole and that belongs
    /// to no artifact (a dependency input's notes, an index override):
    /// omitted when there is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The program that wrote the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// One artifact's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// The path as given on the command line (lossily decoded when it is not
    /// UTF-8).
    pub target: String,
    /// `sdist`, `wheel`, `egg`, `directory` or `installed`; `null` when
    /// unreadable.
    pub kind: Option<String>,
    /// `tar-gz`, `tar-bz2`, `tar-xz`, `tar`, `zip` or `directory`.
    pub format: Option<String>,
    /// The distribution name from the package's metadata.
    pub name: Option<String>,
    /// The version from the package's metadata.
    pub version: Option<String>,
    /// Lower-case hex SHA-256 of the artifact file; `null` for folders.
    pub sha256: Option<String>,
    /// Size in bytes of the file (sum of file sizes for folders).
    pub size: Option<u64>,
    pub stats: Stats,
    /// `null` when the artifact could not be read at all.
    pub verdict: Option<Verdict>,
    pub findings: Vec<Finding>,
    /// Problems reading or analysing the artifact; non-empty means the scan
    /// of this artifact is incomplete.
    pub errors: Vec<String>,
    /// For an installed distribution, or the files of a site-packages
    /// folder that no distribution owns (`assay scan --env`); `null`
    /// otherwise.
    pub installed: Option<Installed>,
    /// For an artifact downloaded from a package index (a name, a
    /// requirements file or a lockfile was scanned); `null` otherwise.
    pub provenance: Option<Provenance>,
}

/// Where a downloaded artifact came from and why it was scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// The download URL, without credentials.
    pub url: Option<String>,
    /// The index that listed the file.
    pub index: Option<String>,
    /// Each chain of requirements that brought it in, from what was asked
    /// for down to this distribution.
    pub required_by: Vec<String>,
    /// Facts that need attention: the name is on several indexes
    /// (dependency-confusion risk), a yanked release, no digest to check.
    pub notes: Vec<String>,
}

/// Where an installed artifact is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Installed {
    /// The site-packages folder; finding paths are relative to it.
    pub site_packages: String,
    /// The environment's prefix: nothing outside it is read.
    pub prefix: String,
    /// How site-packages was found: `pyvenv-cfg`, `layout`,
    /// `site-packages` (given directly) or `interpreter`.
    pub located_by: String,
    /// The distribution's metadata folder relative to site-packages;
    /// `null` for the files no distribution owns.
    pub metadata_dir: Option<String>,
}

/// Counts of what was scanned in one artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stats {
    /// Regular files read.
    pub files: usize,
    /// Python sources (and `.pth` files) analysed.
    pub python_files: usize,
    /// Bytes of Python source analysed.
    pub python_bytes: u64,
}

/// The verdict on one artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    /// `clean`, `suspicious` or `malicious`.
    pub label: String,
    /// 0 to 100.
    pub score: u8,
    /// The evidence chain in words, strongest first.
    pub evidence: Vec<String>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// The rule id (`AY104`).
    pub rule: String,
    /// The rule slug (`exec-decoded-payload`).
    pub slug: String,
    /// `info`, `low`, `medium`, `high` or `critical`.
    pub severity: String,
    pub message: String,
    pub location: Location,
    /// `install`, `startup`, `import` or `runtime`; `null` outside code.
    pub context: Option<String>,
    /// The source line(s) the finding points at.
    pub excerpt: Option<String>,
    /// A value assay evaluated or decoded to reach the finding.
    pub decoded: Option<String>,
    /// What `decoded` is: `decoded` (it went through a decoder), `value`
    /// (a constant or a value evaluated from constants), `hashes`
    /// (expected and found digests) or `detail` (a fact about an archive
    /// entry); `null` when there is no value.
    pub value_kind: Option<String>,
    /// How the code reached the place reported, outermost step first
    /// (`[{"step": "decoder", "decoder": "base64"}, …]`); empty when the
    /// finding is not in a decoded or planted payload. Absent from
    /// documents written before it was added.
    #[serde(default)]
    pub via: Vec<Step>,
    /// Present when the user accepted the finding (a configuration file's
    /// ignore entry, or a baseline): it does not count in the verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppressed>,
}

/// Why a finding is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppressed {
    /// `config` (an ignore entry) or `baseline`.
    pub kind: String,
    /// The ignore entry's reason, or which baseline.
    pub reason: String,
}

/// Where a finding is inside its artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// `/`-separated path inside the artifact.
    pub path: String,
    /// 1-based line; `null` for findings about a whole file.
    pub line: Option<u32>,
    /// 1-based column in characters, when known.
    pub column: Option<u32>,
}

impl Document {
    /// Builds the document for a scan.
    pub fn new(reports: &[ArtifactReport]) -> Document {
        Document {
            schema_version: SCHEMA_VERSION.to_owned(),
            tool: Tool {
                name: TOOL_NAME.to_owned(),
                version: TOOL_VERSION.to_owned(),
            },
            rule_set_version: rule_set_version(),
            artifacts: reports.iter().map(Artifact::from).collect(),
            summary: Summary::of(reports),
            warnings: Vec::new(),
        }
    }
}

impl From<&ArtifactReport> for Artifact {
    fn from(report: &ArtifactReport) -> Artifact {
        Artifact {
            target: report.target.to_string_lossy().into_owned(),
            kind: report.kind.as_ref().map(variant_name),
            format: report.format.as_ref().map(variant_name),
            name: report.name.clone(),
            version: report.version.clone(),
            sha256: report.sha256.clone(),
            size: report.size,
            stats: Stats::from(&report.stats),
            verdict: report.verdict.as_ref().map(Verdict::from),
            findings: report
                .findings
                .iter()
                .enumerate()
                .map(|(index, finding)| Finding {
                    suppressed: report.suppression_of(index).map(|s| Suppressed {
                        kind: s.kind.as_str().to_owned(),
                        reason: s.reason.clone(),
                    }),
                    ..Finding::from(finding)
                })
                .collect(),
            errors: report.errors.clone(),
            installed: report.installed.as_ref().map(|i| Installed {
                site_packages: i.site_packages.to_string_lossy().into_owned(),
                prefix: i.prefix.to_string_lossy().into_owned(),
                located_by: i.located_by.as_str().to_owned(),
                metadata_dir: i.metadata_dir.clone(),
            }),
            provenance: report.provenance.as_ref().map(|p| Provenance {
                url: p.url.clone(),
                index: p.index.clone(),
                required_by: p.required_by.clone(),
                notes: p.notes.clone(),
            }),
        }
    }
}

impl From<&scan::ScanStats> for Stats {
    fn from(stats: &scan::ScanStats) -> Stats {
        Stats {
            files: stats.files,
            python_files: stats.python_files,
            python_bytes: stats.python_bytes,
        }
    }
}

impl From<&verdict::Verdict> for Verdict {
    fn from(verdict: &verdict::Verdict) -> Verdict {
        Verdict {
            label: verdict.label.as_str().to_owned(),
            score: verdict.score,
            evidence: verdict.evidence.clone(),
        }
    }
}

impl From<&finding::Finding> for Finding {
    fn from(finding: &finding::Finding) -> Finding {
        Finding {
            rule: finding.rule.to_owned(),
            slug: finding.slug.to_owned(),
            severity: finding.severity.as_str().to_owned(),
            message: finding.message.clone(),
            location: Location::from(&finding.location),
            context: finding.context.map(|c| c.as_str().to_owned()),
            excerpt: finding.excerpt.clone(),
            decoded: finding.decoded.clone(),
            value_kind: finding
                .decoded
                .as_ref()
                .map(|_| finding.value_kind.label().to_owned()),
            via: finding
                .via
                .as_ref()
                .map_or_else(Vec::new, |via| via.steps().to_vec()),
            suppressed: None,
        }
    }
}

impl From<&finding::Location> for Location {
    fn from(location: &finding::Location) -> Location {
        Location {
            path: location.path.clone(),
            line: location.line,
            column: location.column,
        }
    }
}

/// Writes the reports as one pretty-printed JSON document and a newline.
pub fn write(out: &mut impl Write, reports: &[ArtifactReport]) -> io::Result<()> {
    write_with_warnings(out, reports, &[])
}

/// [`write`], with the scan's warnings in the document's `warnings`.
pub fn write_with_warnings(
    out: &mut impl Write,
    reports: &[ArtifactReport],
    warnings: &[String],
) -> io::Result<()> {
    let mut stream = Stream::begin(out)?;
    for report in reports {
        stream.artifact(report)?;
    }
    stream.finish(warnings)
}

/// The JSON document written one artifact at a time, as each is scanned,
/// so that no report need be kept: the header first, then each artifact,
/// then the summary (counted along the way) and the warnings. The text is
/// the same as the [`Document`]'s, pretty-printed.
pub struct Stream<W: Write> {
    out: W,
    summary: Summary,
}

impl<W: Write> Stream<W> {
    /// Writes everything before the first artifact.
    pub fn begin(mut out: W) -> io::Result<Stream<W>> {
        let tool = Tool {
            name: TOOL_NAME.to_owned(),
            version: TOOL_VERSION.to_owned(),
        };
        write!(
            out,
            "{{\n  \"schema_version\": {},\n  \"tool\": {},\n  \"rule_set_version\": {},\n  \"artifacts\": [",
            serde_json::to_string(SCHEMA_VERSION)?,
            pretty_nested(&tool, 2)?,
            serde_json::to_string(&rule_set_version())?,
        )?;
        Ok(Stream {
            out,
            summary: Summary::default(),
        })
    }

    /// Writes one artifact's report.
    pub fn artifact(&mut self, report: &ArtifactReport) -> io::Result<()> {
        let separator = if self.summary.artifacts == 0 { "" } else { "," };
        self.summary.add(report);
        let text = serde_json::to_string_pretty(&Artifact::from(report))?;
        writeln!(self.out, "{separator}")?;
        for (i, line) in text.lines().enumerate() {
            if i > 0 {
                self.out.write_all(b"\n")?;
            }
            write!(self.out, "    {line}")?;
        }
        Ok(())
    }

    /// Writes the summary and the warnings, and closes the document.
    pub fn finish(mut self, warnings: &[String]) -> io::Result<()> {
        let close = if self.summary.artifacts == 0 {
            "]"
        } else {
            "\n  ]"
        };
        write!(
            self.out,
            "{close},\n  \"summary\": {}",
            pretty_nested(&self.summary, 2)?
        )?;
        if !warnings.is_empty() {
            write!(
                self.out,
                ",\n  \"warnings\": {}",
                pretty_nested(&warnings, 2)?
            )?;
        }
        self.out.write_all(b"\n}\n")
    }
}

/// A value pretty-printed as the member of an object nested `depth`
/// spaces deep: every line after the first indented by `depth`.
fn pretty_nested(value: &impl Serialize, depth: usize) -> io::Result<String> {
    let text = serde_json::to_string_pretty(value)?;
    let pad = " ".repeat(depth);
    Ok(text.replace('\n', &format!("\n{pad}")))
}

/// Writes one artifact's report as a line of JSON (JSON Lines: one
/// artifact per line, as each is scanned).
pub fn write_line(out: &mut impl Write, report: &ArtifactReport) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &Artifact::from(report))?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn the_streamed_document_is_the_documents_text() {
        for reports in [fixtures::reports(), Vec::new()] {
            for warnings in [vec![], vec!["a \"warning\"\nwith a newline".to_owned()]] {
                let mut streamed = Vec::new();
                write_with_warnings(&mut streamed, &reports, &warnings).unwrap();
                let mut document = Document::new(&reports);
                document.warnings = warnings;
                let mut whole = serde_json::to_vec_pretty(&document).unwrap();
                whole.push(b'\n');
                assert_eq!(
                    String::from_utf8(streamed).unwrap(),
                    String::from_utf8(whole).unwrap()
                );
            }
        }
    }

    #[test]
    fn json_lines_give_one_artifact_per_line() {
        let reports = fixtures::reports();
        let mut out = Vec::new();
        for report in &reports {
            write_line(&mut out, report).unwrap();
        }
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), reports.len());
        for (line, report) in lines.iter().zip(&reports) {
            let artifact: Artifact = serde_json::from_str(line).unwrap();
            assert_eq!(artifact, Artifact::from(report));
        }
    }

    fn render(reports: &[ArtifactReport]) -> String {
        let mut out = Vec::new();
        write(&mut out, reports).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn snapshot() {
        // The versions change with every release or rule; their values are
        // tested below.
        let text = render(&fixtures::reports())
            .replace(&rule_set_version(), "[rule-set-version]")
            .replace(
                &format!("\"version\": \"{TOOL_VERSION}\""),
                "\"version\": \"[version]\"",
            );
        insta::assert_snapshot!(text);
    }

    #[test]
    fn reads_back_into_the_typed_schema() {
        let reports = fixtures::reports();
        let document: Document = serde_json::from_str(&render(&reports)).unwrap();
        assert_eq!(document, Document::new(&reports));
        assert_eq!(document.schema_version, SCHEMA_VERSION);
        assert_eq!(document.tool.version, TOOL_VERSION);
        assert_eq!(document.rule_set_version, rule_set_version());
    }

    #[test]
    fn installed_origin_reads_back() {
        let reports = [fixtures::installed()];
        let document: Document = serde_json::from_str(&render(&reports)).unwrap();
        assert_eq!(document, Document::new(&reports));
        let installed = document.artifacts[0].installed.clone().unwrap();
        assert_eq!(
            installed.site_packages,
            "/venv/lib/python3.12/site-packages"
        );
        assert_eq!(installed.prefix, "/venv");
        assert_eq!(installed.located_by, "pyvenv-cfg");
        assert_eq!(
            installed.metadata_dir.as_deref(),
            Some("requests-2.32.3.dist-info")
        );
        assert_eq!(document.artifacts[0].kind.as_deref(), Some("installed"));
    }

    /// The example in `docs/json-schema.md` has exactly the fields of the
    /// structs: none unknown, none missing.
    #[test]
    fn the_documented_example_matches_the_schema() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/json-schema.md");
        let doc = std::fs::read_to_string(path).unwrap();
        let start = doc.find("```json\n").expect("an example") + "```json\n".len();
        let end = start + doc[start..].find("```").unwrap();
        let example: serde_json::Value = serde_json::from_str(&doc[start..end]).unwrap();
        let document: Document = serde_json::from_value(example.clone()).unwrap();
        assert_eq!(serde_json::to_value(&document).unwrap(), example);
        assert_eq!(document.schema_version, SCHEMA_VERSION);
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let mut value: serde_json::Value =
            serde_json::from_str(&render(&fixtures::reports())).unwrap();
        value["artifacts"][0]["findings"][0]["extra"] = true.into();
        let error = serde_json::from_value::<Document>(value).unwrap_err();
        assert!(
            error.to_string().contains("unknown field `extra`"),
            "{error}"
        );
    }

    #[test]
    fn every_key_is_present_even_when_unknown() {
        let value: serde_json::Value = serde_json::from_str(&render(&fixtures::reports())).unwrap();
        let unreadable = &value["artifacts"][3];
        for key in [
            "kind", "format", "name", "version", "sha256", "size", "verdict",
        ] {
            assert!(unreadable[key].is_null(), "{key} should be null");
        }
        let whole_file = &value["artifacts"][0]["findings"][1];
        assert!(whole_file["location"]["line"].is_null());
        assert!(whole_file["context"].is_null());
    }
}
