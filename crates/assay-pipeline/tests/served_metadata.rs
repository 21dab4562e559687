//! Issue 12 end to end: an index whose PEP 658 metadata file leaves out a
//! dependency the wheel's own METADATA declares. The resolver reads the
//! served file; the installer follows the wheel; the wheel's report must
//! say so (AY501). An index whose file agrees adds nothing.

// The index client's scripted loopback server, shared rather than copied.
#[path = "../../assay-index/tests/support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::io::Write;

use assay::{ArtifactReport, Scanner};
use assay_index::cache::sha256_hex;
use assay_pipeline::{IndexOptions, ScanOptions};
use support::{Reply, Request, Server};

const WHEEL_NAME: &str = "demo-1.0-py3-none-any.whl";
/// The wheel's own METADATA. The extra dependency's marker never holds
/// here, so resolution needs no other project; the requirement is still
/// part of what the two files must agree on.
const INSIDE: &str = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n\
                      Requires-Dist: evil-helper ; sys_platform == 'plan9'\n";
/// What a dishonest index serves: no `evil-helper`.
const HIDING: &str = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n";
/// What an honest index serves: the same, spelt otherwise.
const HONEST: &str = "Metadata-Version: 2.1\nName: Demo\nVersion: 1.0.0\n\
                      Requires-Dist: evil-helper; sys_platform==\"plan9\"\n";

fn wheel() -> Vec<u8> {
    let files = [
        ("demo/__init__.py", "VALUE = 1\n"),
        ("demo-1.0.dist-info/METADATA", INSIDE),
        (
            "demo-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
    ];
    let mut record: String = files
        .iter()
        .map(|(path, text)| {
            let hash = assay::artifact::record::record_hash(text.as_bytes());
            format!("{path},{hash},{}\n", text.len())
        })
        .collect();
    record.push_str("demo-1.0.dist-info/RECORD,,\n");
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (path, text) in files
        .into_iter()
        .chain([("demo-1.0.dist-info/RECORD", record.as_str())])
    {
        zip.start_file(path, options).expect("entry");
        zip.write_all(text.as_bytes()).expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

/// A JSON simple page for `demo`: one wheel, with PEP 658 metadata.
fn serve(served: &'static str) -> Server {
    let wheel = wheel();
    Server::start(move |req: &Request| {
        let page = format!(
            r#"{{"meta":{{"api-version":"1.1"}},"name":"demo","versions":["1.0"],"files":[
              {{"filename":"{WHEEL_NAME}","url":"/files/{WHEEL_NAME}","hashes":{{"sha256":"{}"}},
                "core-metadata":{{"sha256":"{}"}}}}]}}"#,
            sha256_hex(&wheel),
            sha256_hex(served.as_bytes())
        );
        match req.path.as_str() {
            "/simple/demo/" => Reply::new(200, "application/vnd.pypi.simple.v1+json", page),
            "/files/demo-1.0-py3-none-any.whl" => Reply::bytes(&wheel),
            "/files/demo-1.0-py3-none-any.whl.metadata" => Reply::bytes(served.as_bytes()),
            _ => Reply::not_found(),
        }
    })
}

fn scan_demo(server: &Server) -> ArtifactReport {
    let options = ScanOptions {
        index: IndexOptions {
            index_url: Some(format!("{}/simple/", server.base)),
            no_cache: true,
            retries: Some(0),
            ..IndexOptions::default()
        },
        constraints: Vec::new(),
        python_version: "3.12.4".to_owned(),
        no_deps: false,
        all_files: false,
        pre: false,
        jobs: None,
        limits: assay::Limits::default(),
        platform: None,
        scope: assay_deps::Scope::default(),
    };
    let outcome = assay_pipeline::scan(
        &options,
        &Scanner::new(),
        &["demo==1.0".to_owned()],
        &[],
        &(),
    )
    .expect("scan runs");
    outcome
        .reports
        .into_iter()
        .find(|r| r.target.to_string_lossy() == WHEEL_NAME)
        .expect("the wheel is scanned")
}

fn ay501(report: &ArtifactReport) -> Vec<&assay::Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.rule == "AY501")
        .collect()
}

#[test]
fn served_metadata_hiding_a_dependency_is_reported() {
    let server = serve(HIDING);
    let report = scan_demo(&server);
    let found = ay501(&report);
    assert_eq!(found.len(), 1, "{:#?}", report.findings);
    assert_eq!(found[0].location.path, "demo-1.0.dist-info/METADATA");
    let detail = found[0].decoded.as_deref().unwrap_or_default();
    assert!(
        detail.contains("evil-helper") && detail.contains("what the resolver saw"),
        "{detail}"
    );
    assert_ne!(
        report.verdict.as_ref().map(|v| v.label),
        Some(assay::VerdictLabel::Clean)
    );
}

#[test]
fn served_metadata_that_agrees_adds_nothing() {
    let server = serve(HONEST);
    let report = scan_demo(&server);
    assert!(ay501(&report).is_empty(), "{:#?}", report.findings);
    assert_eq!(
        report.verdict.as_ref().map(|v| v.label),
        Some(assay::VerdictLabel::Clean),
        "{:#?}",
        report.findings
    );
}
