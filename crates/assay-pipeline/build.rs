//! Computes the engine fingerprint: a SHA-256 over the analysis code (the
//! `assay` library's sources), so that scan results cached by one build
//! are never served by a build whose analysis differs, even at the same
//! version number.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let engine = manifest.join("../assay/src");
    println!("cargo:rerun-if-changed={}", engine.display());
    let mut files = Vec::new();
    collect(&engine, &mut files);
    files.sort();
    let mut hasher = Sha256::new();
    for file in &files {
        let relative = file.strip_prefix(&engine).unwrap_or(file);
        hasher.update(relative.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(file).unwrap_or_default());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    // Outside the workspace (no sibling sources), the version alone.
    let fingerprint = if files.is_empty() {
        "unknown".to_owned()
    } else {
        hex
    };
    println!("cargo:rustc-env=ASSAY_ENGINE_FINGERPRINT={fingerprint}");
}

/// Every regular file under `dir`, recursively.
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => collect(&path, files),
            Ok(kind) if kind.is_file() => files.push(path),
            _ => {}
        }
    }
}
