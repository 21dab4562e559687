//! `assay rules` and `assay explain`.

use anyhow::{Result, bail};
use assay::report::rules as printer;
use assay::rules::{RULES, RuleMeta, find};

use crate::Status;
use crate::args::{ColorWhen, ExplainArgs, ListFormat, RulesArgs};
use crate::output::Output;

/// `assay rules`: every rule as a table or JSON.
pub fn list(args: &RulesArgs) -> Result<Status> {
    let mut output = Output::open(None, ColorWhen::Auto)?;
    let written = match args.format {
        ListFormat::Human => printer::write_table(output.writer()),
        ListFormat::Json => printer::write_json(output.writer()),
    };
    output.finish(written)?;
    Ok(Status::Success)
}

/// `assay explain RULE`: one rule's documentation.
pub fn explain(args: &ExplainArgs) -> Result<Status> {
    let Some(rule) = find(&args.rule) else {
        let suggestions: Vec<String> = close_matches(&args.rule)
            .iter()
            .map(|m| format!("{} ({})", m.id, m.slug))
            .collect();
        let hint = if suggestions.is_empty() {
            String::new()
        } else {
            format!("; did you mean {}?", suggestions.join(", "))
        };
        bail!(
            "no rule `{}`{hint} (`assay rules` lists them all)",
            assay::report::printable(&args.rule, 60)
        );
    };
    let mut output = Output::open(None, ColorWhen::Auto)?;
    let color = output.color();
    let written = printer::write_explanation(output.writer(), rule.meta(), color);
    output.finish(written)?;
    Ok(Status::Success)
}

/// Rules whose id or slug is a few edits away from `query`, or contains it.
fn close_matches(query: &str) -> Vec<&'static RuleMeta> {
    let query = query.to_ascii_lowercase();
    let mut scored: Vec<(usize, &'static RuleMeta)> = RULES
        .iter()
        .map(|r| r.meta())
        .filter_map(|meta| {
            let id = meta.id.to_ascii_lowercase();
            let distance = edit_distance(&query, &id).min(edit_distance(&query, meta.slug));
            let contains = query.len() >= 3 && (meta.slug.contains(&query) || id.contains(&query));
            let near = distance <= (query.len() / 3).max(2);
            (near || contains).then_some((distance, meta))
        })
        .collect();
    scored.sort_by_key(|&(distance, meta)| (distance, meta.id));
    scored.into_iter().take(5).map(|(_, meta)| meta).collect()
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ay101", "ay101"), 0);
    }

    #[test]
    fn close_matches_find_typos_and_fragments() {
        let ids = |q: &str| close_matches(q).iter().map(|m| m.id).collect::<Vec<_>>();
        assert_eq!(ids("AY10")[0], "AY101");
        assert!(ids("reverse-shel").contains(&"AY103"));
        assert!(ids("shell").contains(&"AY103"));
        assert!(ids("zzzzzzzzzzzz").is_empty());
    }
}
