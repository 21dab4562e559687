//! The index client against a scripted loopback server.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use assay_index::cache::sha256_hex;
use assay_index::{
    Cache, Client, DistKind, IndexConfig, IndexError, MetadataAvailability, PageError,
};
use support::{Reply, Request, Server};

const JSON: &str = "application/vnd.pypi.simple.v1+json";
const SDIST: &[u8] = b"pretend this is demo-1.0.tar.gz";
const WHEEL: &[u8] = b"pretend this is a wheel";
const METADATA: &[u8] = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: six\n";

fn config(base: &str) -> IndexConfig {
    let mut cfg = IndexConfig::for_index(&format!("{base}/simple")).expect("config");
    cfg.timeout.value = Duration::from_secs(5);
    cfg.retries.value = 2;
    cfg.backoff = Duration::from_millis(1);
    cfg
}

fn json_page(sdist_sha: &str) -> String {
    format!(
        r#"{{"meta":{{"api-version":"1.1"}},"name":"demo","versions":["1.0"],"files":[
          {{"filename":"demo-1.0.tar.gz","url":"/files/demo-1.0.tar.gz","hashes":{{"sha256":"{sdist_sha}"}},"size":{}}},
          {{"filename":"demo-1.0-py3-none-any.whl","url":"../../files/demo-1.0-py3-none-any.whl","hashes":{{"sha256":"{}"}},
            "core-metadata":{{"sha256":"{}"}}}}]}}"#,
        SDIST.len(),
        sha256_hex(WHEEL),
        sha256_hex(METADATA)
    )
}

/// A well-behaved index with one project, `demo`.
fn good_index(req: &Request) -> Reply {
    match req.path.as_str() {
        "/simple/demo/" => Reply::new(200, JSON, json_page(&sha256_hex(SDIST))),
        "/files/demo-1.0.tar.gz" => Reply::bytes(SDIST),
        "/files/demo-1.0-py3-none-any.whl" => Reply::bytes(WHEEL),
        "/files/demo-1.0-py3-none-any.whl.metadata" => Reply::bytes(METADATA),
        _ => Reply::not_found(),
    }
}

#[test]
fn json_page_and_verified_download() {
    let server = Server::start(good_index);
    let client = Client::new(config(&server.base), None).expect("client");
    let listing = client.project("Demo").expect("project");
    assert_eq!(listing.name, "demo");
    assert_eq!(
        listing.found_on(),
        vec![format!("{}/simple", server.base).as_str()]
    );
    assert!(!listing.on_several_indexes());
    let files = listing.files();
    assert_eq!(files.len(), 2);
    assert_eq!(
        files[0].url,
        format!("{}/files/demo-1.0.tar.gz", server.base)
    );
    assert_eq!(
        files[1].url,
        format!("{}/files/demo-1.0-py3-none-any.whl", server.base)
    );
    assert!(files[1].kind.is_pure_wheel());
    let accept = &server.requests()[0].headers["accept"];
    assert!(
        accept.starts_with("application/vnd.pypi.simple.v1+json"),
        "{accept}"
    );

    let d = client.download(files[0]).expect("download");
    assert_eq!(d.bytes, SDIST);
    assert!(d.verified);
    assert_eq!(d.algorithm.as_deref(), Some("sha256"));
    assert!(!d.from_cache);
    assert_eq!(d.sha256, sha256_hex(SDIST));
    let file_req = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/files/demo-1.0.tar.gz")
        .expect("file request");
    assert_eq!(
        file_req.headers.get("accept-encoding").map(String::as_str),
        Some("identity"),
        "archives are fetched as stored"
    );
}

#[test]
fn unknown_version_is_a_clear_error() {
    let server = Server::start(good_index);
    let client = Client::new(config(&server.base), None).expect("client");
    let listing = client.project("demo").expect("project");
    let v = |s: &str| s.parse::<assay_index::Version>().expect("version");
    assert_eq!(listing.versions(), vec![v("1.0")]);
    assert_eq!(listing.release(&v("1.0.0")).expect("1.0 == 1.0.0").len(), 2);
    let err = listing.release(&v("9.9")).expect_err("no such release");
    assert!(
        matches!(&err, IndexError::VersionNotFound { available, .. } if available == &["1.0"]),
        "{err}"
    );
    assert!(err.to_string().contains("demo has no release 9.9"), "{err}");
}

