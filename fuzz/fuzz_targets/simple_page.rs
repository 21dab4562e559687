//! A project page from a hostile index: arbitrary bytes parsed as each of
//! the content types an index may send (PEP 691 JSON, PEP 503 HTML, none).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for content_type in [
        Some("application/vnd.pypi.simple.v1+json"),
        Some("application/vnd.pypi.simple.v1+html"),
        Some("text/html"),
        None,
    ] {
        let _ = assay_index::simple::parse_project_page(
            "demo",
            "http://127.0.0.1:1/simple",
            "http://127.0.0.1:1/simple/demo/",
            content_type,
            data,
        );
    }
});
