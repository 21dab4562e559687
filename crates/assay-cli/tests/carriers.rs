//! End-to-end tests of code carried outside `.py` files (issue 13): the
//! real binary scans packages built from the rule fixtures in a temporary
//! folder: pickles, bytecode, commands, data files, polyglots and native
//! loaders, in JSON, text and SARIF.

#[path = "../../assay/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};

use assay::report::json::Document;
use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

/// Builds the rule fixture `name` into `dir`; returns the artifact's name.
fn build(dir: &Path, name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../assay/tests/fixtures/rules")
        .join(format!("{name}.txt"));
    let spec = support::Spec::parse(&std::fs::read_to_string(path).expect("fixture"));
    let (file_name, bytes) = spec.build();
    let target = dir.join(format!("{name}-{file_name}"));
    std::fs::write(&target, bytes).unwrap();
    target
}

fn assay(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("assay").unwrap();
    command.current_dir(dir).env_remove("NO_COLOR");
    command
}

/// Scans one fixture as JSON; checks the verdict, the rule and the exit code.
fn check(fixture: &str, rule: &str, label: &str) {
    let dir = TempDir::new().unwrap();
    let target = build(dir.path(), fixture);
    let output = assay(dir.path())
        .args(["scan", "--format", "json"])
        .arg(&target)
        .output()
        .unwrap();
    let document: Document = serde_json::from_slice(&output.stdout).expect("JSON");
    let artifact = &document.artifacts[0];
    assert_eq!(
        artifact.verdict.as_ref().map(|v| v.label.as_str()),
        Some(label),
        "{fixture}: {:?}",
        artifact.findings
    );
    assert!(
        artifact.findings.iter().any(|f| f.rule == rule),
        "{fixture}: no {rule} in {:?}",
        artifact.findings
    );
    // Only a malicious verdict fails a scan by default (`--fail-on malicious`).
    let code = if label == "malicious" { 1 } else { 0 };
    assert_eq!(output.status.code(), Some(code), "{fixture}");
    assay(dir.path())
        .arg("scan")
        .arg(&target)
        .assert()
        .stdout(predicate::str::contains(rule));
    let sarif = assay(dir.path())
        .args(["scan", "--format", "sarif", "--sarif-level", "all"])
        .arg(&target)
        .output()
        .unwrap();
    let log: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("SARIF");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == rule), "{fixture}");
}

#[test]
fn a_model_file_that_runs_a_command() {
    check("AY150-pos-torch-zip-loaded-on-import", "AY150", "malicious");
    check("AY150-pos-numpy-object-array", "AY150", "suspicious");
    check(
        "AY150-pos-reduce-before-broken-opcode",
        "AY150",
        "suspicious",
    );
}

#[test]
fn bytecode_without_source_is_analysed() {
    check("AY104-pos-pyc-311-exec-decoded", "AY104", "malicious");
    check("AY104-pos-pyc-27-exec-decoded", "AY104", "malicious");
}

#[test]
fn a_command_that_takes_a_tool_name() {
    check("AY520-pos-wheel-takes-sudo", "AY520", "suspicious");
}

#[test]
fn a_zip_after_an_image_on_sys_path() {
    check("AY420-pos-zip-in-png-on-sys-path", "AY420", "malicious");
}

#[test]
fn a_data_file_executed_on_import() {
    check("AY105-pos-data-file-exec-on-import", "AY105", "malicious");
    check("AY105-pos-pkgutil-get-data-exec", "AY105", "malicious");
}

#[test]
fn a_data_file_imported_through_zipimport() {
    check("AY105-pos-zipimport-of-data-file", "AY105", "malicious");
}

#[test]
fn a_bundled_program_started_on_import() {
    check(
        "AY151-pos-platform-wheel-starts-updater",
        "AY151",
        "suspicious",
    );
    check("AY151-pos-pth-loads-bundled-dll", "AY151", "suspicious");
}

#[test]
fn benign_carriers_are_clean() {
    let dir = TempDir::new().unwrap();
    let targets: Vec<PathBuf> = [
        "AY150-neg-torch-state-dict",
        "AY150-neg-sklearn-model",
        "AY104-neg-pyc-benign-313-312",
        "AY520-neg-own-and-plain-commands",
        "AY420-neg-plain-assets",
        "AY601-neg-main-option-autostart",
        "AY601-neg-main-guard-option-autostart",
        "AY150-neg-numpy-strings-loaded-on-import",
        "AY105-neg-zipimport-of-vendored-zip",
        "AY104-neg-marshal-data-constant",
        "AY151-neg-dll-directory-on-import",
    ]
    .iter()
    .map(|f| build(dir.path(), f))
    .collect();
    assay(dir.path())
        .arg("scan")
        .args(&targets)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "11 artifacts: 0 malicious, 0 suspicious, 11 clean",
        ));
}
