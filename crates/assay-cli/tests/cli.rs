//! End-to-end tests: the real `assay` binary in temporary folders.
//!
//! Tests marked `NEEDS THE READER` scan real packages built here, so they
//! check their results only once the archive/folder reader works; those
//! marked `NEEDS THE ANALYSIS` also need the Python analysis and rules.
//! Everything else holds whatever the reader and analysis find.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};

use assay::report::json::Document;
use assay::report::rules::RuleList;
use assay::rules::RULES;
use assert_cmd::Command;
use flate2::Compression;
use flate2::write::GzEncoder;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

fn assay(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("assay").unwrap();
    command.current_dir(dir).env_remove("NO_COLOR");
    command
}

/// Builds `name-version.tar.gz` in `dir` with the given files under the
/// sdist's top folder, plus a `PKG-INFO`. Nothing here is ever run.
fn sdist(dir: &Path, name: &str, version: &str, files: &[(&str, &str)]) -> PathBuf {
    let root = format!("{name}-{version}");
    let path = dir.join(format!("{root}.tar.gz"));
    let encoder = GzEncoder::new(File::create(&path).unwrap(), Compression::default());
    let mut tar = tar::Builder::new(encoder);
    let pkg_info = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    let all = std::iter::once(("PKG-INFO", pkg_info.as_str())).chain(files.iter().copied());
    for (file, text) in all {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, format!("{root}/{file}"), text.as_bytes())
            .unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
    path
}

/// A small, harmless package.
fn clean_sdist(dir: &Path) -> PathBuf {
    sdist(
        dir,
        "tidy",
        "1.0",
        &[
            (
                "setup.py",
                "from setuptools import setup\nsetup(name='tidy', version='1.0')\n",
            ),
            ("tidy/__init__.py", "def add(a, b):\n    return a + b\n"),
        ],
    )
}

/// A package whose setup.py runs a base64-decoded payload at install time.
/// The payload (`import os; os.system('id')`) is inert here: assay never
/// runs it, and the archive only exists in a temporary folder.
fn malicious_sdist(dir: &Path) -> PathBuf {
    sdist(
        dir,
        "evil",
        "0.1",
        &[(
            "setup.py",
            "import base64\nfrom setuptools import setup\n\
             exec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk='))\n\
             setup(name='evil', version='0.1')\n",
        )],
    )
}

fn stdout_json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

fn sarif_validator() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../assay/tests/data/sarif-schema-2.1.0.json"
    );
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

/// Checks a SARIF log against the schema and the promise that every result
/// has a start line.
fn assert_valid_sarif(log: &Value) {
    let errors: Vec<String> = sarif_validator()
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
    for result in log["runs"][0]["results"].as_array().unwrap() {
        let line = &result["locations"][0]["physicalLocation"]["region"]["startLine"];
        assert!(line.as_u64().unwrap() >= 1, "{result}");
    }
}

// ---- usage --------------------------------------------------------------

#[test]
fn help_lists_commands_and_exit_codes() {
    let dir = TempDir::new().unwrap();
    assay(dir.path())
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("scan"))
        .stdout(predicate::str::contains("explain"))
        .stdout(predicate::str::contains("Exit status"));
    assay(dir.path())
        .args(["scan", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--fail-on"))
        .stdout(predicate::str::contains("--max-total-bytes"))
        .stdout(predicate::str::contains("Exit status"));
}

#[test]
fn assay_help_describes_scan_with_names_requirements_and_lockfiles() {
    let dir = TempDir::new().unwrap();
    let output = assay(dir.path()).arg("--help").output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for kind in [
        "names on an index",
        "requirements",
        "lockfiles",
        "uv.lock",
        "--env",
    ] {
        assert!(help.contains(kind), "{kind}: {help}");
    }
    // The score is explained where the flags are.
    let output = assay(dir.path()).args(["scan", "--help"]).output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.contains("weight of the evidence"), "{help}");
}

#[test]
fn version() {
    let dir = TempDir::new().unwrap();
    assay(dir.path())
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn no_arguments_is_a_usage_error() {
    let dir = TempDir::new().unwrap();
    assay(dir.path()).assert().code(2).stdout("");
    assay(dir.path())
        .arg("scan")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("required"));
}

