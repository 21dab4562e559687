//! Reads arbitrary bytes as each kind of artifact and scans what comes out.
//! Neither step may panic, hang or allocate without bound.

#![no_main]

use assay::Scanner;
use assay::artifact::{ArtifactError, Limits, open_bytes};
use libfuzzer_sys::fuzz_target;

/// The file name picks sdist / wheel / egg; the container is always
/// detected from the bytes.
const NAMES: [&str; 4] = ["x.tar.gz", "x.zip", "x-1.0-py3-none-any.whl", "x.egg"];

/// Small limits, so bombs trip quickly and runs stay fast.
const LIMITS: Limits = Limits {
    max_total_bytes: 8 * 1024 * 1024,
    max_file_bytes: 1024 * 1024,
    max_entries: 1000,
    max_ratio: 100,
    ratio_floor_bytes: 1024 * 1024,
    max_hashed_bytes: 16 * 1024 * 1024,
};

fuzz_target!(|data: &[u8]| {
    let scanner = Scanner::new().limits(LIMITS);
    for name in NAMES {
        match open_bytes(name, data.to_vec(), &LIMITS) {
            Ok(package) => {
                let _ = scanner.scan_package(&package);
            }
            // Detection does not depend on the name: no other name will do.
            Err(ArtifactError::Unrecognized { .. }) => return,
            Err(_) => {}
        }
    }
});
