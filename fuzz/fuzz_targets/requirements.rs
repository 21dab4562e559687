//! Arbitrary bytes read as a requirements file (options, includes of
//! files that do not exist, hashes, direct references, markers).
#![no_main]

use assay_deps::{InputKind, ParseOptions, parse_input_with};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("requirements.txt");
    if std::fs::write(&path, data).is_ok() {
        let _ = parse_input_with(&path, InputKind::Requirements, &ParseOptions::default());
    }
});
