//! What the user sees when the index misbehaves: the real pypiserver behind
//! a fault-injecting proxy (tests/support/proxy.rs) that answers chosen
//! paths with 404, 500, a truncated body, a delay or a malformed page.
//! Each failure must be an error on the artifact it concerns, in the human
//! and the JSON report, with exit code 2, and the rest of the scan goes on.
//! Also: each file is fetched once per run without a cache, and warnings
//! reach the user. Loopback only.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::proxy::{Fault, FaultProxy};
use support::{
    Dist, IndexServer, artifact, assay, assay_as, assert_verdicts, helper, json, report, server,
    sha256_hex, stderr, tidy, write,
};

const SDIST: &str = "/packages/tidy-1.0.tar.gz";
const WHEEL: &str = "/packages/tidy-1.0-py3-none-any.whl";

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Scans `tidy` (its sdist and its wheel) through `proxy`, as JSON and
/// as text, with one retry and the `extra` options; checks that the file
/// `failed` has no verdict and an error containing `error`, that the other
/// file was scanned, and that the exit code is 2 both times. Returns the
/// failed artifact's JSON.
fn one_file_fails(proxy: &FaultProxy, failed: &str, error: &str, extra: &[&str]) -> Value {
    // Each run with a cache of its own, so the second fetches again.
    let run = |format: &str| {
        let cache = tempfile::tempdir().unwrap();
        let output = assay_as(format, cache.path())
            .env("PIP_RETRIES", "1")
            .args(["--index-url", &proxy.index_url()])
            .args(extra)
            .arg("tidy")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        output
    };
    let doc = json(&run("json"));
    assert_eq!(doc["summary"]["artifacts"], 2, "{doc:#}");
    assert_eq!(doc["summary"]["errors"], 1, "{doc:#}");
    let bad = artifact(&doc, failed).clone();
    assert!(bad["verdict"].is_null(), "{bad:#}");
    assert_eq!(bad["findings"].as_array().unwrap().len(), 0, "{bad:#}");
    let errors = bad["errors"].to_string();
    assert!(errors.contains(error), "{errors}");
    let other = doc["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["target"] != bad["target"])
        .unwrap();
    assert_eq!(other["verdict"]["label"], "clean", "{other:#}");
    assert!(other["errors"].as_array().unwrap().is_empty(), "{other:#}");

    // The same in the text report: the artifact, its error, the count.
    let text = stdout(&run("human"));
    let block = text
        .split("\n\n")
        .find(|b| b.starts_with(failed))
        .unwrap_or_else(|| panic!("no block for {failed}:\n{text}"));
    assert!(block.contains("error:") && block.contains(error), "{text}");
    assert!(
        text.contains("2 artifacts: 0 malicious, 0 suspicious, 1 clean, 1 error"),
        "{text}"
    );
    bad
}

#[test]
fn a_missing_file_is_an_error_on_its_artifact_and_is_not_retried() {
    let index = server();
    let proxy = FaultProxy::start(&index);
    proxy.always(SDIST, Fault::Status(404));
    let bad = one_file_fails(&proxy, "tidy-1.0.tar.gz", "HTTP 404", &[]);
    assert!(
        bad["provenance"]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(SDIST)),
        "{bad:#}"
    );
    // A 404 is an answer: one request per run (JSON, then text).
    assert_eq!(proxy.hits(SDIST), 2);
}

#[test]
fn a_server_error_is_retried_until_the_file_comes() {
    let index = server();
    let proxy = FaultProxy::start(&index);
    proxy.times(WHEEL, Fault::Status(500), 2);
    let cache = tempfile::tempdir().unwrap();
    let output = assay(cache.path())
        .args(["--index-url", &proxy.index_url(), "tidy"])
        .output()
        .unwrap();
    let doc = report(&output, 0);
    assert_eq!(doc["summary"]["errors"], 0, "{doc:#}");
    assert_eq!(artifact(&doc, "tidy-1.0-py3")["verdict"]["label"], "clean");
    // Two failures, then the file.
    assert_eq!(proxy.hits(WHEEL), 3);
}

