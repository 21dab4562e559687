//! The SARIF printer: SARIF 2.1.0, as code-scanning platforms read it.
//!
//! One run. `tool.driver.rules` lists every rule assay has, with its
//! documentation; each finding is one result whose location is
//! `<artifact>/<path inside the artifact>` as a URI reference (relative
//! when the artifact was given as a relative path, `file:` otherwise), and
//! whose region always has a `startLine` (1 for findings about a whole
//! file), because some consumers reject results without one. Artifacts that
//! could not be fully scanned become error notifications of the invocation,
//! which is then not `executionSuccessful`.

use std::io::{self, Write};
use std::path::{Component, Path};

use serde::Serialize;

use super::{Level, TOOL_NAME, TOOL_VERSION, message_with_via, rule_description};
use crate::finding::{Finding, Severity};
use crate::rules::{RULES, RuleMeta};
use crate::scan::ArtifactReport;
use crate::verdict::VerdictLabel;
use crate::via::Via;

/// The SARIF version written.
pub const SARIF_VERSION: &str = "2.1.0";

/// The schema the output conforms to (the OASIS errata 01 schema).
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// A SARIF log: the top-level object.
#[derive(Debug, Clone, Serialize)]
pub struct Log {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub version: &'static str,
    pub runs: Vec<Run>,
}

/// One run of the tool.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub tool: Tool,
    pub invocations: Vec<Invocation>,
    pub results: Vec<SarifResult>,
    /// Columns are counted in characters (code points), not UTF-16 units.
    pub column_kind: &'static str,
}

/// The tool that made the run.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub driver: Driver,
}

/// The tool's main component and its rules.
#[derive(Debug, Clone, Serialize)]
pub struct Driver {
    pub name: &'static str,
    pub version: &'static str,
    pub rules: Vec<Rule>,
}

/// A rule's metadata (`reportingDescriptor`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub id: &'static str,
    /// The rule's slug.
    pub name: &'static str,
    pub short_description: Message,
    pub full_description: Message,
    pub help: MarkdownMessage,
    pub default_configuration: Configuration,
    pub properties: RuleProperties,
}

/// A plain-text message.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub text: String,
}

/// A message with a Markdown form.
#[derive(Debug, Clone, Serialize)]
pub struct MarkdownMessage {
    pub text: String,
    pub markdown: String,
}

/// A rule's default `reportingConfiguration`.
#[derive(Debug, Clone, Serialize)]
pub struct Configuration {
    pub level: &'static str,
}

/// A rule's property bag.
#[derive(Debug, Clone, Serialize)]
pub struct RuleProperties {
    /// The rule's category.
    pub tags: Vec<&'static str>,
}

/// What happened while the tool ran.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    /// False when some artifact could not be fully scanned.
    pub execution_successful: bool,
    pub tool_execution_notifications: Vec<Notification>,
}

/// An error reading or analysing one artifact.
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub level: &'static str,
    pub message: Message,
    pub locations: Vec<Location>,
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    pub rule_id: &'static str,
    /// Index of the rule in `tool.driver.rules`; absent for a rule assay
    /// does not list (never the case for findings of a real scan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_index: Option<usize>,
    pub level: &'static str,
    pub message: Message,
    pub locations: Vec<Location>,
    /// Present when the user accepted the finding: code-scanning platforms
    /// show it as dismissed with the justification.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<SarifSuppression>,
    pub properties: ResultProperties,
}

/// A finding the user accepted (SARIF 2.1.0 §3.35).
#[derive(Debug, Clone, Serialize)]
pub struct SarifSuppression {
    /// Always `external`: the acceptance is in a configuration file or a
    /// baseline, not in the package's source.
    pub kind: &'static str,
    /// Always `accepted`.
    pub status: &'static str,
    /// The reason given.
    pub justification: String,
}

/// Details of a finding that SARIF has no field for.
#[derive(Debug, Clone, Serialize)]
pub struct ResultProperties {
    /// assay's own severity (`critical` … `info`).
    pub severity: &'static str,
    /// When the code runs (`install`, `startup`, `import`, `runtime`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<&'static str>,
    /// The value assay decoded or evaluated to reach the finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoded: Option<String>,
    /// What `decoded` is (`decoded`, `value`, `hashes`, `detail`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_kind: Option<&'static str>,
    /// The decoding chain, step by step, as in the JSON report's `via`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
    /// The verdict on the artifact the finding is in (`malicious`,
    /// `suspicious`, `clean`): what a finding means depends on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<&'static str>,
    /// That verdict's score, 0-100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
}

