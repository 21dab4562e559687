//! End-to-end tests of user YARA rules (`--yara`, issue 13): the real
//! binary with the example rules shipped in `docs/yara/`, and with rule
//! files written by the test, against packages built from the rule
//! fixtures in a temporary folder.

#[path = "../../assay/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};

use assay::report::json::{Artifact, Document, Finding};
use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/yara/examples.yar")
}

/// Builds the rule fixture `name` into `dir`; returns the artifact's path.
fn build(dir: &Path, name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../assay/tests/fixtures/rules")
        .join(format!("{name}.txt"));
    let spec = support::Spec::parse(&std::fs::read_to_string(path).expect("fixture"));
    let (file_name, bytes) = spec.build();
    let target = dir.join(file_name);
    std::fs::write(&target, bytes).unwrap();
    target
}

fn assay(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("assay").unwrap();
    command.current_dir(dir).env("NO_COLOR", "1");
    command
}

/// The findings of user YARA rules (AY990) in `artifact`.
fn yara_hits(artifact: &Artifact) -> Vec<&Finding> {
    artifact
        .findings
        .iter()
        .filter(|f| f.rule == "AY990")
        .collect()
}

fn scan_json(dir: &Path, target: &Path, rules: &[&Path]) -> (Document, Option<i32>) {
    let mut command = assay(dir);
    command.args(["scan", "--format", "json"]);
    for rules in rules {
        command.arg("--yara").arg(rules);
    }
    let output = command.arg(target).output().unwrap();
    let document = serde_json::from_slice(&output.stdout).expect("JSON");
    (document, output.status.code())
}

#[test]
fn a_rule_sees_the_payload_behind_encoding_layers() {
    let dir = TempDir::new().unwrap();
    let target = build(dir.path(), "AY990-pos-shell-in-decoded-payload");
    let (document, code) = scan_json(dir.path(), &target, &[&examples()]);
    let artifact = &document.artifacts[0];
    let hit = *yara_hits(artifact).first().expect("an AY990 finding");
    assert_eq!(hit.severity, "critical");
    assert!(
        hit.message.contains("`Python_Socket_Shell`"),
        "{}",
        hit.message
    );
    assert!(
        hit.message.contains("[python, execution]"),
        "{}",
        hit.message
    );
    assert!(hit.message.contains("zlib"), "{}", hit.message);
    assert_eq!(hit.location.path, "pkg/__init__.py");
    assert_eq!(hit.location.line, Some(4), "the line that decodes it");
    assert_eq!(code, Some(1));

    // The same package without the rules: no AY990.
    let (document, _) = scan_json(dir.path(), &target, &[]);
    assert!(yara_hits(&document.artifacts[0]).is_empty());
}

#[test]
fn matches_are_in_text_and_sarif_with_the_rules_severity() {
    let dir = TempDir::new().unwrap();
    let target = build(dir.path(), "AY990-pos-webhook-in-data-file");
    let (document, code) = scan_json(dir.path(), &target, &[&examples()]);
    let artifact = &document.artifacts[0];
    let hit = *yara_hits(artifact).first().expect("an AY990 finding");
    assert_eq!(hit.severity, "high");
    assert!(hit.location.path.ends_with("pkg/settings.json"));
    assert_eq!(hit.location.line, Some(1));
    assert!(hit.excerpt.as_deref().unwrap_or("").contains("$discord"));
    assert_eq!(
        artifact.verdict.as_ref().map(|v| v.label.as_str()),
        Some("suspicious")
    );
    assert_eq!(code, Some(0), "only malicious fails by default");

    assay(dir.path())
        .arg("scan")
        .arg("--yara")
        .arg(examples())
        .arg(&target)
        .assert()
        .stdout(
            predicate::str::contains("AY990")
                .and(predicate::str::contains("Chat_Webhook_Exfiltration")),
        );
    let sarif = assay(dir.path())
        .args([
            "scan",
            "--format",
            "sarif",
            "--sarif-level",
            "all",
            "--yara",
        ])
        .arg(examples())
        .arg(&target)
        .output()
        .unwrap();
    let log: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("SARIF");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "AY990"));
}

