//! Reads arbitrary bytes as each kind of artifact and scans what comes out.
//! Neither step may panic, hang or allocate without bound.

#![no_main]

#[path = "../common/limits.rs"]
mod limits;

use assay::Scanner;
use assay::artifact::{ArtifactError, open_bytes};
use libfuzzer_sys::fuzz_target;

/// The file name picks sdist / wheel / egg; the container is always
/// detected from the bytes.
const NAMES: [&str; 4] = ["x.tar.gz", "x.zip", "x-1.0-py3-none-any.whl", "x.egg"];

fuzz_target!(|data: &[u8]| {
    let limits = limits::small_limits();
    let scanner = Scanner::new().limits(limits);
    for name in NAMES {
        match open_bytes(name, data.to_vec(), &limits) {
            Ok(package) => {
                let _ = scanner.scan_package(&package);
            }
            // Detection does not depend on the name: no other name will do.
            Err(ArtifactError::Unrecognized { .. }) => return,
            Err(_) => {}
        }
    }
});