/// Which findings become SARIF results. Code-scanning platforms raise an
/// alert per result: a log with a result for every low finding of every
/// clean package drowns the few that matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SarifPolicy {
    /// Results only for artifacts whose verdict is at or above this;
    /// `None`: every artifact.
    pub min_verdict: Option<VerdictLabel>,
    /// Results only for findings at or above this severity.
    pub min_severity: Severity,
}

impl SarifPolicy {
    /// Every finding of every artifact.
    pub const ALL: SarifPolicy = SarifPolicy {
        min_verdict: None,
        min_severity: Severity::Info,
    };

    /// Whether the finding at `index` of `report` becomes a result. A
    /// suppressed finding does whatever the verdict: it was accepted
    /// because it mattered, and the log shows it dismissed.
    fn includes(&self, report: &ArtifactReport, index: usize, finding: &Finding) -> bool {
        let verdict_ok = self
            .min_verdict
            .is_none_or(|min| report.verdict.as_ref().is_some_and(|v| v.label >= min));
        (verdict_ok || report.suppression_of(index).is_some())
            && finding.severity >= self.min_severity
    }
}

/// A location (only its physical part).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub physical_location: PhysicalLocation,
}

/// A file and, for results, a region in it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    pub artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
}

/// A file by URI.
#[derive(Debug, Clone, Serialize)]
pub struct ArtifactLocation {
    pub uri: String,
}

/// Lines and columns in a file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    /// 1-based, always present.
    pub start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<Message>,
}

impl Log {
    /// Builds the SARIF log for a scan, with a result for every finding.
    pub fn new(reports: &[ArtifactReport]) -> Log {
        Log::with_policy(reports, &SarifPolicy::ALL)
    }

    /// Builds the SARIF log for a scan, with results for the findings
    /// `policy` selects.
    pub fn with_policy(reports: &[ArtifactReport], policy: &SarifPolicy) -> Log {
        let rules = RULES.iter().map(|r| Rule::new(r.meta())).collect();
        let results = reports
            .iter()
            .flat_map(|report| {
                report
                    .findings
                    .iter()
                    .enumerate()
                    .filter(|(index, finding)| policy.includes(report, *index, finding))
                    .map(|(index, finding)| SarifResult::new(report, index, finding))
            })
            .collect();
        let notifications: Vec<Notification> = reports
            .iter()
            .flat_map(|report| {
                report.errors.iter().map(|error| Notification {
                    level: Level::Error.as_str(),
                    message: Message {
                        text: error.clone(),
                    },
                    locations: vec![Location::new(report, "", None)],
                })
            })
            .collect();
        Log {
            schema: SARIF_SCHEMA,
            version: SARIF_VERSION,
            runs: vec![Run {
                tool: Tool {
                    driver: Driver {
                        name: TOOL_NAME,
                        version: TOOL_VERSION,
                        rules,
                    },
                },
                invocations: vec![Invocation {
                    execution_successful: notifications.is_empty(),
                    tool_execution_notifications: notifications,
                }],
                results,
                column_kind: "unicodeCodePoints",
            }],
        }
    }
}

impl Rule {
    fn new(meta: &'static RuleMeta) -> Rule {
        let markdown = meta.markdown();
        Rule {
            id: meta.id,
            name: meta.slug,
            short_description: Message {
                text: meta.summary(),
            },
            full_description: Message {
                text: rule_description(meta),
            },
            help: MarkdownMessage {
                text: markdown.clone(),
                markdown,
            },
            default_configuration: Configuration {
                level: Level::of(meta.severity).as_str(),
            },
            properties: RuleProperties {
                tags: vec![meta.category.as_str()],
            },
        }
    }
}

