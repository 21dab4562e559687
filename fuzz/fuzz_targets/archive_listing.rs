//! Arbitrary bytes listed and read as an archive, without scanning: the
//! container detection, every decompressor, the tar header reader, and the
//! zip reader (end record, zip64 records, central directory, local headers
//! no central record covers, `zip_directory.rs`). Whatever opens must have
//! kept within the limits it was opened with.
#![no_main]

#[path = "../common/limits.rs"]
mod limits;

use assay::artifact::{ArtifactError, open_bytes};
use libfuzzer_sys::fuzz_target;

/// A wheel (its `RECORD` and `METADATA` are read too) and an sdist; the
/// container comes from the bytes, not the name.
const NAMES: [&str; 2] = ["x-1.0-py3-none-any.whl", "x-1.0.tar.gz"];

fuzz_target!(|data: &[u8]| {
    let limits = limits::small_limits();
    for name in NAMES {
        match open_bytes(name, data.to_vec(), &limits) {
            Ok(package) => {
                assert!(package.files.len() <= limits.max_entries);
                let mut total = 0u64;
                for file in &package.files {
                    let size = file.data.len() as u64;
                    assert!(size <= limits.max_file_bytes, "{}: {size} bytes", file.path);
                    total += size;
                }
                assert!(total <= limits.max_total_bytes, "{total} bytes kept");
            }
            Err(ArtifactError::Unrecognized { .. }) => return,
            Err(_) => {}
        }
    }
});
