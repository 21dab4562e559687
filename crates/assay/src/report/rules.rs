//! Printers for the rule set itself: the table and JSON list of
//! `assay rules`, and the plain-text documentation of `assay explain`.

use std::io::{self, Write};

use owo_colors::{OwoColorize, Style};
use serde::{Deserialize, Serialize};

use super::json::SCHEMA_VERSION;
use super::rule_set_version;
use crate::rules::{RULES, RuleMeta};

/// The JSON document of `assay rules --format json`. It follows the same
/// versioning as the scan document ([`SCHEMA_VERSION`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleList {
    pub schema_version: String,
    pub rule_set_version: String,
    /// Every rule, in id order.
    pub rules: Vec<RuleEntry>,
}

/// One rule in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleEntry {
    /// Stable id (`AY101`).
    pub id: String,
    /// Stable kebab-case name (`install-time-execution`).
    pub slug: String,
    /// The family (`execution`, `credential-access`, ...).
    pub category: String,
    /// The severity of the rule's strongest finding.
    pub severity: String,
    /// One sentence saying what the rule finds.
    pub summary: String,
}

impl RuleList {
    /// Lists every rule assay has.
    pub fn new() -> RuleList {
        RuleList {
            schema_version: SCHEMA_VERSION.to_owned(),
            rule_set_version: rule_set_version(),
            rules: RULES.iter().map(|r| RuleEntry::new(r.meta())).collect(),
        }
    }
}

impl Default for RuleList {
    fn default() -> Self {
        Self::new()
    }
}

impl RuleEntry {
    fn new(meta: &RuleMeta) -> RuleEntry {
        RuleEntry {
            id: meta.id.to_owned(),
            slug: meta.slug.to_owned(),
            category: meta.category.as_str().to_owned(),
            severity: meta.severity.as_str().to_owned(),
            summary: meta.summary(),
        }
    }
}

/// Writes every rule as a table: id, slug, category, severity, summary.
pub fn write_table(out: &mut impl Write) -> io::Result<()> {
    let list = RuleList::new();
    let header = RuleEntry {
        id: "ID".into(),
        slug: "SLUG".into(),
        category: "CATEGORY".into(),
        severity: "SEVERITY".into(),
        summary: "SUMMARY".into(),
    };
    let rows: Vec<&RuleEntry> = std::iter::once(&header).chain(&list.rules).collect();
    let width = |column: fn(&RuleEntry) -> &str| {
        rows.iter()
            .map(|r| column(r).chars().count())
            .max()
            .unwrap_or(0)
    };
    let (id, slug, category, severity) = (
        width(|r| &r.id),
        width(|r| &r.slug),
        width(|r| &r.category),
        width(|r| &r.severity),
    );
    for row in rows {
        let line = format!(
            "{:<id$}  {:<slug$}  {:<category$}  {:<severity$}  {}",
            row.id, row.slug, row.category, row.severity, row.summary
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// Writes the rule list as pretty-printed JSON and a newline.
pub fn write_json(out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &RuleList::new())?;
    writeln!(out)
}

/// Writes a rule's documentation as plain text under a header with its id,
/// slug, category and severity. Markdown headings become underlined
/// titles and fenced code is indented.
pub fn write_explanation(out: &mut impl Write, meta: &RuleMeta, color: bool) -> io::Result<()> {
    let bold = |text: &str| {
        if color {
            text.style(Style::new().bold()).to_string()
        } else {
            text.to_owned()
        }
    };
    writeln!(out, "{}", bold(&format!("{} {}", meta.id, meta.slug)))?;
    writeln!(out, "category: {}", meta.category.as_str())?;
    writeln!(out, "severity: {}", meta.severity.as_str())?;
    writeln!(out)?;

    let mut in_code = false;
    for line in meta.markdown().lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        } else if in_code {
            writeln!(out, "    {line}")?;
        } else if let Some(heading) = line.strip_prefix('#').map(|h| h.trim_start_matches('#')) {
            let heading = heading.trim();
            writeln!(out, "{}", bold(heading))?;
            writeln!(out, "{}", "-".repeat(heading.chars().count()))?;
        } else {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::rules::Category;

    static SAMPLE: RuleMeta = RuleMeta {
        id: "AY999",
        slug: "sample-rule",
        category: Category::Execution,
        severity: Severity::High,
        doc: " Runs a sample.\n\n ## What it finds\n Samples.\n\n ## Example\n ```python\n exec(sample)\n ```\n",
    };

    fn render(write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn explanation() {
        let text = render(|out| write_explanation(out, &SAMPLE, false));
        insta::assert_snapshot!(text);
    }

    #[test]
    fn table_lists_every_rule_once() {
        let text = render(write_table);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("ID "));
        assert_eq!(lines.len(), RULES.len() + 1);
        for (rule, line) in RULES.iter().zip(&lines[1..]) {
            let meta = rule.meta();
            assert!(line.starts_with(meta.id), "{line}");
            assert!(line.contains(meta.slug), "{line}");
        }
    }

    #[test]
    fn json_reads_back() {
        let text = render(write_json);
        let list: RuleList = serde_json::from_str(&text).unwrap();
        assert_eq!(list, RuleList::new());
        assert_eq!(list.rules.len(), RULES.len());
    }
}
