//! Every rule against its positive and negative fixtures, with snapshots.
//!
//! Fixtures live in `tests/fixtures/rules/<ID>-<pos|neg>-<case>.txt` as
//! package specs (see `support/mod.rs`). A positive fixture must make its
//! rule fire at the `expect:` severity or above (default: any severity); a
//! negative one must not make it fire above `allow:` (default: not at all).

mod support;

use std::path::Path;

use assay::Severity;
use assay::rules::RULES;

fn severity(name: &str) -> Severity {
    match name {
        "info" => Severity::Info,
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        "critical" => Severity::Critical,
        other => panic!("unknown severity {other}"),
    }
}

fn load_fixtures() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("fixture text"))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_rule_has_positive_and_negative_fixtures() {
    let names: Vec<String> = load_fixtures().into_iter().map(|(n, _)| n).collect();
    for rule in RULES {
        let id = rule.meta().id;
        for polarity in ["pos", "neg"] {
            let prefix = format!("{id}-{polarity}-");
            assert!(
                names.iter().any(|n| n.starts_with(&prefix)),
                "{id} has no {polarity} fixture"
            );
        }
    }
}

#[test]
fn fixtures_fire_as_labelled() {
    let mut failures = Vec::new();
    for (name, text) in load_fixtures() {
        let mut parts = name.splitn(3, '-');
        let (id, polarity) = (parts.next().unwrap(), parts.next().unwrap());
        assert!(
            RULES.iter().any(|r| r.meta().id == id),
            "{name}: no rule {id}"
        );
        let spec = support::Spec::parse(&text);
        let report = spec.scan();
        let of_rule: Vec<Severity> = report
            .findings
            .iter()
            .filter(|f| f.rule == id)
            .map(|f| f.severity)
            .collect();
        let strongest = of_rule.iter().max().copied();
        match polarity {
            "pos" => {
                let expect = spec.get("expect").map_or(Severity::Info, severity);
                if strongest.is_none_or(|s| s < expect) {
                    failures.push(format!(
                        "{name}: expected {id} at {expect} or above, got {strongest:?}\n{}",
                        support::render(&report)
                    ));
                }
            }
            "neg" => {
                let allowed = spec.get("allow").map(severity);
                if strongest.is_some_and(|s| allowed.is_none_or(|a| s > a)) {
                    failures.push(format!(
                        "{name}: {id} fired at {strongest:?}\n{}",
                        support::render(&report)
                    ));
                }
                if let Some(label) = spec.get("verdict") {
                    let got = report.verdict.as_ref().map(|v| v.label.as_str());
                    if got != Some(label) {
                        failures.push(format!("{name}: verdict {got:?}, expected {label}"));
                    }
                }
            }
            other => panic!("{name}: polarity must be pos or neg, not {other}"),
        }
        if let Some(label) = spec.get("verdict").filter(|_| polarity == "pos") {
            let got = report.verdict.as_ref().map(|v| v.label.as_str());
            if got != Some(label) {
                failures.push(format!(
                    "{name}: verdict {got:?}, expected {label}\n{}",
                    support::render(&report)
                ));
            }
        }
        insta::assert_snapshot!(name.clone(), support::render(&report));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rule_docs_are_complete_and_ids_stable() {
    let mut ids = std::collections::HashSet::new();
    let mut slugs = std::collections::HashSet::new();
    for rule in RULES {
        let m = rule.meta();
        assert!(ids.insert(m.id), "duplicate id {}", m.id);
        assert!(slugs.insert(m.slug), "duplicate slug {}", m.slug);
        assert!(
            m.id.len() == 5
                && m.id.starts_with("AY")
                && m.id[2..].chars().all(|c| c.is_ascii_digit()),
            "{}",
            m.id
        );
        assert!(
            m.slug.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            m.slug
        );
        for section in ["What it finds", "Why it matters", "Example", "References"] {
            let text = m.section(section).unwrap_or_default();
            assert!(text.len() > 20, "{} lacks a `## {section}` section", m.id);
        }
        assert!(
            !m.summary().is_empty() && !m.summary().starts_with('#'),
            "{} lacks a summary line",
            m.id
        );
    }
    let ordered: Vec<&str> = RULES.iter().map(|r| r.meta().id).collect();
    let mut sorted = ordered.clone();
    sorted.sort_unstable();
    assert_eq!(ordered, sorted, "RULES must be in id order");
}