impl SarifResult {
    fn new(report: &ArtifactReport, index: usize, finding: &Finding) -> SarifResult {
        let region = Region {
            start_line: finding.location.line.unwrap_or(1).max(1),
            start_column: finding
                .location
                .line
                .and(finding.location.column)
                .filter(|&c| c >= 1),
            snippet: finding.excerpt.clone().map(|text| Message { text }),
        };
        SarifResult {
            rule_id: finding.rule,
            rule_index: RULES.iter().position(|r| r.meta().id == finding.rule),
            level: Level::of(finding.severity).as_str(),
            message: Message {
                text: message_with_via(finding).into_owned(),
            },
            locations: vec![Location::new(report, &finding.location.path, Some(region))],
            suppressions: report
                .suppression_of(index)
                .map(|s| SarifSuppression {
                    kind: "external",
                    status: "accepted",
                    justification: s.reason.clone(),
                })
                .into_iter()
                .collect(),
            properties: ResultProperties {
                severity: finding.severity.as_str(),
                context: finding.context.map(|c| c.as_str()),
                decoded: finding.decoded.clone(),
                value_kind: finding.decoded.as_ref().map(|_| finding.value_kind.label()),
                via: finding.via.clone(),
                verdict: report.verdict.as_ref().map(|v| v.label.as_str()),
                score: report.verdict.as_ref().map(|v| v.score),
            },
        }
    }
}

impl Location {
    fn new(report: &ArtifactReport, inner_path: &str, region: Option<Region>) -> Location {
        Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: artifact_uri(&report.target, inner_path),
                },
                region,
            },
        }
    }
}

/// Writes the reports as a pretty-printed SARIF log and a newline.
pub fn write(out: &mut impl Write, reports: &[ArtifactReport]) -> io::Result<()> {
    write_with_policy(out, reports, &SarifPolicy::ALL)
}

/// [`write`], with results for the findings `policy` selects.
pub fn write_with_policy(
    out: &mut impl Write,
    reports: &[ArtifactReport],
    policy: &SarifPolicy,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &Log::with_policy(reports, policy))?;
    writeln!(out)
}

/// The URI of a file inside an artifact: `<target>/<inner path>`, each
/// segment percent-encoded. A relative target gives a relative reference
/// (`dist/pkg-1.0.tar.gz/pkg-1.0/setup.py`), an absolute one a `file:` URI.
fn artifact_uri(target: &Path, inner_path: &str) -> String {
    let mut segments: Vec<String> = Vec::new();
    let mut absolute = false;
    for component in target.components() {
        match component {
            Component::Prefix(prefix) => {
                // A Windows drive (`C:`) keeps its colon.
                segments.push(prefix.as_os_str().to_string_lossy().replace('\\', "/"));
                absolute = true;
            }
            Component::RootDir => absolute = true,
            Component::CurDir => {}
            Component::ParentDir => segments.push("..".to_owned()),
            Component::Normal(name) => segments.push(percent_encode(&name.to_string_lossy())),
        }
    }
    segments.extend(
        inner_path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_encode),
    );
    let path = segments.join("/");
    if absolute {
        format!("file:///{}", path.trim_start_matches('/'))
    } else {
        path
    }
}

