//! Arbitrary bytes as an sdist's `setup.py` (and `setup.cfg`), read
//! statically for its dependencies: never executed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = assay_deps::deps_from_sdist(&[("demo-1.0/setup.py", data)]);
    let _ = assay_deps::deps_from_sdist(&[
        ("demo-1.0/setup.cfg", data),
        (
            "demo-1.0/setup.py",
            b"from setuptools import setup\nsetup()\n",
        ),
    ]);
});
