//! Scope control end to end against a real index server: a uv.lock is
//! scanned for the platform, Python, extras and groups asked for
//! (`--platform`, `--extra`, `--group`, `--only-group`,
//! `--no-default-groups`, `--all-files`), as `uv sync` would install it.

mod support;

use support::{assay, helper, report, server, sha256_hex, targets, tidy, write};

/// A uv project (virtual root) whose dependencies are tidy everywhere and
/// the malicious helper only on Windows; helper is also its `evil` extra,
/// and tidy its `docs` group.
fn project_lock(index: &support::IndexServer) -> String {
    let registry = index.index_url();
    let entry = |file: (String, Vec<u8>)| {
        format!(
            "{{ url = \"{}\", hash = \"sha256:{}\", size = {} }}",
            index.file_url(&file.0),
            sha256_hex(&file.1),
            file.1.len()
        )
    };
    format!(
        r#"version = 1
revision = 2
requires-python = ">=3.8"

[[package]]
name = "project"
version = "0.1.0"
source = {{ virtual = "." }}
dependencies = [
    {{ name = "helper", marker = "sys_platform == 'win32'" }},
    {{ name = "tidy" }},
]

[package.optional-dependencies]
evil = [
    {{ name = "helper" }},
]

[package.dev-dependencies]
docs = [
    {{ name = "tidy" }},
]

[[package]]
name = "helper"
version = "0.2"
source = {{ registry = "{registry}" }}
wheels = [{helper}]

[[package]]
name = "tidy"
version = "1.0"
source = {{ registry = "{registry}" }}
sdist = {tidy_sdist}
wheels = [{tidy_wheel}]
"#,
        helper = entry(helper().wheel()),
        tidy_sdist = entry(tidy().sdist()),
        tidy_wheel = entry(tidy().wheel()),
    )
}

fn scan(extra: &[&str]) -> (Vec<String>, serde_json::Value) {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "uv.lock", &project_lock(&index));
    let output = assay(cache.path()).args(extra).arg(&path).output().unwrap();
    let code = output.status.code().unwrap_or(-1);
    let doc = report(&output, code);
    let mut found: Vec<String> = targets(&doc)
        .iter()
        .map(|t| t.rsplit('/').next().unwrap_or(t).to_owned())
        .collect();
    found.sort();
    (found, doc)
}

#[test]
fn a_lock_is_scanned_for_linux_without_the_windows_only_dependency() {
    let (found, doc) = scan(&["--platform", "linux"]);
    assert_eq!(
        found,
        ["tidy-1.0-py3-none-any.whl", "tidy-1.0.tar.gz"],
        "{doc:#}"
    );
    let warnings = doc.to_string();
    assert!(warnings.contains("1 of 2 locked packages"), "{warnings}");
    assert!(warnings.contains("extras not scanned: evil"), "{warnings}");
}

#[test]
fn platform_windows_scans_the_windows_only_dependency() {
    let (found, _) = scan(&["--platform", "windows"]);
    assert!(
        found.iter().any(|t| t.starts_with("helper-0.2")),
        "{found:?}"
    );
}

#[test]
fn an_extra_brings_in_its_dependencies() {
    let (found, _) = scan(&["--platform", "linux", "--extra", "evil"]);
    assert!(
        found.iter().any(|t| t.starts_with("helper-0.2")),
        "{found:?}"
    );
}

#[test]
fn all_files_scans_every_platform() {
    let (found, _) = scan(&["--platform", "linux", "--all-files"]);
    assert_eq!(found.len(), 3, "{found:?}");
}

#[test]
fn only_group_and_an_unknown_group() {
    let (found, _) = scan(&["--platform", "windows", "--only-group", "docs"]);
    assert_eq!(found, ["tidy-1.0-py3-none-any.whl", "tidy-1.0.tar.gz"]);
    let (found, doc) = scan(&["--group", "lint"]);
    assert!(
        found.is_empty() || found.iter().all(|t| t.ends_with("uv.lock")),
        "{found:?}"
    );
    assert!(
        doc.to_string().contains("no such dependency group"),
        "{doc:#}"
    );
}

#[test]
fn an_unknown_platform_is_a_usage_error() {
    let cache = tempfile::tempdir().unwrap();
    let output = assay(cache.path())
        .args(["--platform", "amiga", "tidy"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("aarch64-apple-darwin"), "{stderr}");
}

/// A poetry.lock names files without URLs; they are found on the index by
/// name and digest. Of tidy's two Linux wheels (one for CPython 3.11, one
/// abi3 for 3.8 and later) the installer takes the best one for Python
/// 3.11, as for a lock with URLs; `--all-files` scans both, but not the
/// wheel for CPython 3.9, which the lock's `python-versions` excludes.
#[test]
fn a_poetry_lock_scans_the_wheel_the_installer_would_take() {
    // Each wheel with its own bytes (a comment naming its tag), so that
    // no two share a digest.
    let named = |tag: &str| {
        let source = format!("# {tag}\ndef tidy(x):\n    return x.strip()\n");
        let (_, bytes) = support::Dist {
            name: "tidy",
            version: "1.0",
            requires: &[],
            files: &[("tidy/__init__.py", source.as_str())],
        }
        .wheel();
        (format!("tidy-1.0-{tag}-manylinux_2_17_x86_64.whl"), bytes)
    };
    let cp311 = named("cp311-cp311");
    let abi3 = named("cp38-abi3");
    let cp39 = named("cp39-cp39");
    let sdist = tidy().sdist();
    let index =
        support::IndexServer::start(&[cp311.clone(), abi3.clone(), cp39.clone(), sdist.clone()]);
    let files: Vec<String> = [&cp311, &abi3, &cp39, &sdist]
        .iter()
        .map(|(name, bytes)| {
            format!(
                "    {{file = \"{name}\", hash = \"sha256:{}\"}},",
                sha256_hex(bytes)
            )
        })
        .collect();
    let lock = format!(
        "[[package]]\nname = \"tidy\"\nversion = \"1.0\"\ndescription = \"\"\noptional = false\npython-versions = \">=3.8\"\ngroups = [\"main\"]\nfiles = [\n{}\n]\n\n[metadata]\nlock-version = \"2.1\"\npython-versions = \">=3.10\"\ncontent-hash = \"0\"\n",
        files.join("\n")
    );
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "poetry.lock", &lock);
    let scan = |extra: &[&str]| {
        let cache = tempfile::tempdir().unwrap();
        let output = assay(cache.path())
            .args([
                "--index-url",
                &index.index_url(),
                "--platform",
                "x86_64-manylinux_2_28",
            ])
            .args(extra)
            .arg(&path)
            .output()
            .unwrap();
        let doc = report(&output, 0);
        let mut found: Vec<String> = targets(&doc)
            .iter()
            .map(|t| t.rsplit('/').next().unwrap_or(t).to_owned())
            .collect();
        found.sort();
        found
    };
    assert_eq!(scan(&[]), [cp311.0.clone(), sdist.0.clone()]);
    assert_eq!(scan(&["--all-files"]), [cp311.0, abi3.0, sdist.0]);
}