/// Percent-encodes one path segment: everything but RFC 3986's unreserved
/// characters.
fn percent_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::report::fixtures;

    fn render(reports: &[ArtifactReport]) -> serde_json::Value {
        let mut out = Vec::new();
        write(&mut out, reports).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    /// The OASIS schema, vendored so tests need nothing outside the repo.
    fn validator() -> jsonschema::Validator {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/sarif-schema-2.1.0.json"
        );
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap()
    }

    fn assert_valid(log: &serde_json::Value) {
        let errors: Vec<String> = validator()
            .iter_errors(log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
    }

    #[test]
    fn snapshot() {
        let mut log = render(&fixtures::reports());
        let driver = &mut log["runs"][0]["tool"]["driver"];
        // The version changes with releases and the rules with every rule
        // written; the rules are checked one by one below.
        driver["version"] = "[version]".into();
        driver["rules"] = "[rules]".into();
        // Indexes into that list move when rules are added; they are
        // checked against RULES below.
        for result in log["runs"][0]["results"].as_array_mut().unwrap() {
            result["ruleIndex"] = "[index]".into();
        }
        insta::assert_json_snapshot!(log);
    }

    #[test]
    fn sarif_for_a_mostly_clean_scan_has_results_only_for_flagged_artifacts() {
        let reports = fixtures::reports();
        let policy = SarifPolicy {
            min_verdict: Some(VerdictLabel::Malicious),
            min_severity: Severity::Medium,
        };
        let log = Log::with_policy(&reports, &policy);
        let results = &log.runs[0].results;
        // The malicious sdist's three findings (medium and up); nothing of
        // the clean wheel or the suspicious folder.
        assert_eq!(results.len(), 3, "{results:#?}");
        for result in results {
            assert_eq!(result.properties.verdict, Some("malicious"));
            assert!(result.properties.score.is_some_and(|s| s >= 90));
        }
        let suspicious_and_up = SarifPolicy {
            min_verdict: Some(VerdictLabel::Suspicious),
            ..policy
        };
        assert_eq!(
            Log::with_policy(&reports, &suspicious_and_up).runs[0]
                .results
                .len(),
            4
        );
        // Everything: the clean wheel's info finding too.
        assert_eq!(Log::new(&reports).runs[0].results.len(), 5);
    }

    #[test]
    fn validates_against_the_schema() {
        assert_valid(&render(&fixtures::reports()));
        assert_valid(&render(&[]));
    }

    #[test]
    fn the_schema_check_catches_a_bad_log() {
        let mut log = render(&fixtures::reports());
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
            0.into();
        assert!(!validator().is_valid(&log));
    }

    #[test]
    fn lists_every_rule_with_its_docs() {
        let log = render(&[]);
        let rules = log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        assert_eq!(rules.len(), RULES.len());
        for (rule, descriptor) in RULES.iter().zip(rules) {
            let meta = rule.meta();
            assert_eq!(descriptor["id"], meta.id);
            assert_eq!(descriptor["name"], meta.slug);
            assert_eq!(descriptor["shortDescription"]["text"], meta.summary());
            assert_eq!(
                descriptor["fullDescription"]["text"],
                rule_description(meta)
            );
            let full = descriptor["fullDescription"]["text"].as_str().unwrap();
            assert!(!full.contains("## "), "one section only: {full}");
            assert_eq!(descriptor["help"]["markdown"], meta.markdown());
            assert_eq!(
                descriptor["defaultConfiguration"]["level"],
                Level::of(meta.severity).as_str()
            );
            assert_eq!(descriptor["properties"]["tags"][0], meta.category.as_str());
        }
    }

    #[test]
    fn every_result_has_a_start_line_and_a_known_rule() {
        let log = render(&fixtures::reports());
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 5);
        for result in results {
            let region = &result["locations"][0]["physicalLocation"]["region"];
            assert!(region["startLine"].as_u64().unwrap() >= 1, "{result}");
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(RULES[index].meta().id, result["ruleId"]);
        }
    }

    #[test]
    fn errors_make_the_invocation_unsuccessful() {
        let log = render(&fixtures::reports());
        let invocation = &log["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        assert_eq!(
            invocation["toolExecutionNotifications"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let clean = render(&fixtures::reports()[..2]);
        assert_eq!(
            clean["runs"][0]["invocations"][0]["executionSuccessful"],
            true
        );
    }

    #[test]
    fn installed_files_are_located_in_site_packages() {
        let log = render(&[fixtures::installed()]);
        assert_valid(&log);
        let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
        #[cfg(unix)]
        assert_eq!(
            location["artifactLocation"]["uri"],
            "file:///venv/lib/python3.12/site-packages/requests/__init__.py"
        );
    }

    #[test]
    fn uris() {
        let uri = |target: &str, inner: &str| artifact_uri(&PathBuf::from(target), inner);
        assert_eq!(
            uri("dist/pkg-1.0.tar.gz", "pkg-1.0/setup.py"),
            "dist/pkg-1.0.tar.gz/pkg-1.0/setup.py"
        );
        assert_eq!(
            uri("./src/odd pkg/", "a#b?.py"),
            "src/odd%20pkg/a%23b%3F.py"
        );
        assert_eq!(uri("../x.whl", ""), "../x.whl");
        assert_eq!(uri("c:x.whl", "é.py"), "c%3Ax.whl/%C3%A9.py");
        #[cfg(unix)]
        assert_eq!(
            uri("/tmp/pkg.whl", "pkg/__init__.py"),
            "file:///tmp/pkg.whl/pkg/__init__.py"
        );
    }
}
