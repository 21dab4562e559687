//! Issue 10 Part 0: the scanner (`assay`, reading a package's `PKG-INFO`)
//! and the resolver (`assay-deps`, reading the same bytes as a release's
//! metadata) see the same dependencies in a hostile `PKG-INFO`.

use assay::artifact::{self, Limits};
use assay_deps::DistDeps;

/// Hostile `PKG-INFO` texts, each with what both views must read.
fn cases() -> Vec<(&'static str, Vec<u8>, Vec<&'static str>)> {
    vec![
        (
            "non-UTF-8",
            b"Name: n\xff\nRequires-Dist: a\xc3\nRequires-Dist: b\n".to_vec(),
            vec!["b"],
        ),
        (
            "CRLF and a body",
            b"Name: n\r\nRequires-Dist: a\r\n\r\nRequires-Dist: body\r\n".to_vec(),
            vec!["a"],
        ),
        (
            "lone CR",
            b"Name: n\rRequires-Dist: hidden\r".to_vec(),
            vec!["hidden"],
        ),
        (
            "folded continuation",
            b"Name: n\nRequires-Dist: a\n  >=1\nRequires-Dist: b ;\n\tpython_version > '3'\n"
                .to_vec(),
            vec!["a>=1", "b ; python_version > '3'"],
        ),
        (
            "duplicate Name and Version",
            b"Name: good\nVersion: 1\nName: evil\nVersion: 2\nRequires-Dist: a\n".to_vec(),
            vec!["a"],
        ),
        (
            "NUL bytes",
            b"Name: n\0\nRequires-Dist: c\nRequires-Dist: d\0\n".to_vec(),
            vec!["c"],
        ),
        (
            "gigantic header",
            format!(
                "Name: big\nSummary: {}\nRequires-Dist: after-huge\n",
                "x".repeat(17 << 20)
            )
            .into_bytes(),
            vec!["after-huge"],
        ),
        (
            "no blank line before the body",
            b"Name: n\nA long description.\nRequires-Dist: after-junk\n".to_vec(),
            vec!["after-junk"],
        ),
        (
            "Requires-Dist repeats",
            b"Name: n\nRequires-Dist: a\nRequires-Dist: a\nRequires-Dist: b\n".to_vec(),
            vec!["a", "a", "b"],
        ),
        (
            "header-like lines in the body",
            b"Name: n\nDescription: d\n        Requires-Dist: in-description\n\nRequires-Dist: in-body\n"
                .to_vec(),
            vec![],
        ),
    ]
}

/// The requirements as the resolver prints them.
fn resolver_view(bytes: &[u8]) -> Vec<String> {
    match assay_deps::deps_from_core_metadata(bytes) {
        DistDeps::Known { requires, .. } => requires.iter().map(|r| r.req.to_string()).collect(),
        DistDeps::Unknown { reason } => panic!("core metadata is always read: {reason}"),
    }
}

/// The scanner's `Requires-Dist` values, printed by the resolver's
/// requirement parser so that both use one notation.
fn scanner_view(bytes: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("PKG-INFO"), bytes).expect("write");
    let package = artifact::open(dir.path(), &Limits::default()).expect("opens");
    let metadata = package.metadata.expect("PKG-INFO is read");
    let lines: String = metadata
        .requires_dist
        .iter()
        .map(|r| format!("Requires-Dist: {}\n", r.value))
        .collect();
    resolver_view(lines.as_bytes())
}

#[test]
fn scanner_and_resolver_read_hostile_pkg_info_alike() {
    for (what, bytes, expected) in cases() {
        let resolver = resolver_view(&bytes);
        let expected: Vec<String> = expected
            .iter()
            .map(|r| r.parse::<pep508_rs::Requirement>().unwrap().to_string())
            .collect();
        assert_eq!(resolver, expected, "{what}: resolver");
        assert_eq!(scanner_view(&bytes), resolver, "{what}: scanner");
        assert!(
            assay_deps::metadata_disagreement(&bytes, &bytes).is_empty(),
            "{what}: a file never disagrees with itself"
        );
    }
}