#[test]
fn html_page() {
    let server = Server::start(|req| match req.path.as_str() {
        "/simple/demo/" => Reply::new(
            200,
            "text/html",
            format!(
                "<html><body><a href=\"../../files/demo-1.0.tar.gz#sha256={}\" data-requires-python=\"&gt;=3.8\">demo-1.0.tar.gz</a>\n<a href=\"/files/demo-1.0-py3-none-any.whl#md5={}\" data-yanked=\"broken build\">w</a></body></html>",
                sha256_hex(SDIST),
                "d41d8cd98f00b204e9800998ecf8427e"
            ),
        ),
        "/files/demo-1.0.tar.gz" => Reply::bytes(SDIST),
        "/files/demo-1.0-py3-none-any.whl" => Reply::bytes(b""),
        _ => Reply::not_found(),
    });
    let client = Client::new(config(&server.base), None).expect("client");
    let listing = client.project("demo").expect("project");
    let files = listing.files();
    assert_eq!(files[0].requires_python.as_deref(), Some(">=3.8"));
    assert_eq!(files[0].kind, DistKind::Sdist);
    assert_eq!(files[1].yanked.as_deref(), Some("broken build"));
    assert!(client.download(files[0]).expect("download").verified);
    // md5_only_digest_is_not_verified: md5 is checked (a mismatch still
    // refuses the file) but a match does not count as verified.
    let md5 = client.download(files[1]).expect("md5-only download");
    assert_eq!(
        (md5.verified, md5.algorithm.as_deref()),
        (false, Some("md5"))
    );
}

#[test]
fn unknown_name_is_not_found() {
    let server = Server::start(good_index);
    let client = Client::new(config(&server.base), None).expect("client");
    let err = client.project("no-such-thing").expect_err("404");
    assert!(
        matches!(&err, IndexError::NotFound { name, .. } if name == "no-such-thing"),
        "{err}"
    );
    assert_eq!(
        server.hits("/simple/no-such-thing/"),
        1,
        "404 is not retried"
    );
}

#[test]
fn retries_a_500_then_succeeds() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let server = Server::start(move |req| {
        if req.path == "/simple/demo/" && c.fetch_add(1, Ordering::SeqCst) == 0 {
            return Reply::new(500, "text/plain", "oops");
        }
        good_index(req)
    });
    let client = Client::new(config(&server.base), None).expect("client");
    assert_eq!(
        client
            .project("demo")
            .expect("second try works")
            .files()
            .len(),
        2
    );
    assert_eq!(server.hits("/simple/demo/"), 2);
}