#[test]
fn a_server_that_keeps_failing_is_reported_after_the_retries() {
    let index = server();
    let proxy = FaultProxy::start(&index);
    proxy.always(WHEEL, Fault::Status(500));
    one_file_fails(
        &proxy,
        "tidy-1.0-py3-none-any.whl",
        "HTTP 500 after 2 attempts",
        &[],
    );
    // PIP_RETRIES=1: two requests per run, made while resolving (to read
    // the wheel's METADATA; the sdist's PKG-INFO is read instead); the
    // scan does not fetch it again.
    assert_eq!(proxy.hits(WHEEL), 4);
}

#[test]
fn a_release_whose_files_cannot_be_fetched_is_reported_with_its_missing_dependencies() {
    // app 1.0 has only a wheel: its dependencies cannot be read. The scan
    // goes on with the rest and says what is missing.
    let index = server();
    let proxy = FaultProxy::start(&index);
    let app_wheel = "/packages/app-1.0-py3-none-any.whl";
    proxy.always(app_wheel, Fault::Status(500));
    let cache = tempfile::tempdir().unwrap();
    let output = assay(cache.path())
        .env("PIP_RETRIES", "1")
        .args(["--index-url", &proxy.index_url(), "app==1.0", "tidy"])
        .output()
        .unwrap();
    let doc = report(&output, 2);
    let release = artifact(&doc, "app==1.0");
    let errors = release["errors"].to_string();
    assert!(
        errors.contains("its dependencies could not be read") && errors.contains("HTTP 500"),
        "{errors}"
    );
    let wheel = artifact(&doc, "app-1.0-py3-none-any.whl");
    assert!(wheel["verdict"].is_null());
    assert!(
        wheel["errors"].to_string().contains("HTTP 500"),
        "{wheel:#}"
    );
    assert_verdicts(&doc, "clean", &["tidy-1.0.tar.gz", "tidy-1.0-py3"]);
    // helper is required by app only, so it is not known, and not scanned.
    let targets = doc["artifacts"].to_string();
    assert!(!targets.contains("helper-0.2"), "{doc:#}");
    assert_eq!(doc["summary"]["artifacts"], 4, "{doc:#}");
    assert_eq!(proxy.hits(app_wheel), 2);
}

#[test]
fn a_truncated_download_is_refused() {
    let index = server();
    let proxy = FaultProxy::start(&index);
    proxy.always(WHEEL, Fault::Truncate);
    one_file_fails(&proxy, "tidy-1.0-py3-none-any.whl", "truncated body", &[]);
}

#[test]
fn a_slow_server_times_out() {
    let index = server();
    let proxy = FaultProxy::start(&index);
    proxy.always(SDIST, Fault::Delay(Duration::from_secs(30)));
    one_file_fails(
        &proxy,
        "tidy-1.0.tar.gz",
        "timed out after 2 attempts",
        &["--timeout", "1"],
    );
}

#[test]
fn a_malformed_index_page_is_an_error_and_the_rest_is_scanned() {
    let index = server();
    let proxy = FaultProxy::start(&index);
    proxy.always(
        "/simple/helper/",
        Fault::Body(
            "application/vnd.pypi.simple.v1+json",
            br#"{"meta": {"api-version": "1.0"}, "name": "helper", "files": 7}"#.to_vec(),
        ),
    );
    // A lockfile: the package whose page is malformed is an error, the
    // others are scanned.
    let dir = tempfile::tempdir().unwrap();
    let lock = format!(
        "[[package]]\nname = \"helper\"\nversion = \"0.2\"\nfiles = [{{file = \"{}\", hash = \"sha256:{}\"}}]\n\n\
         [[package]]\nname = \"tidy\"\nversion = \"1.0\"\nfiles = [{{file = \"{}\", hash = \"sha256:{}\"}}]\n",
        helper().wheel().0,
        sha256_hex(&helper().wheel().1),
        tidy().wheel().0,
        sha256_hex(&tidy().wheel().1),
    );
    let lock = write(dir.path(), "poetry.lock", &lock);
    let cache = tempfile::tempdir().unwrap();
    let output = assay(cache.path())
        .args(["--index-url", &proxy.index_url()])
        .arg(&lock)
        .output()
        .unwrap();
    let doc = report(&output, 2);
    let helper = artifact(&doc, "helper");
    assert!(helper["verdict"].is_null(), "{helper:#}");
    let errors = helper["errors"].to_string();
    assert!(
        errors.contains("poetry.lock:") && errors.contains("/simple/helper/"),
        "{errors}"
    );
    assert_eq!(artifact(&doc, "tidy-1.0-py3")["verdict"]["label"], "clean");

    // A name whose dependency's page is malformed cannot be resolved: the
    // error says so; a file given alongside is still scanned.
    let (wheel_name, wheel) = tidy().wheel();
    let local = dir.path().join(&wheel_name);
    std::fs::write(&local, wheel).unwrap();
    let output = assay_as("human", cache.path())
        .args(["--index-url", &proxy.index_url(), "app==1.0"])
        .arg(&local)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("app==1.0"), "{text}");
    assert!(
        text.contains("error: cannot resolve:") && text.contains("/simple/helper/"),
        "{text}"
    );
    assert!(
        text.contains("2 artifacts: 0 malicious, 0 suspicious, 1 clean, 1 error"),
        "{text}"
    );
}

