//! A virtual environment fresh from `python -m venv` holds only what the
//! interpreter bootstraps (pip, and setuptools up to 3.11): assay must call
//! it clean at `--fail-on suspicious`, for every CPython 3.8+ on this
//! machine (the system's, pyenv's and uv-managed ones; none is
//! downloaded).
//!
//! Creating a venv runs the interpreter's own `ensurepip`, which installs
//! the wheels bundled with CPython: no package code from an index runs.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;

/// CPython interpreters 3.8 and later found on this machine, one per
/// version (the first found wins): `python3.X` on the usual system paths,
/// pyenv's versions, and uv-managed ones.
fn interpreters() -> Vec<(String, PathBuf)> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut candidates: Vec<PathBuf> = (8..=14)
        .flat_map(|minor| {
            ["/usr/bin", "/usr/local/bin"]
                .map(|dir| Path::new(dir).join(format!("python3.{minor}")))
        })
        .collect();
    let pyenv_root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".pyenv")));
    let uv_root = home.as_ref().map(|h| h.join(".local/share/uv/python"));
    for root in [pyenv_root.map(|r| r.join("versions")), uv_root]
        .into_iter()
        .flatten()
    {
        if let Ok(entries) = std::fs::read_dir(root) {
            let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            dirs.sort();
            candidates.extend(dirs.into_iter().map(|d| d.join("bin/python3")));
        }
    }
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    for python in candidates.into_iter().filter(|p| p.is_file()) {
        let Some(version) = version_of(&python) else {
            continue;
        };
        let minor: u32 = version
            .strip_prefix("3.")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if minor >= 8 && !found.iter().any(|(v, _)| *v == version) {
            found.push((version, python));
        }
    }
    found
}

/// `3.X` of an interpreter, asked in isolated mode (nothing of any
/// environment is imported).
fn version_of(python: &Path) -> Option<String> {
    let output = StdCommand::new(python)
        .args([
            "-I",
            "-S",
            "-c",
            "import sys; print('%d.%d' % sys.version_info[:2])",
        ])
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

#[test]
fn a_fresh_venv_is_clean_at_fail_on_suspicious() {
    let found = interpreters();
    assert!(
        !found.is_empty(),
        "no CPython 3.8+ interpreter on this machine: the test needs one"
    );
    let dir = tempfile::tempdir().unwrap();
    for (version, python) in &found {
        let venv = dir.path().join(format!("venv-{version}"));
        let created = StdCommand::new(python)
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .unwrap();
        assert!(created.success(), "python {version} -m venv failed");
        let output = Command::cargo_bin("assay")
            .unwrap()
            .args([
                "scan",
                "--fail-on",
                "suspicious",
                "--format",
                "json",
                "--env",
            ])
            .arg(&venv)
            .output()
            .unwrap();
        let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let flagged: Vec<String> = document["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["verdict"]["label"] != "clean")
            .map(|a| {
                let findings: Vec<String> = a["findings"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|f| f["severity"] != "low")
                    .map(|f| format!("{} {} {}", f["rule"], f["location"]["path"], f["message"]))
                    .collect();
                format!("{}: {findings:#?}", a["target"])
            })
            .collect();
        assert!(
            flagged.is_empty(),
            "python {version}: a fresh venv is flagged:\n{}",
            flagged.join("\n")
        );
        let artifacts = document["artifacts"].as_array().unwrap().len();
        assert!(
            artifacts >= 2,
            "python {version}: pip and the unowned files at least"
        );
        assert_eq!(
            output.status.code(),
            Some(0),
            "python {version}: exit status; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