#[test]
fn a_500_forever_is_an_error_after_the_retries() {
    let server = Server::start(|_| Reply::new(503, "text/plain", "down"));
    let client = Client::new(config(&server.base), None).expect("client");
    let err = client.project("demo").expect_err("always 503");
    assert!(
        matches!(
            err,
            IndexError::Status {
                status: 503,
                attempts: 3,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(server.hits("/simple/demo/"), 3);
}

#[test]
fn a_4xx_is_not_retried() {
    let server = Server::start(|_| Reply::new(403, "text/plain", "no"));
    let client = Client::new(config(&server.base), None).expect("client");
    let err = client.project("demo").expect_err("403");
    assert!(
        matches!(
            err,
            IndexError::Status {
                status: 403,
                attempts: 1,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(server.total_hits(), 1);
}

#[test]
fn hash_mismatch_is_refused_and_not_cached() {
    let server = Server::start(|req| match req.path.as_str() {
        "/simple/demo/" => Reply::new(200, JSON, json_page(&sha256_hex(SDIST))),
        "/files/demo-1.0.tar.gz" => Reply::bytes(b"tampered content"),
        _ => Reply::not_found(),
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = Cache::open(dir.path()).expect("cache");
    let client = Client::new(config(&server.base), Some(cache.clone())).expect("client");
    let listing = client.project("demo").expect("project");
    let sdist = listing.files()[0].clone();
    let err = client.download(&sdist).expect_err("mismatch");
    match &err {
        IndexError::HashMismatch {
            algorithm,
            expected,
            actual,
            ..
        } => {
            assert_eq!(algorithm, "sha256");
            assert_eq!(expected, &sha256_hex(SDIST));
            assert_eq!(actual, &sha256_hex(b"tampered content"));
        }
        other => panic!("expected a hash mismatch, got {other}"),
    }
    assert_eq!(
        cache
            .get_blob(&sha256_hex(b"tampered content"))
            .expect("lookup"),
        None
    );
    assert_eq!(cache.lookup_url(&sdist.url).expect("lookup"), None);
    assert!(
        client.download(&sdist).is_err(),
        "still refused, from the network again"
    );
    assert_eq!(server.hits("/files/demo-1.0.tar.gz"), 2);
}

#[test]
fn truncated_body_is_an_error() {
    let server = Server::start(|req| {
        let mut r = good_index(req);
        if req.path == "/files/demo-1.0.tar.gz" {
            r.truncate_to = Some(5);
        }
        r
    });
    let client = Client::new(config(&server.base), None).expect("client");
    let listing = client.project("demo").expect("project");
    let err = client.download(listing.files()[0]).expect_err("truncated");
    assert!(
        matches!(err, IndexError::Truncated { expected, .. } if expected == SDIST.len() as u64),
        "{err}"
    );
    assert_eq!(
        server.hits("/files/demo-1.0.tar.gz"),
        3,
        "truncation is retried"
    );
}

#[test]
fn slow_server_times_out() {
    let server = Server::start(|req| {
        let mut r = good_index(req);
        r.delay = Duration::from_secs(3);
        r
    });
    let mut cfg = config(&server.base);
    cfg.timeout.value = Duration::from_millis(300);
    cfg.retries.value = 1;
    let client = Client::new(cfg, None).expect("client");
    let start = std::time::Instant::now();
    let err = client.project("demo").expect_err("timeout");
    assert!(
        matches!(err, IndexError::Timeout { attempts: 2, .. }),
        "{err}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "gave up in time: {:?}",
        start.elapsed()
    );
}

#[test]
fn malformed_page_is_a_typed_error() {
    let server = Server::start(|_| Reply::new(200, JSON, r#"{"files": "not a list"}"#));
    let client = Client::new(config(&server.base), None).expect("client");
    let err = client.project("demo").expect_err("malformed");
    assert!(
        matches!(err, IndexError::Page(PageError::MalformedJson { .. })),
        "{err}"
    );
}

#[test]
fn core_metadata_is_fetched_and_checked() {
    let server = Server::start(good_index);
    let client = Client::new(config(&server.base), None).expect("client");
    let listing = client.project("demo").expect("project");
    let wheel = listing.files()[1].clone();
    assert_eq!(
        client.core_metadata(&wheel).expect("metadata").as_deref(),
        Some(METADATA)
    );
    // Not announced: no request.
    let sdist = listing.files()[0].clone();
    assert_eq!(client.core_metadata(&sdist).expect("none"), None);
    // A wrong announced digest is refused.
    let mut bad = wheel.clone();
    bad.core_metadata = MetadataAvailability::Available {
        hashes: [("sha256".to_owned(), "0".repeat(64))].into(),
    };
    assert!(matches!(
        client.core_metadata(&bad),
        Err(IndexError::HashMismatch { .. })
    ));
    // Announced but missing: None.
    let mut missing = wheel;
    missing.url = format!("{}/files/gone.whl", server.base);
    assert_eq!(client.core_metadata(&missing).expect("404 is none"), None);
}

#[test]
fn warm_cache_needs_no_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(good_index);
    let base = server.base.clone();
    let cache = Cache::open(dir.path()).expect("cache");
    let client = Client::new(config(&base), Some(cache)).expect("client");
    let listing = client.project("demo").expect("project");
    let files: Vec<_> = listing.files().into_iter().cloned().collect();
    for f in &files {
        assert!(!client.download(f).expect("download").from_cache);
    }
    assert!(client.core_metadata(&files[1]).expect("metadata").is_some());
    server.stop();

    let cache = Cache::open(dir.path()).expect("cache");
    let client = Client::new(config(&base), Some(cache)).expect("client");
    let listing = client.project("demo").expect("page from the cache");
    assert_eq!(listing.files().len(), 2);
    for f in listing.files() {
        let d = client.download(f).expect("from cache");
        assert!(d.from_cache && d.verified);
    }
    assert_eq!(
        client
            .core_metadata(listing.files()[1])
            .expect("metadata")
            .as_deref(),
        Some(METADATA)
    );

    // Without the cache, the stopped server is a transport error.
    let client = Client::new(config(&base), None).expect("client");
    assert!(matches!(
        client.project("demo"),
        Err(IndexError::Transport { .. })
    ));
}

#[test]
fn corrupt_cache_blob_is_fetched_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(good_index);
    let cache = Cache::open(dir.path()).expect("cache");
    let client = Client::new(config(&server.base), Some(cache)).expect("client");
    let listing = client.project("demo").expect("project");
    let sdist = listing.files()[0].clone();
    client.download(&sdist).expect("download");
    let sha = sha256_hex(SDIST);
    std::fs::write(
        dir.path().join("blobs/sha256").join(&sha[..2]).join(&sha),
        b"rot",
    )
    .expect("corrupt");
    let d = client.download(&sdist).expect("re-fetched");
    assert!(!d.from_cache);
    assert_eq!(d.bytes, SDIST);
    assert_eq!(server.hits("/files/demo-1.0.tar.gz"), 2);
}

#[test]
fn two_indexes_listing_a_name() {
    let a = Server::start(good_index);
    let b = Server::start(good_index);
    let mut cfg = config(&a.base);
    cfg.extra_index_urls = IndexConfig::for_index(&format!("{}/simple", b.base))
        .expect("config")
        .indexes()
        .cloned()
        .collect();
    let client = Client::new(cfg, None).expect("client");
    let listing = client.project("demo").expect("project");
    assert!(listing.on_several_indexes());
    assert_eq!(
        listing.found_on(),
        vec![format!("{}/simple", a.base), format!("{}/simple", b.base)]
    );
    assert_eq!(listing.files().len(), 4);
    let by_index = listing.files_by_index();
    assert_eq!(by_index[3].0, format!("{}/simple", b.base));
}

#[test]
fn warm_cache_with_two_indexes_remembers_404s() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = Server::start(good_index);
    let b = Server::start(|_| Reply::not_found());
    let (a_base, b_base) = (a.base.clone(), b.base.clone());
    let make = || {
        let mut cfg = config(&a_base);
        cfg.extra_index_urls = IndexConfig::for_index(&format!("{b_base}/simple"))
            .expect("config")
            .indexes()
            .cloned()
            .collect();
        Client::new(cfg, Some(Cache::open(dir.path()).expect("cache"))).expect("client")
    };
    let listing = make().project("demo").expect("project");
    assert_eq!(listing.found_on().len(), 1);
    assert!(matches!(
        make().project("nowhere"),
        Err(IndexError::NotFound { .. })
    ));
    a.stop();
    b.stop();
    let listing = make().project("demo").expect("warm: no network");
    assert_eq!(listing.found_on(), vec![format!("{a_base}/simple")]);
    assert!(
        matches!(make().project("nowhere"), Err(IndexError::NotFound { .. })),
        "404s are cached too"
    );
}

#[test]
fn redirected_pages_resolve_against_the_final_url() {
    let server = Server::start(|req| match req.path.as_str() {
        "/simple/demo/" => {
            let mut r = Reply::new(302, "text/plain", "");
            r.headers.push(("Location".into(), "/moved/demo/".into()));
            r
        }
        "/moved/demo/" => Reply::new(
            200,
            "text/html",
            "<a href=\"demo-1.0.tar.gz\">demo-1.0.tar.gz</a>",
        ),
        _ => Reply::not_found(),
    });
    let client = Client::new(config(&server.base), None).expect("client");
    let listing = client.project("demo").expect("project");
    assert_eq!(
        listing.files()[0].url,
        format!("{}/moved/demo/demo-1.0.tar.gz", server.base)
    );
}

#[test]
fn unverified_downloads_are_flagged() {
    let server = Server::start(|req| match req.path.as_str() {
        "/simple/demo/" => Reply::new(
            200,
            "text/html",
            "<a href=\"/f/demo-1.0.tar.gz\">demo-1.0.tar.gz</a>",
        ),
        "/f/demo-1.0.tar.gz" => Reply::bytes(SDIST),
        _ => Reply::not_found(),
    });
    let client = Client::new(config(&server.base), None).expect("client");
    let listing = client.project("demo").expect("project");
    let d = client.download(listing.files()[0]).expect("download");
    assert!(!d.verified);
    assert_eq!(d.algorithm, None);
}

#[test]
fn size_cap_and_missing_files() {
    let server = Server::start(good_index);
    let mut cfg = config(&server.base);
    cfg.max_download_size = 4;
    let client = Client::new(cfg, None).expect("client");
    let listing = client.project("demo").expect("pages have their own cap");
    let err = client.download(listing.files()[0]).expect_err("too large");
    assert!(
        matches!(err, IndexError::TooLarge { limit: 4, .. }),
        "{err}"
    );
    let mut gone = listing.files()[0].clone();
    gone.url = format!("{}/files/gone.tar.gz", server.base);
    assert!(matches!(
        client.download(&gone),
        Err(IndexError::Status { status: 404, .. })
    ));
}

#[test]
fn parallel_downloads_keep_order_and_report_progress() {
    let server = Server::start(good_index);
    let client = Client::new(config(&server.base), None).expect("client");
    let listing = client.project("demo").expect("project");
    let mut files: Vec<_> = listing.files().into_iter().cloned().collect();
    let mut missing = files[0].clone();
    missing.url = format!("{}/files/gone.tar.gz", server.base);
    files.push(missing);
    files.push(files[1].clone());
    let seen = AtomicUsize::new(0);
    let results = client.download_all(&files, 3, &|p| {
        seen.fetch_add(1, Ordering::SeqCst);
        assert_eq!(p.total, 4);
        assert!(p.done >= 1 && p.done <= 4);
    });
    assert_eq!(seen.load(Ordering::SeqCst), 4);
    assert_eq!(results.len(), 4);
    assert_eq!(results[0].as_ref().expect("sdist").bytes, SDIST);
    assert_eq!(results[1].as_ref().expect("wheel").bytes, WHEEL);
    assert!(results[2].is_err());
    assert_eq!(results[3].as_ref().expect("wheel again").bytes, WHEEL);
}

#[test]
fn credentials_are_sent_to_the_index_host() {
    let server = Server::start(good_index);
    let url = server.base.replace("http://", "http://alice:pw@");
    let mut cfg = IndexConfig::for_index(&format!("{url}/simple")).expect("config");
    cfg.backoff = Duration::from_millis(1);
    let client = Client::new(cfg, None).expect("client");
    client.project("demo").expect("project");
    let auth = server.requests()[0].headers.get("authorization").cloned();
    assert_eq!(auth.as_deref(), Some("Basic YWxpY2U6cHc="));
}

#[test]
fn project_json_endpoint() {
    let server = Server::start(|req| match req.path.as_str() {
        "/pypi/demo/json" => Reply::new(200, "application/json", r#"{"info":{"name":"demo"}}"#),
        "/pypi/broken/json" => Reply::new(200, "application/json", "{"),
        _ => Reply::not_found(),
    });
    let client = Client::new(config(&server.base), None).expect("client");
    let v = client.project_json("demo").expect("json").expect("present");
    assert_eq!(v["info"]["name"], "demo");
    assert_eq!(client.project_json("other").expect("404"), None);
    assert!(matches!(
        client.project_json("broken"),
        Err(IndexError::MalformedJson { .. })
    ));
}

fn proxy_to(base: &str) -> Option<assay_index::Sourced<String>> {
    Some(assay_index::Sourced {
        value: base.to_owned(),
        source: assay_index::Source::Default,
    })
}

#[test]
fn requests_go_through_the_proxy_unless_no_proxy() {
    let proxy = Server::start(good_index);
    let mut cfg = IndexConfig::for_index("http://mirror.example/simple").expect("config");
    cfg.proxy.http = proxy_to(&proxy.base);
    cfg.backoff = Duration::from_millis(1);
    let client = Client::new(cfg, None).expect("client");
    let listing = client.project("demo").expect("through the proxy");
    assert_eq!(
        listing.files()[0].url,
        "http://mirror.example/files/demo-1.0.tar.gz"
    );
    assert_eq!(
        client.download(listing.files()[0]).expect("download").bytes,
        SDIST
    );
    // The proxy opened tunnels to the index host and served both requests.
    assert!(proxy.hits("CONNECT mirror.example:80") >= 1);
    assert_eq!(proxy.hits("/simple/demo/"), 1);
    assert_eq!(proxy.hits("/files/demo-1.0.tar.gz"), 1);

    let direct = Server::start(good_index);
    let mut cfg = config(&direct.base);
    cfg.proxy.http = proxy_to(&proxy.base);
    cfg.proxy.no_proxy = vec!["127.0.0.1".into()];
    let before = proxy.total_hits();
    Client::new(cfg, None)
        .expect("client")
        .project("demo")
        .expect("direct");
    assert_eq!(proxy.total_hits(), before);
    assert_eq!(direct.hits("/simple/demo/"), 1);
}

#[test]
fn unreadable_ca_bundle_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pem = dir.path().join("ca.pem");
    std::fs::write(&pem, "not a certificate").expect("write");
    let mut cfg = IndexConfig::for_index("https://mirror.example/simple").expect("config");
    cfg.cert = Some(assay_index::Sourced {
        value: pem,
        source: assay_index::Source::Default,
    });
    assert!(matches!(
        Client::new(cfg.clone(), None),
        Err(IndexError::Cert { .. })
    ));
    cfg.cert.as_mut().expect("cert").value = dir.path().join("missing.pem");
    assert!(matches!(
        Client::new(cfg, None),
        Err(IndexError::Cert { .. })
    ));
}

/// A file served by a hostile index: `reply` for every file request, a
/// JSON page declaring `size` for the one file.
fn hostile_file(base: &str, size: Option<u64>) -> assay_index::DistFile {
    let client = Client::new(config(base), None).expect("client");
    let mut file = client.project("demo").expect("project").files()[0].clone();
    file.size = size;
    file.hashes.clear();
    file
}

fn hostile_index(file: Reply) -> Server {
    Server::start(move |req: &Request| match req.path.as_str() {
        "/simple/demo/" => Reply::new(200, JSON, json_page(&sha256_hex(SDIST))),
        "/files/demo-1.0.tar.gz" => file.clone(),
        _ => Reply::not_found(),
    })
}

/// An index whose one file drips a byte every 50 ms: no single read waits
/// long enough for the per-read timeout, so only a deadline for the whole
/// request (or run) ends it. No retries.
fn slowloris_index() -> (Server, assay_index::DistFile, IndexConfig) {
    let mut drip = Reply::bytes(&[b'x'; 400]);
    drip.drip = Some(Duration::from_millis(50));
    let server = hostile_index(drip);
    let file = hostile_file(&server.base, None);
    let mut cfg = config(&server.base);
    cfg.retries.value = 0;
    (server, file, cfg)
}

#[test]
fn slowloris_download_hits_the_request_deadline() {
    let (_server, file, mut cfg) = slowloris_index();
    cfg.request_deadline = Duration::from_millis(500);
    let client = Client::new(cfg, None).expect("client");
    let err = client.download(&file).expect_err("deadline");
    assert!(matches!(err, IndexError::Timeout { .. }), "{err}");
}

#[test]
fn slowloris_download_hits_the_run_deadline() {
    let (server, file, mut cfg) = slowloris_index();
    cfg.timeout_total = Some(Duration::from_millis(500));
    let client = Client::new(cfg, None).expect("client");
    let err = client.download(&file).expect_err("run deadline");
    assert!(matches!(err, IndexError::Timeout { .. }), "{err}");
    // Once the run's time is spent, nothing more is asked for.
    let before = server.total_hits();
    let err = client.download(&file).expect_err("no time left");
    assert!(matches!(err, IndexError::RunDeadline { .. }), "{err}");
    assert_eq!(server.total_hits(), before);
}

#[test]
fn gzip_bomb_sent_unasked_is_refused() {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&vec![0u8; 8 << 20]).expect("gzip");
    let mut bomb = Reply::bytes(&encoder.finish().expect("gzip"));
    bomb.headers
        .push(("Content-Encoding".into(), "gzip".into()));
    let server = hostile_index(bomb);
    let file = hostile_file(&server.base, None);
    let client = Client::new(config(&server.base), None).expect("client");
    let err = client.download(&file).expect_err("refused");
    assert!(
        matches!(&err, IndexError::UnexpectedEncoding { encoding, .. } if encoding == "gzip"),
        "{err}"
    );
}

#[test]
fn endless_body_is_bounded_by_the_declared_size() {
    // The page says 10 bytes; the body goes on (no Content-Length).
    let mut endless = Reply::bytes(&[b'x'; 64 << 10]);
    endless.no_length = true;
    let server = hostile_index(endless);
    let file = hostile_file(&server.base, Some(10));
    let client = Client::new(config(&server.base), None).expect("client");
    let err = client.download(&file).expect_err("too large");
    assert!(
        matches!(err, IndexError::TooLarge { limit: 10, .. }),
        "{err}"
    );
}

#[test]
fn file_links_get_a_clear_message() {
    let server = Server::start(good_index);
    let client = Client::new(config(&server.base), None).expect("client");
    let mut file = client.project("demo").expect("project").files()[0].clone();
    file.url = "file:///etc/passwd".to_owned();
    let err = client.download(&file).expect_err("not followed");
    assert!(matches!(err, IndexError::LocalLink { .. }), "{err}");
    assert!(err.to_string().contains("not followed"), "{err}");
}
