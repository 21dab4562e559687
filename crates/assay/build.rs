//! Generates one test per rule fixture (`tests/fixtures/rules/*.txt`) for
//! `tests/rules.rs`, named after the fixture, so
//! `cargo test -p assay --test rules AY104` runs one rule's fixtures.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new("tests/fixtures/rules");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "txt"))
                .filter_map(|p| Some(p.file_stem()?.to_str()?.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::new();
    for name in &names {
        let ident: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        writeln!(
            out,
            "#[test]\nfn {ident}() {{\n    check_fixture({name:?});\n}}"
        )
        .expect("writing to a String");
    }
    let target = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("rule_fixtures.rs");
    std::fs::write(target, out).expect("generated fixture tests");
}
