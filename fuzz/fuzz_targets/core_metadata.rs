//! Arbitrary bytes as core metadata (`PKG-INFO`, `METADATA`, a PEP 658
//! `.metadata` file): the one parser the scanner, the resolver and the
//! index client share (`assay_packaging::CoreMetadata`).
#![no_main]

use assay_packaging::CoreMetadata;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let meta = CoreMetadata::parse(data);
    let _ = meta.version_tuple();
    let _ = meta.is_dynamic("Requires-Dist");
    // Lines end at `\r\n`, `\n` or a lone `\r`: every `Requires-Dist` line
    // number must be a line of the input.
    let breaks = data
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && data.get(i + 1) != Some(&b'\n')))
        .count();
    for value in &meta.requires_dist {
        assert!(
            value.line >= 1 && value.line <= breaks + 1,
            "line {}",
            value.line
        );
    }
});