#[test]
fn a_folder_of_rules_is_read_recursively_and_each_file_is_a_namespace() {
    let dir = TempDir::new().unwrap();
    let target = build(dir.path(), "AY990-neg-socket-server-and-invite-link");
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(rules.join("team")).unwrap();
    // The same rule name in two files, one of them in a sub-folder; a
    // file with another extension is not read.
    let rule = |severity: &str| {
        format!(
            "rule Invite_Link {{ meta: severity = \"{severity}\" strings: $a = \"discord.com/invite/\" condition: $a }}\n"
        )
    };
    std::fs::write(rules.join("a.yar"), rule("low")).unwrap();
    std::fs::write(rules.join("team/b.yara"), rule("high")).unwrap();
    std::fs::write(rules.join("notes.txt"), "not a rule").unwrap();
    let (document, _) = scan_json(dir.path(), &target, &[&rules]);
    let mut severities: Vec<&str> = yara_hits(&document.artifacts[0])
        .iter()
        .map(|f| f.severity.as_str())
        .collect();
    severities.sort();
    assert_eq!(severities, ["high", "low"]);
}

#[test]
fn a_syntax_error_is_a_usage_error_naming_the_file_and_line() {
    let dir = TempDir::new().unwrap();
    let target = build(dir.path(), "AY990-neg-socket-server-and-invite-link");
    let bad = dir.path().join("broken.yar");
    std::fs::write(&bad, "rule Fine { condition: true }\n\nrule Broken {\n  strings: $a = \"x\"\n  condition: $b\n}\n").unwrap();
    assay(dir.path())
        .args(["scan", "--yara"])
        .arg(&bad)
        .arg(&target)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("broken.yar:5"));
}

#[test]
fn a_severity_that_is_not_one_is_a_usage_error() {
    let dir = TempDir::new().unwrap();
    let target = build(dir.path(), "AY990-neg-socket-server-and-invite-link");
    let bad = dir.path().join("loud.yar");
    std::fs::write(
        &bad,
        "rule Loud { meta: severity = \"urgent\" condition: true }\n",
    )
    .unwrap();
    assay(dir.path())
        .args(["scan", "--yara"])
        .arg(&bad)
        .arg(&target)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("`Loud`")
                .and(predicate::str::contains("loud.yar"))
                .and(predicate::str::contains("\"urgent\"")),
        );
}

#[test]
fn missing_rules_and_empty_folders_are_usage_errors() {
    let dir = TempDir::new().unwrap();
    let target = build(dir.path(), "AY990-neg-socket-server-and-invite-link");
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    assay(dir.path())
        .args(["scan", "--yara", "empty"])
        .arg(&target)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no YARA rule files"));
    assay(dir.path())
        .args(["scan", "--yara", "absent.yar"])
        .arg(&target)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("absent.yar"));
}

#[test]
fn a_rule_without_a_severity_is_medium() {
    let dir = TempDir::new().unwrap();
    let target = build(dir.path(), "AY990-neg-socket-server-and-invite-link");
    let rules = dir.path().join("plain.yar");
    std::fs::write(
        &rules,
        "rule Invite_Link { meta: author = \"team\" strings: $a = \"discord.com/invite/\" condition: $a }\n",
    )
    .unwrap();
    let (document, _) = scan_json(dir.path(), &target, &[&rules]);
    let hits = yara_hits(&document.artifacts[0]);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].severity, "medium");
    assert!(
        hits[0].message.contains("author=\"team\""),
        "{}",
        hits[0].message
    );
}

#[test]
fn the_scanning_limits_apply_to_the_rules() {
    let dir = TempDir::new().unwrap();
    let target = build(dir.path(), "AY990-pos-webhook-in-data-file");
    let hits_with = |limit: &str| {
        let output = assay(dir.path())
            .args([
                "scan",
                "--format",
                "json",
                "--max-file-bytes",
                limit,
                "--yara",
            ])
            .arg(examples())
            .arg(&target)
            .output()
            .unwrap();
        let document: Document = serde_json::from_slice(&output.stdout).expect("JSON");
        yara_hits(&document.artifacts[0]).len()
    };
    // The webhook sits in a 121-byte JSON file: a limit below its size
    // skips the file, for the rules as for the engine.
    assert_eq!(hits_with("1MiB"), 1);
    assert_eq!(hits_with("100"), 0);
}
