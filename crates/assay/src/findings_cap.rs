//! The cap on findings of one rule in one artifact: a wheel whose RECORD
//! has a bad line per file gave one finding per line (an 11.5 MB wheel,
//! 2.4 GB of JSON). Past the cap the strongest findings are kept, and one
//! summary finding of the rule says how many more there were.

use std::cmp::Reverse;
use std::collections::HashMap;

use crate::finding::{Finding, Location, Severity};

/// Keeps at most `max` findings of each rule (the most severe, then the
/// first in order), in their order, and appends one `info` finding per
/// rule that had more, counting the rest.
pub(crate) fn cap_per_rule(findings: Vec<Finding>, max: usize) -> Vec<Finding> {
    let mut by_rule: HashMap<&'static str, Vec<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        by_rule.entry(f.rule).or_default().push(i);
    }
    let mut over: Vec<(&'static str, Vec<usize>)> = by_rule
        .into_iter()
        .filter(|(_, indices)| indices.len() > max)
        .collect();
    if over.is_empty() {
        return findings;
    }
    over.sort_by_key(|(rule, _)| *rule);
    let mut keep = vec![true; findings.len()];
    let mut dropped: Vec<(&'static str, usize, usize)> = Vec::new();
    for (rule, mut indices) in over {
        indices.sort_by_key(|&i| (Reverse(findings[i].severity), i));
        for &i in &indices[max..] {
            keep[i] = false;
        }
        let first_dropped = indices[max..].iter().copied().min().unwrap_or(indices[0]);
        dropped.push((rule, indices.len() - max, first_dropped));
    }
    let summaries: Vec<Finding> = dropped
        .iter()
        .map(|&(rule, count, first)| {
            let example = &findings[first];
            Finding {
                rule,
                slug: example.slug,
                severity: Severity::Info,
                message: format!(
                    "{count} more {rule} findings in this artifact are not listed \
                     (at most {max} per rule are; the strongest are kept)"
                ),
                location: Location::file(example.location.path.clone()),
                context: None,
                excerpt: None,
                decoded: None,
                value_kind: Default::default(),
                via: None,
            }
        })
        .collect();
    let mut out: Vec<Finding> = findings
        .into_iter()
        .zip(keep)
        .filter_map(|(f, keep)| keep.then_some(f))
        .collect();
    out.extend(summaries);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Location;

    fn finding(rule: &'static str, severity: Severity, line: u32) -> Finding {
        Finding {
            rule,
            slug: "slug",
            severity,
            message: format!("at {line}"),
            location: Location::at("pkg/RECORD", line, 1),
            context: None,
            excerpt: None,
            decoded: None,
            value_kind: Default::default(),
            via: None,
        }
    }

    /// Issue 12: one finding per RECORD line (1,000 of one rule here) are
    /// cut to the cap plus one summary, keeping the most severe.
    #[test]
    fn thousand_findings_of_one_rule() {
        let mut findings: Vec<Finding> = (1..=1000)
            .map(|line| finding("AY502", Severity::Medium, line))
            .collect();
        findings[700].severity = Severity::High;
        findings.push(finding("AY101", Severity::Critical, 1));
        let capped = cap_per_rule(findings, 100);
        let kept: Vec<&Finding> = capped
            .iter()
            .filter(|f| f.rule == "AY502" && f.severity != Severity::Info)
            .collect();
        assert_eq!(kept.len(), 100);
        assert!(kept.iter().any(|f| f.location.line == Some(701)));
        assert_eq!(kept[0].location.line, Some(1));
        assert!(!kept.iter().any(|f| f.location.line == Some(100)));
        let summary = capped.last().unwrap();
        assert_eq!(summary.rule, "AY502");
        assert_eq!(summary.severity, Severity::Info);
        assert!(summary.message.starts_with("900 more AY502 findings"));
        assert!(capped.iter().any(|f| f.rule == "AY101"));
        assert_eq!(capped.len(), 102);
    }

    #[test]
    fn findings_within_the_cap_are_untouched() {
        let findings: Vec<Finding> = (1..=100)
            .map(|line| finding("AY502", Severity::Medium, line))
            .collect();
        assert_eq!(cap_per_rule(findings.clone(), 100), findings);
    }
}
