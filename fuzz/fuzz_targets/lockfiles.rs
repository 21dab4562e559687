//! Arbitrary bytes read as every lockfile format (uv.lock, poetry.lock,
//! pylock.toml, Pipfile.lock) and as pyproject.toml. The parsers take a
//! path, so the input goes through one temporary file per run.
#![no_main]

use assay_deps::{InputKind, ParseOptions, parse_input_with};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    for (name, kind) in [
        ("uv.lock", InputKind::UvLock),
        ("poetry.lock", InputKind::PoetryLock),
        ("pylock.toml", InputKind::PyLock),
        ("Pipfile.lock", InputKind::PipfileLock),
        ("pyproject.toml", InputKind::Pyproject),
    ] {
        let path = dir.path().join(name);
        if std::fs::write(&path, data).is_ok() {
            let _ = parse_input_with(&path, kind, &ParseOptions::default());
        }
    }
});
