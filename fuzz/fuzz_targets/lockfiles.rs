//! Arbitrary bytes read as every lockfile format (uv.lock, poetry.lock,
//! pylock.toml, Pipfile.lock) and as pyproject.toml, for every platform
//! (`--all-files`) and for Linux with CPython 3.12, where the lock's
//! markers are parsed and evaluated. The parsers take a path, so the input
//! goes through one temporary file per run.
#![no_main]

use assay_deps::{InputKind, ParseOptions, Platform, marker_environment, parse_input_with};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let linux = ParseOptions {
        environment: marker_environment(Platform::LinuxX86_64, "3.12.4").ok(),
        ..ParseOptions::default()
    };
    for (name, kind) in [
        ("uv.lock", InputKind::UvLock),
        ("poetry.lock", InputKind::PoetryLock),
        ("pylock.toml", InputKind::PyLock),
        ("Pipfile.lock", InputKind::PipfileLock),
        ("pyproject.toml", InputKind::Pyproject),
    ] {
        let path = dir.path().join(name);
        if std::fs::write(&path, data).is_ok() {
            for options in [&ParseOptions::default(), &linux] {
                let _ = parse_input_with(&path, kind, options);
            }
        }
    }
});
