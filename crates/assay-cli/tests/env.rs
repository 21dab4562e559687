//! End-to-end tests of `assay scan --env`: the real binary on virtual
//! environments built by hand in temporary folders (nothing is installed
//! with pip, nothing of the environment is run).

use std::fs;
use std::path::{Path, PathBuf};

use assay::artifact::record::record_hash;
use assay::report::json::Document;
use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

fn assay(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("assay").unwrap();
    command.current_dir(dir).env_remove("NO_COLOR");
    command
}

/// `venv/` with `pyvenv.cfg` and one distribution, `tidy 1.0`, whose
/// RECORD lists the hash of every file.
struct Venv {
    dir: TempDir,
    site: PathBuf,
}

impl Venv {
    fn new() -> Venv {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("venv");
        let site = root.join("lib/python3.12/site-packages");
        fs::create_dir_all(&site).unwrap();
        fs::write(
            root.join("pyvenv.cfg"),
            "home = /usr/bin\nversion = 3.12.4\n",
        )
        .unwrap();
        let files = [
            ("tidy/__init__.py", "def add(a, b):\n    return a + b\n"),
            (
                "tidy-1.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: tidy\nVersion: 1.0\n",
            ),
        ];
        let mut record = String::new();
        for (path, text) in files {
            let full = site.join(path);
            fs::create_dir_all(full.parent().unwrap()).unwrap();
            fs::write(full, text).unwrap();
            record.push_str(&format!(
                "{path},{},{}\n",
                record_hash(text.as_bytes()),
                text.len()
            ));
        }
        record.push_str("tidy-1.0.dist-info/RECORD,,\n");
        fs::write(site.join("tidy-1.0.dist-info/RECORD"), record).unwrap();
        Venv { dir, site }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Appends a decoded-payload `exec` to the installed module, as malware
    /// that patches installed packages does. The payload is inert here.
    fn tamper(&self) {
        let init = self.site.join("tidy/__init__.py");
        let mut text = fs::read_to_string(&init).unwrap();
        text.push_str(
            "import base64\nexec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk='))\n",
        );
        fs::write(init, text).unwrap();
    }
}

#[test]
fn a_clean_venv_exits_0_and_names_each_distribution() {
    let venv = Venv::new();
    let site = venv.site.display().to_string();
    assay(venv.path())
        .args(["scan", "--env", "venv"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(format!(
            "tidy 1.0 (installed, {site})  CLEAN 0/100"
        )))
        .stdout(predicate::str::contains(format!(
            "unowned files in {site} (site-packages found from pyvenv.cfg)  CLEAN 0/100"
        )))
        .stdout(predicate::str::contains("2 artifacts: 0 malicious"));
}

#[test]
fn a_patched_module_fails_the_scan() {
    let venv = Venv::new();
    venv.tamper();
    assay(venv.path())
        .args(["scan", "--env", "venv"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("MALICIOUS"))
        .stdout(predicate::str::contains(
            "installed file changed after install: tidy/__init__.py",
        ))
        .stdout(predicate::str::contains("AY104"));
}

#[test]
fn json_reads_back_with_the_installed_origin() {
    let venv = Venv::new();
    venv.tamper();
    let output = assay(venv.path())
        .args([
            "scan",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--env",
            "venv",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let document: Document = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document.artifacts.len(), 2);
    let tidy = &document.artifacts[0];
    assert_eq!(tidy.kind.as_deref(), Some("installed"));
    assert_eq!(tidy.name.as_deref(), Some("tidy"));
    let installed = tidy.installed.as_ref().unwrap();
    assert_eq!(installed.located_by, "pyvenv-cfg");
    assert_eq!(
        installed.metadata_dir.as_deref(),
        Some("tidy-1.0.dist-info")
    );
    assert_eq!(installed.site_packages, venv.site.display().to_string());
    assert!(
        tidy.findings
            .iter()
            .any(|f| f.rule == "AY503" && f.severity == "high")
    );
    let unowned = &document.artifacts[1];
    assert_eq!(unowned.installed.as_ref().unwrap().metadata_dir, None);
}

#[test]
fn sarif_locates_installed_files_in_site_packages() {
    let venv = Venv::new();
    venv.tamper();
    let output = assay(venv.path())
        .args(["scan", "--format", "sarif", "--env", "venv"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&output.stdout).unwrap();
    let uris: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        uris.iter()
            .all(|u| u.ends_with("lib/python3.12/site-packages/tidy/__init__.py")),
        "{uris:?}"
    );
    assert!(!uris.is_empty());
}

#[test]
fn env_mixes_with_artifact_paths_and_site_packages_folders() {
    let venv = Venv::new();
    fs::create_dir_all(venv.path().join("pkg")).unwrap();
    fs::write(venv.path().join("pkg/mod.py"), "X = 1\n").unwrap();
    let output = assay(venv.path())
        .args(["scan", "--format", "json", "pkg", "--env"])
        .arg(&venv.site)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let document: Document = serde_json::from_slice(&output.stdout).unwrap();
    let kinds: Vec<Option<&str>> = document
        .artifacts
        .iter()
        .map(|a| a.kind.as_deref())
        .collect();
    assert_eq!(
        kinds,
        [Some("directory"), Some("installed"), Some("installed")]
    );
    let located: Vec<&str> = document.artifacts[1..]
        .iter()
        .map(|a| a.installed.as_ref().unwrap().located_by.as_str())
        .collect();
    assert_eq!(located, ["site-packages", "site-packages"]);
}

#[test]
fn a_missing_environment_is_an_error_and_the_rest_is_scanned() {
    let venv = Venv::new();
    assay(venv.path())
        .args(["scan", "--env", "venv", "--env", "./no-such-venv"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("no-such-venv  NOT SCANNED"))
        .stdout(predicate::str::contains("no such file or folder"))
        .stdout(predicate::str::contains("tidy 1.0 (installed"));
    // A folder that is no environment.
    fs::create_dir_all(venv.path().join("empty")).unwrap();
    assay(venv.path())
        .args(["scan", "--env", "empty"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("not a Python environment"));
}

#[test]
fn scan_needs_a_path_or_an_env() {
    let dir = tempfile::tempdir().unwrap();
    assay(dir.path())
        .args(["scan"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("TARGET"));
    assay(dir.path())
        .args(["scan", "--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("--env <PATH>"));
}