#[test]
fn without_a_cache_each_file_is_downloaded_once() {
    // pypiserver publishes no PEP 658 metadata files, so resolving app 1.0
    // downloads the wheels of app, helper and tidy to read their METADATA;
    // the scan must use those bytes, not fetch the wheels again.
    let index = server();
    let proxy = FaultProxy::start(&index);
    let cache = tempfile::tempdir().unwrap();
    let output = assay(cache.path())
        .args(["--no-cache", "--index-url", &proxy.index_url(), "app==1.0"])
        .output()
        .unwrap();
    let doc = report(&output, 1);
    assert_eq!(doc["summary"]["artifacts"], 4, "{doc:#}");
    assert_eq!(
        artifact(&doc, "helper-0.2")["verdict"]["label"],
        "malicious"
    );
    for path in [
        "/packages/app-1.0-py3-none-any.whl",
        "/packages/helper-0.2-py3-none-any.whl",
        WHEEL,
        SDIST,
        "/simple/app/",
        "/simple/helper/",
        "/simple/tidy/",
    ] {
        assert_eq!(proxy.hits(path), 1, "{path}: {:#?}", proxy.requests());
    }
    // --no-cache wrote nothing into the cache folder.
    assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 0);
}

#[test]
fn warnings_reach_the_user() {
    // lure's metadata requires a direct URL: it is not resolved from the
    // index, so it is not scanned, and the user must be told.
    let lure = Dist {
        name: "lure",
        version: "1.0",
        requires: &["payload @ http://127.0.0.1:9/payload-1.0.tar.gz"],
        files: &[("lure/__init__.py", "import payload\n")],
    };
    let index = IndexServer::start(&[lure.wheel(), tidy().wheel()]);
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The requirements file names another index; the command line wins.
    let requirements = write(
        dir.path(),
        "requirements.txt",
        "--index-url http://127.0.0.1:9/simple/\nlure\ntidy\n",
    );
    let output = assay(cache.path())
        .args(["--index-url", &index.index_url()])
        .arg(&requirements)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.starts_with("warning: ")
            && err.contains(
                "requirements.txt sets --index-url http://127.0.0.1:9/simple/; \
                 the command line's --index-url"
            ),
        "{err}"
    );
    // In the JSON report, on the artifact of the release that declares it,
    // and not also on stderr.
    let doc = json(&output);
    let notes = artifact(&doc, "lure-1.0")["provenance"]["notes"].to_string();
    assert!(
        notes.contains(
            "dependency not scanned: lure 1.0 requires payload @ http://127.0.0.1:9/payload-1.0.tar.gz"
        ),
        "{notes}"
    );
    assert!(!err.contains("payload"), "{err}");
    // The scan-wide warning is in the document too, for machines.
    let warnings = doc["warnings"].to_string();
    assert!(
        warnings.contains("requirements.txt sets --index-url http://127.0.0.1:9/simple/"),
        "{warnings}"
    );
    assert_eq!(
        artifact(&doc, "tidy-1.0")["provenance"]["notes"],
        serde_json::json!([])
    );

    // SARIF has no notes: there the warning goes to stderr.
    let output = assay_as("sarif", cache.path())
        .args(["--index-url", &index.index_url()])
        .arg(&requirements)
        .output()
        .unwrap();
    assert!(
        stderr(&output).contains("warning: lure 1.0 requires payload @ http://127.0.0.1:9/"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn no_progress_bar_without_a_terminal() {
    // The tests' stderr is a pipe: a clean scan with downloads writes
    // nothing there, and the report is pure JSON.
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let output = assay(cache.path())
        .args(["--index-url", &index.index_url(), "app==1.0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), "");
    json(&output);
}