#[test]
fn bad_flag_values_are_usage_errors() {
    let dir = TempDir::new().unwrap();
    for args in [
        &["scan", "x", "--max-total-bytes", "12Q"][..],
        &["scan", "x", "--format", "xml"],
        &["scan", "x", "--fail-on", "sometimes"],
        &["scan", "x", "--jobs", "0"],
        &["scan", "x", "--quiet", "--verbose"],
    ] {
        assay(dir.path())
            .args(args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("error:"));
    }
}

// ---- unreadable inputs --------------------------------------------------

#[test]
fn a_missing_path_is_an_error_in_every_format() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("junk.whl"), b"not a zip").unwrap();

    let human = assay(dir.path())
        .args(["scan", "missing.tar.gz", "junk.whl"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(text.contains("missing.tar.gz  NOT SCANNED"), "{text}");
    assert!(text.contains("error: "), "{text}");
    assert!(
        text.contains("junk.whl"),
        "the other artifact is reported: {text}"
    );
    assert!(text.contains("2 artifacts:"), "{text}");

    let json = assay(dir.path())
        .args(["scan", "--format", "json", "missing.tar.gz", "junk.whl"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let document: Document = serde_json::from_slice(&json.stdout).unwrap();
    let targets: Vec<&str> = document
        .artifacts
        .iter()
        .map(|a| a.target.as_str())
        .collect();
    assert_eq!(targets, ["missing.tar.gz", "junk.whl"]);
    let missing = &document.artifacts[0];
    assert!(missing.verdict.is_none());
    assert!(
        missing.errors[0].contains("missing.tar.gz"),
        "{:?}",
        missing.errors
    );
    assert_eq!(document.summary.artifacts, 2);
    assert!(document.summary.errors >= 1);

    let sarif = assay(dir.path())
        .args(["scan", "--format", "sarif", "missing.tar.gz", "junk.whl"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let log = stdout_json(&sarif);
    assert_valid_sarif(&log);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notifications = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert!(notifications.iter().any(|n| {
        n["message"]["text"]
            .as_str()
            .unwrap()
            .contains("missing.tar.gz")
    }));
}

#[test]
fn fail_on_never_never_gives_1() {
    let dir = TempDir::new().unwrap();
    // Unscanned artifacts still give 2: they are not known to be safe.
    assay(dir.path())
        .args(["scan", "--fail-on", "never", "missing.whl"])
        .assert()
        .code(2);
    let evil = malicious_sdist(dir.path());
    let status = assay(dir.path())
        .args(["scan", "--fail-on", "never"])
        .arg(&evil)
        .output()
        .unwrap()
        .status;
    assert_ne!(status.code(), Some(1));
}

// ---- output destinations and colour -------------------------------------

#[test]
fn output_file_gets_the_report() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("report.json");
    assay(dir.path())
        .args(["scan", "--format", "json", "--output"])
        .arg(&out)
        .arg("missing.whl")
        .assert()
        .code(2)
        .stdout("");
    let document: Document = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(document.artifacts.len(), 1);
    assert_eq!(document.schema_version, assay::report::json::SCHEMA_VERSION);
}

#[test]
fn an_unwritable_output_file_is_an_error() {
    let dir = TempDir::new().unwrap();
    assay(dir.path())
        .args(["scan", "--output", "no/such/dir/report.txt", "missing.whl"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error: cannot create"))
        .stderr(predicate::str::contains("caused by:"));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let dir = TempDir::new().unwrap();
    let plain = assay(dir.path())
        .args(["scan", "missing.whl"])
        .output()
        .unwrap();
    assert!(!plain.stdout.contains(&0x1b), "not a terminal: no colour");
    let coloured = assay(dir.path())
        .args(["scan", "--color", "always", "missing.whl"])
        .output()
        .unwrap();
    assert!(coloured.stdout.contains(&0x1b));
    let never = assay(dir.path())
        .env("CLICOLOR_FORCE", "1")
        .args(["scan", "--color", "never", "missing.whl"])
        .output()
        .unwrap();
    assert!(!never.stdout.contains(&0x1b));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = TempDir::new().unwrap();
    let paths: Vec<String> = (0..2000).map(|i| format!("missing-{i}.whl")).collect();
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("assay"))
        .current_dir(dir.path())
        .args(["scan", "--format", "json"])
        .args(&paths)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 1];
    let mut stdout = child.stdout.take().unwrap();
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(stderr, "", "no panic or error message");
    assert_eq!(status.code(), Some(2), "the status the scan earned");
}

// ---- rules and explain --------------------------------------------------

#[test]
fn rules_lists_every_rule() {
    let dir = TempDir::new().unwrap();
    let output = assay(dir.path()).arg("rules").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for rule in RULES {
        let meta = rule.meta();
        let line = text
            .lines()
            .find(|l| l.starts_with(meta.id))
            .unwrap_or_else(|| panic!("{} missing from:\n{text}", meta.id));
        assert!(line.contains(meta.slug));
        assert!(line.contains(meta.category.as_str()));
        assert!(line.contains(meta.severity.as_str()));
    }
}

#[test]
fn rules_as_json() {
    let dir = TempDir::new().unwrap();
    let output = assay(dir.path())
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let list: RuleList = serde_json::from_slice(&output.stdout).unwrap();
    let ids: Vec<&str> = list.rules.iter().map(|r| r.id.as_str()).collect();
    let expected: Vec<&str> = RULES.iter().map(|r| r.meta().id).collect();
    assert_eq!(ids, expected);
}

#[test]
fn explain_by_id_or_slug() {
    let dir = TempDir::new().unwrap();
    let meta = assay::rules::find("AY101").unwrap().meta();
    for query in ["AY101", "ay101", meta.slug] {
        assay(dir.path())
            .args(["explain", query])
            .assert()
            .success()
            .stdout(predicate::str::starts_with(format!(
                "{} {}\n",
                meta.id, meta.slug
            )))
            .stdout(predicate::str::contains(format!(
                "category: {}",
                meta.category.as_str()
            )))
            .stdout(predicate::str::contains(format!(
                "severity: {}",
                meta.severity.as_str()
            )))
            .stdout(predicate::str::contains("What it finds"))
            .stdout(predicate::str::contains("## ").not());
    }
}

#[test]
fn explain_an_unknown_rule() {
    let dir = TempDir::new().unwrap();
    assay(dir.path())
        .args(["explain", "AY10"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("error: no rule `AY10`"))
        .stderr(predicate::str::contains("did you mean"))
        .stderr(predicate::str::contains("AY101"));
    assay(dir.path())
        .args(["explain", "nothing-like-it-at-all"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("assay rules"));
}

// ---- real scans ---------------------------------------------------------

/// NEEDS THE READER: a clean sdist is read and reported as such.
#[test]
fn a_clean_sdist() {
    let dir = TempDir::new().unwrap();
    clean_sdist(dir.path());
    let output = assay(dir.path())
        .args(["scan", "--format", "json", "tidy-1.0.tar.gz"])
        .output()
        .unwrap();
    // Holds today: one artifact, the right target, the typed schema.
    let document: Document = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document.artifacts.len(), 1);
    let artifact = &document.artifacts[0];
    assert_eq!(artifact.target, "tidy-1.0.tar.gz");
    // NEEDS THE READER from here on.
    assert_eq!(artifact.errors, Vec::<String>::new());
    assert_eq!(artifact.kind.as_deref(), Some("sdist"));
    assert_eq!(artifact.format.as_deref(), Some("tar-gz"));
    assert_eq!(artifact.name.as_deref(), Some("tidy"));
    assert_eq!(artifact.version.as_deref(), Some("1.0"));
    assert_eq!(artifact.sha256.as_ref().map(String::len), Some(64));
    assert_eq!(artifact.verdict.as_ref().unwrap().label, "clean");
    assert_eq!(output.status.code(), Some(0));
    assay(dir.path())
        .args(["scan", "--fail-on", "suspicious", "tidy-1.0.tar.gz"])
        .assert()
        .success()
        .stdout(predicate::str::contains("tidy-1.0.tar.gz  CLEAN"));
}

/// NEEDS THE READER: a folder argument is one package, not a search root.
#[test]
fn a_folder_is_one_package() {
    let dir = TempDir::new().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir_all(project.join("tidy")).unwrap();
    std::fs::write(
        project.join("setup.py"),
        "from setuptools import setup\nsetup()\n",
    )
    .unwrap();
    std::fs::write(project.join("tidy/__init__.py"), "X = 1\n").unwrap();
    clean_sdist(&project);
    let output = assay(dir.path())
        .args(["scan", "--format", "json", "project"])
        .output()
        .unwrap();
    let document: Document = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document.artifacts.len(), 1);
    assert_eq!(document.artifacts[0].target, "project");
    // NEEDS THE READER from here on.
    assert_eq!(document.artifacts[0].kind.as_deref(), Some("directory"));
    assert_eq!(document.artifacts[0].errors, Vec::<String>::new());
    assert_eq!(output.status.code(), Some(0));
}

/// NEEDS THE ANALYSIS: exec of a decoded payload in setup.py is malicious,
/// which fails the scan by default and shows in every format.
#[test]
fn a_malicious_sdist_fails_the_scan() {
    let dir = TempDir::new().unwrap();
    malicious_sdist(dir.path());
    clean_sdist(dir.path());
    let targets = ["tidy-1.0.tar.gz", "evil-0.1.tar.gz"];

    let json = assay(dir.path())
        .args(["scan", "--format", "json"])
        .args(targets)
        .output()
        .unwrap();
    let document: Document = serde_json::from_slice(&json.stdout).unwrap();
    let found: Vec<&str> = document
        .artifacts
        .iter()
        .map(|a| a.target.as_str())
        .collect();
    assert_eq!(found, targets);
    // NEEDS THE ANALYSIS from here on.
    let evil = &document.artifacts[1];
    assert_eq!(evil.verdict.as_ref().unwrap().label, "malicious");
    assert!(
        evil.findings
            .iter()
            .any(|f| f.location.path.ends_with("setup.py") && f.location.line == Some(3)),
        "{:?}",
        evil.findings
    );
    assert_eq!(json.status.code(), Some(1));

    assay(dir.path())
        .arg("scan")
        .args(targets)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("evil-0.1.tar.gz  MALICIOUS"))
        .stdout(predicate::str::contains(
            "2 artifacts: 1 malicious, 0 suspicious, 1 clean, 0 errors",
        ));

    let sarif = assay(dir.path())
        .args(["scan", "--format", "sarif"])
        .args(targets)
        .output()
        .unwrap();
    let log = stdout_json(&sarif);
    assert_valid_sarif(&log);
    let uri = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"];
    assert!(
        uri.as_str().unwrap().starts_with("evil-0.1.tar.gz/"),
        "{uri}"
    );

    assay(dir.path())
        .args(["scan", "--fail-on", "never"])
        .args(targets)
        .assert()
        .code(0);
    assay(dir.path())
        .args(["scan", "--quiet"])
        .args(targets)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("tidy").not());
}

/// An sdist whose setup.py opens a connection at install time (high) and
/// runs a compiler (low).
fn noisy_sdist(dir: &Path) -> PathBuf {
    sdist(
        dir,
        "noisy",
        "1.0",
        &[(
            "setup.py",
            "import subprocess, urllib.request\nfrom setuptools import setup\n\
             urllib.request.urlopen('http://203.0.113.7/ping')\n\
             subprocess.call(['gcc', '-c', 'fast.c'])\n\
             setup(name='noisy', version='1.0')\n",
        )],
    )
}

#[test]
fn low_findings_are_shown_only_with_verbose() {
    let dir = TempDir::new().unwrap();
    noisy_sdist(dir.path());
    let normal = assay(dir.path())
        .args(["scan", "--color", "never", "noisy-1.0.tar.gz"])
        .output()
        .unwrap();
    let normal = String::from_utf8(normal.stdout).unwrap();
    assert!(normal.contains("SUSPICIOUS"), "{normal}");
    assert!(normal.contains("urlopen"), "{normal}");
    assert!(!normal.contains("a build tool"), "{normal}");
    assert!(
        normal.contains("1 low-severity finding not shown (-v shows them)"),
        "{normal}"
    );
    let quiet = assay(dir.path())
        .args(["scan", "-q", "--color", "never", "noisy-1.0.tar.gz"])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8(quiet.stdout)
            .unwrap()
            .contains("a build tool")
    );
    let verbose = assay(dir.path())
        .args(["scan", "-v", "--color", "never", "noisy-1.0.tar.gz"])
        .output()
        .unwrap();
    let verbose = String::from_utf8(verbose.stdout).unwrap();
    assert!(verbose.contains("a build tool"), "{verbose}");
}

#[test]
fn the_score_is_explained_in_the_summary() {
    let dir = TempDir::new().unwrap();
    clean_sdist(dir.path());
    assay(dir.path())
        .args(["scan", "--color", "never", "tidy-1.0.tar.gz"])
        .assert()
        .success()
        .stdout(predicate::str::contains("CLEAN 0/100"))
        .stdout(predicate::str::contains(
            "score: weight of the evidence found, 0-100",
        ));
}

#[test]
fn json_lines_give_one_artifact_per_line_in_order() {
    let dir = TempDir::new().unwrap();
    malicious_sdist(dir.path());
    clean_sdist(dir.path());
    let output = assay(dir.path())
        .args([
            "scan",
            "--format",
            "jsonl",
            "evil-0.1.tar.gz",
            "tidy-1.0.tar.gz",
            "missing.whl",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let targets: Vec<&str> = lines
        .iter()
        .map(|l| l["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        ["evil-0.1.tar.gz", "tidy-1.0.tar.gz", "missing.whl"]
    );
    assert_eq!(lines[0]["verdict"]["label"], "malicious");
    assert!(lines[2]["verdict"].is_null());
}

#[test]
fn sarif_for_a_mostly_clean_scan_reports_only_flagged_artifacts() {
    let dir = TempDir::new().unwrap();
    malicious_sdist(dir.path());
    noisy_sdist(dir.path());
    let targets = ["evil-0.1.tar.gz", "noisy-1.0.tar.gz"];
    let results = |extra: &[&str]| -> Vec<Value> {
        let output = assay(dir.path())
            .args(["scan", "--format", "sarif"])
            .args(extra)
            .args(targets)
            .output()
            .unwrap();
        let log = stdout_json(&output);
        assert_valid_sarif(&log);
        log["runs"][0]["results"].as_array().unwrap().clone()
    };
    // Default: the malicious artifact only (--fail-on malicious), medium
    // findings and up, each carrying the verdict.
    let default = results(&[]);
    assert!(!default.is_empty());
    for result in &default {
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.starts_with("evil-0.1.tar.gz/"), "{uri}");
        assert_eq!(result["properties"]["verdict"], "malicious");
        assert_ne!(result["properties"]["severity"], "low");
    }
    // --fail-on suspicious brings in the suspicious one, still without its
    // low finding; --sarif-level all gives everything.
    let suspicious = results(&["--fail-on", "suspicious"]);
    assert!(suspicious.len() > default.len());
    assert!(
        suspicious
            .iter()
            .all(|r| r["properties"]["severity"] != "low")
    );
    let all = results(&["--sarif-level", "all"]);
    assert!(all.iter().any(|r| r["properties"]["severity"] == "low"));
}

#[test]
fn assay_scan_requirements_txt_for_a_missing_file_is_a_missing_file_error() {
    let dir = TempDir::new().unwrap();
    // No index is configured or needed: the name is not looked up.
    let output = assay(dir.path())
        .env("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")
        .args(["scan", "--color", "never", "requirements.txt"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("requirements.txt  NOT SCANNED"), "{text}");
    assert!(!text.contains("requirements-txt"), "{text}");
}

#[test]
fn dev_requirements_txt_as_an_argument_says_use_dash_r() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("dev-requirements.txt"), "pytest>=8\nruff\n").unwrap();
    let output = assay(dir.path())
        .args(["scan", "--color", "never", "dev-requirements.txt"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("assay scan -r dev-requirements.txt"),
        "{text}"
    );
    assert!(!text.contains("starts with"), "{text}");
}

#[test]
fn completion_scripts_name_the_commands_and_flags() {
    let dir = TempDir::new().unwrap();
    for (shell, marker) in [
        ("bash", "_assay()"),
        ("zsh", "#compdef assay"),
        ("fish", "complete -c assay"),
    ] {
        let output = assay(dir.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {script}");
        for word in ["scan", "install", "fail-on", "baseline"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
    assay(dir.path())
        .args(["completions", "cmd.exe"])
        .assert()
        .code(2);
}
