//! The scanning proxy and `assay install` with real clients (pip and uv
//! from the test venv) and a real index server (pypiserver) upstream.
//!
//! Every malicious fixture is built in memory from strings and only ever
//! reaches pypiserver's temporary folder; the gate must keep it from the
//! installers. The "malicious" payloads are harmless (they would write a
//! marker file), and the tests check that they never ran.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::prelude::*;
use serde_json::Value;
use support::proxy::{Fault, FaultProxy};
use support::{Dist, IndexServer, sha256_hex, tidy};

/// The test venv's `bin` folder (pypi-server, python, uv live there).
fn venv_bin() -> PathBuf {
    let server = std::env::var_os("ASSAY_TEST_PYPI_SERVER")
        .map(PathBuf::from)
        .expect("run the tests with scripts/test.sh: it installs pypiserver, pip and uv");
    server.parent().expect("bin folder").to_owned()
}

fn front() -> Dist<'static> {
    Dist {
        name: "front",
        version: "1.0",
        requires: &["tidy"],
        files: &[("front/__init__.py", "from tidy import tidy\n")],
    }
}

/// A harmless "payload": writes `marker` when run. Hidden behind base64 and
/// exec, which is what assay must judge malicious.
fn payload(marker: &Path) -> String {
    use base64::Engine as _;
    let code = format!("open({:?}, 'w').write('ran')", marker.display().to_string());
    base64::engine::general_purpose::STANDARD.encode(code)
}

/// An sdist whose setup.py would write `marker` when built.
fn evil_sdist(marker: &Path) -> (String, Vec<u8>) {
    let setup = format!(
        "import base64\nfrom setuptools import setup\nexec(base64.b64decode(\"{}\"))  # </pre><script>alert(1)</script>\nsetup(name='evil', version='1.0')\n",
        payload(marker)
    );
    Dist {
        name: "evil",
        version: "1.0",
        requires: &[],
        files: &[("setup.py", setup.as_str())],
    }
    .sdist()
}

/// A wheel whose `.pth` file would write `marker` at every interpreter start.
fn pth_wheel(marker: &Path) -> (String, Vec<u8>) {
    let pth = format!(
        "import base64; exec(base64.b64decode(\"{}\"))\n",
        payload(marker)
    );
    Dist {
        name: "pthpkg",
        version: "1.0",
        requires: &[],
        files: &[
            ("pthpkg_hook.pth", pth.as_str()),
            ("pthpkg/__init__.py", "VERSION = '1.0'\n"),
        ],
    }
    .wheel()
}

/// `assay` with no index, proxy or pip setting from the environment.
fn assay() -> Command {
    let mut cmd = Command::cargo_bin("assay").expect("binary");
    without_index_settings(&mut cmd);
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Removes the index, proxy and pip settings of the environment from
/// `cmd`, and points pip's configuration file at nothing.
fn without_index_settings(cmd: &mut Command) -> &mut Command {
    for var in [
        "PIP_INDEX_URL",
        "PIP_EXTRA_INDEX_URL",
        "UV_DEFAULT_INDEX",
        "UV_INDEX_URL",
        "UV_INDEX",
        "UV_EXTRA_INDEX_URL",
        "PIP_RETRIES",
        "PIP_TIMEOUT",
        "PIP_DEFAULT_TIMEOUT",
        "PIP_PROXY",
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("PIP_CONFIG_FILE", "/dev/null")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
}

/// A running `assay proxy`, its log collected.
struct Proxy {
    child: Child,
    root: String,
    log: Arc<Mutex<String>>,
    _cache: tempfile::TempDir,
}

impl Proxy {
    fn start(upstream: &str, extra: &[&str]) -> Proxy {
        Proxy::start_with_timeout(upstream, "2", extra)
    }

    /// A proxy whose upstream requests time out after `timeout` seconds.
    fn start_with_timeout(upstream: &str, timeout: &str, extra: &[&str]) -> Proxy {
        let cache = tempfile::tempdir().expect("tempdir");
        let mut child = assay()
            .args(["proxy", "--listen", "127.0.0.1:0", "--upstream", upstream])
            .args(["--retries", "0", "--timeout", timeout, "--cache-dir"])
            .arg(cache.path())
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start assay proxy");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let first = lines.next().expect("a first line").expect("text");
        let root = first
            .split_whitespace()
            .find_map(|w| w.strip_suffix("/simple/"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .to_owned();
        let log = Arc::new(Mutex::new(format!("{first}\n")));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut log = sink.lock().expect("log");
                log.push_str(&line);
                log.push('\n');
            }
        });
        Proxy {
            child,
            root,
            log,
            _cache: cache,
        }
    }

    fn index_url(&self) -> String {
        format!("{}/simple/", self.root)
    }

    fn get(&self, path: &str) -> Reply {
        get(&format!("{}{path}", self.root), None)
    }

    fn stats(&self) -> Value {
        serde_json::from_slice(&self.get("/_assay/stats").body).expect("stats JSON")
    }

    /// The log once it holds `needle`. The proxy writes a line after it
    /// answers, and a thread copies it here, so a test that has its answer
    /// waits for the line (up to 30 s) rather than racing the copy.
    fn log_once_it_has(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let log = self.log.lock().expect("log").clone();
            if log.contains(needle) || Instant::now() > deadline {
                return log;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    reason: String,
    headers: String,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A plain HTTP/1.0 GET (the connection closes after the answer).
fn get(url: &str, accept: Option<&str>) -> Reply {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_at(rest.find('/').expect("path"));
    let mut stream = TcpStream::connect(host).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .expect("timeout");
    let accept = accept
        .map(|a| format!("Accept: {a}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {host}\r\n{accept}\r\n"
    )
    .expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status_line = head.lines().next().expect("status line");
    let mut parts = status_line.splitn(3, ' ');
    parts.next();
    let status = parts.next().expect("status").parse().expect("number");
    Reply {
        status,
        reason: parts.next().unwrap_or("").to_owned(),
        headers: head,
        body: raw[split + 4..].to_vec(),
    }
}

fn output_text(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn pip_install(index_url: &str, target: &Path, what: &str) -> Output {
    pip_install_with(index_url, target, what, &[])
}

/// `pip install` with `extra` options before the target.
fn pip_install_with(index_url: &str, target: &Path, what: &str, extra: &[&str]) -> Output {
    Command::new(venv_bin().join("python"))
        .args([
            "-m",
            "pip",
            "install",
            "--no-cache-dir",
            "--index-url",
            index_url,
        ])
        .args(extra)
        .arg("--target")
        .arg(target)
        .arg(what)
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_FIND_LINKS")
        .output()
        .expect("run pip")
}

#[test]
fn pip_installs_a_clean_project_with_its_dependency_through_the_proxy() {
    let server = IndexServer::start(&[front().wheel(), tidy().wheel(), tidy().sdist()]);
    let proxy = Proxy::start(&server.index_url(), &[]);
    let target = tempfile::tempdir().expect("tempdir");
    let output = pip_install(&proxy.index_url(), target.path(), "front");
    assert!(output.status.success(), "{}", output_text(&output));
    assert!(target.path().join("front/__init__.py").is_file());
    assert!(target.path().join("tidy/__init__.py").is_file());
    let stats = proxy.stats();
    assert_eq!(stats["scans"], 2, "{stats}");
    assert_eq!(stats["blocked"], 0, "{stats}");
    let log = proxy.log_once_it_has("served  front-1.0");
    assert!(log.contains("served  front-1.0"), "{log}");
}

#[test]
fn project_pages_point_at_the_proxy_and_keep_the_upstream_facts() {
    let server = IndexServer::start(&[tidy().wheel()]);
    let proxy = Proxy::start(&server.index_url(), &[]);
    let json = get(
        &format!("{}/simple/Tidy/", proxy.root),
        Some(assay_index_accept()),
    );
    assert_eq!(json.status, 200, "{}", json.text());
    assert!(json.headers.contains("application/vnd.pypi.simple.v1+json"));
    let page: Value = serde_json::from_slice(&json.body).expect("JSON page");
    let file = &page["files"][0];
    let (name, bytes) = tidy().wheel();
    assert_eq!(file["filename"], name);
    assert_eq!(file["url"], format!("../../files/tidy/{name}"));
    assert_eq!(file["hashes"]["sha256"], sha256_hex(&bytes));
    let html = get(&format!("{}/simple/tidy/", proxy.root), None);
    assert!(html.headers.contains("text/html"));
    assert!(html.text().contains(&format!(
        "href=\"../../files/tidy/{name}#sha256={}\"",
        sha256_hex(&bytes)
    )));
    assert!(!html.text().contains(&server.root));
    let unknown = proxy.get("/simple/nothing-here/");
    assert_eq!(unknown.status, 404);
}

fn assay_index_accept() -> &'static str {
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
}

#[test]
fn an_sdist_that_would_run_code_at_build_time_is_blocked_before_pip_builds_it() {
    let work = tempfile::tempdir().expect("tempdir");
    let marker = work.path().join("marker");
    let server = IndexServer::start(&[evil_sdist(&marker)]);
    let target = work.path().join("target");
    let cache = work.path().join("cache");
    let output = assay()
        .args(["install", "--index-url", &server.index_url(), "--cache-dir"])
        .arg(&cache)
        .arg("--")
        .arg(venv_bin().join("python"))
        .args(["-m", "pip", "install", "--target"])
        .arg(&target)
        .arg("evil")
        .output()
        .expect("run assay install");
    let text = output_text(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("assay blocked 1 file"), "{text}");
    assert!(
        text.contains("evil-1.0.tar.gz (evil): malicious (AY"),
        "{text}"
    );
    // pip printed the reason phrase of the 403.
    assert!(text.contains("blocked by assay: malicious"), "{text}");
    assert!(!marker.exists(), "the build ran: {text}");
    assert!(!target.join("evil").exists());
}

#[test]
fn uv_installs_clean_files_and_is_refused_a_wheel_with_a_malicious_pth() {
    let work = tempfile::tempdir().expect("tempdir");
    let marker = work.path().join("marker");
    let server = IndexServer::start(&[front().wheel(), tidy().wheel(), pth_wheel(&marker)]);
    let uv = |what: &str, target: &Path| {
        assay()
            .args([
                "install",
                "--with",
                "uv",
                "--index-url",
                &server.index_url(),
                "--cache-dir",
            ])
            .arg(work.path().join("cache"))
            .args(["--", "pip", "install", "--python"])
            .arg(venv_bin().join("python"))
            .arg("--target")
            .arg(target)
            .arg(what)
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    venv_bin().display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .output()
            .expect("run assay install --with uv")
    };
    let clean = work.path().join("clean");
    let output = uv("front", &clean);
    assert!(output.status.success(), "{}", output_text(&output));
    assert!(clean.join("tidy/__init__.py").is_file());

    let evil = work.path().join("evil");
    let output = uv("pthpkg", &evil);
    let text = output_text(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("pthpkg-1.0-py3-none-any.whl (pthpkg): malicious"),
        "{text}"
    );
    assert!(!evil.join("pthpkg_hook.pth").exists());
    assert!(!marker.exists());
}

#[test]
fn a_refusal_has_a_report_page_with_the_hostile_text_escaped() {
    let work = tempfile::tempdir().expect("tempdir");
    let (name, bytes) = evil_sdist(&work.path().join("marker"));
    let server = IndexServer::start(&[(name.clone(), bytes.clone())]);
    let proxy = Proxy::start(&server.index_url(), &[]);
    assert_eq!(proxy.get("/simple/evil/").status, 200);
    let refused = proxy.get(&format!("/files/evil/{name}"));
    assert_eq!(refused.status, 403);
    let link = format!("{}/report/{}", proxy.root, sha256_hex(&bytes));
    assert!(
        refused
            .reason
            .starts_with("blocked by assay: malicious (AY104"),
        "{}",
        refused.reason
    );
    assert!(
        refused.reason.ends_with(&format!(", see {link}")),
        "{}",
        refused.reason
    );
    assert_eq!(refused.text().trim_end(), refused.reason);
    let page = get(&link, None);
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("Blocked by assay"), "{html}");
    assert!(html.contains("AY104"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "{html}");
    let log = proxy.log_once_it_has("BLOCKED evil-1.0.tar.gz");
    assert!(log.contains("BLOCKED evil-1.0.tar.gz"), "{log}");
    let blocked: Value = serde_json::from_slice(&proxy.get("/_assay/blocked").body).expect("JSON");
    assert_eq!(blocked[0]["filename"], name);
}

#[test]
fn hide_blocked_drops_known_bad_files_from_pages() {
    let work = tempfile::tempdir().expect("tempdir");
    let (bad, _) = pth_wheel(&work.path().join("marker"));
    let server = IndexServer::start(&[pth_wheel(&work.path().join("marker"))]);
    let proxy = Proxy::start(&server.index_url(), &["--hide-blocked"]);
    assert!(proxy.get("/simple/pthpkg/").text().contains(&bad));
    assert_eq!(proxy.get(&format!("/files/pthpkg/{bad}")).status, 403);
    assert!(!proxy.get("/simple/pthpkg/").text().contains(&bad));
}

#[test]
fn a_suppressed_finding_is_served_and_shown_as_suppressed() {
    let work = tempfile::tempdir().expect("tempdir");
    let (name, bytes) = pth_wheel(&work.path().join("marker"));
    let config = work.path().join("assay.toml");
    std::fs::write(
        &config,
        format!(
            "[[ignore]]\npackage = \"pthpkg\"\nsha256 = \"{}\"\nreason = \"reviewed: our own start-up hook\"\n",
            sha256_hex(&bytes)
        ),
    )
    .expect("write config");
    let server = IndexServer::start(&[(name.clone(), bytes.clone())]);
    let proxy = Proxy::start(
        &server.index_url(),
        &["--config", config.to_str().expect("utf-8")],
    );
    assert_eq!(proxy.get("/simple/pthpkg/").status, 200);
    let served = proxy.get(&format!("/files/pthpkg/{name}"));
    assert_eq!(served.status, 200, "{}", served.reason);
    assert_eq!(served.body, bytes);
    let report = proxy.get(&format!("/report/{}", sha256_hex(&bytes))).text();
    assert!(
        report.contains("suppressed: reviewed: our own start-up hook"),
        "{report}"
    );
    assert!(report.contains("Allowed by the policy"), "{report}");
    // `assay install` with the same configuration installs it, and says
    // that findings were accepted by the policy.
    let target = work.path().join("target");
    let output = assay()
        .args(["install", "--config", config.to_str().expect("utf-8")])
        .args(["--index-url", &server.index_url(), "--cache-dir"])
        .arg(work.path().join("cache"))
        .arg("--")
        .arg(venv_bin().join("python"))
        .args(["-m", "pip", "install", "--target"])
        .arg(&target)
        .arg("pthpkg")
        .output()
        .expect("run assay install");
    let text = output_text(&output);
    assert!(output.status.success(), "{text}");
    assert!(target.join("pthpkg_hook.pth").is_file(), "{text}");
    // The entry names the package and the file: it accepts every finding.
    let findings = report.matches("suppressed: reviewed").count();
    assert!(findings > 0, "{report}");
    assert!(
        text.contains(&format!(
            "allowed {name} (pthpkg): {findings} findings suppressed by the policy"
        )),
        "{text}"
    );
    // The same entry keyed on another file's hash does not match.
    std::fs::write(
        &config,
        format!(
            "[[ignore]]\npackage = \"pthpkg\"\nsha256 = \"{}\"\nreason = \"reviewed\"\n",
            "0".repeat(64)
        ),
    )
    .expect("write config");
    let strict = Proxy::start(
        &server.index_url(),
        &["--config", config.to_str().expect("utf-8")],
    );
    assert_eq!(strict.get("/simple/pthpkg/").status, 200);
    assert_eq!(strict.get(&format!("/files/pthpkg/{name}")).status, 403);
}

#[test]
fn a_file_that_cannot_be_fully_scanned_is_blocked_unless_the_policy_allows_it() {
    let server = IndexServer::start(&[tidy().wheel()]);
    let (name, bytes) = tidy().wheel();
    // The wheel has more entries than this limit lets assay read.
    let strict = Proxy::start(&server.index_url(), &["--max-entries", "1"]);
    assert_eq!(strict.get("/simple/tidy/").status, 200);
    let refused = strict.get(&format!("/files/tidy/{name}"));
    assert_eq!(refused.status, 403, "{}", refused.text());
    assert!(
        refused
            .reason
            .starts_with("blocked by assay: could not be fully scanned"),
        "{}",
        refused.reason
    );
    let lenient = Proxy::start(
        &server.index_url(),
        &["--max-entries", "1", "--allow-unscannable"],
    );
    assert_eq!(lenient.get("/simple/tidy/").status, 200);
    let served = lenient.get(&format!("/files/tidy/{name}"));
    assert_eq!(served.status, 200, "{}", served.reason);
    assert_eq!(served.body, bytes);
}

#[test]
fn the_deny_list_blocks_a_name_without_fetching_it() {
    let server = IndexServer::start(&[tidy().wheel()]);
    let upstream = FaultProxy::start(&server);
    let proxy = Proxy::start(&upstream.index_url(), &["--deny", "Tidy"]);
    let (name, _) = tidy().wheel();
    let refused = proxy.get(&format!("/files/tidy/{name}"));
    assert_eq!(refused.status, 403);
    assert!(refused.reason.contains("deny list"), "{}", refused.reason);
    assert_eq!(upstream.hits(&format!("/packages/{name}")), 0);
}

#[test]
fn a_tampered_upstream_file_is_refused() {
    let server = IndexServer::start(&[tidy().wheel()]);
    let upstream = FaultProxy::start(&server);
    let proxy = Proxy::start(&upstream.index_url(), &[]);
    let (name, _) = tidy().wheel();
    upstream.always(
        &format!("/packages/{name}"),
        Fault::Body(
            "application/octet-stream",
            b"PK\x03\x04 not the published file".to_vec(),
        ),
    );
    assert_eq!(proxy.get("/simple/tidy/").status, 200);
    let refused = proxy.get(&format!("/files/tidy/{name}"));
    assert_eq!(refused.status, 502, "{}", refused.text());
    assert!(
        refused.text().contains("digest mismatch"),
        "{}",
        refused.text()
    );
    assert!(!refused.text().contains("not the published file"));
    assert_eq!(proxy.stats()["scans"], 0);

    // pip, asking for the same file, gets the refusal and installs nothing.
    pip_fails_without_installing_tidy(&proxy, "502");
    assert_eq!(proxy.stats()["scans"], 0);
}

/// pip, asked once (no retries) for `tidy` through `proxy`, fails with
/// `status` in its output and installs nothing.
fn pip_fails_without_installing_tidy(proxy: &Proxy, status: &str) {
    let target = tempfile::tempdir().expect("tempdir");
    let output = pip_install_with(
        &proxy.index_url(),
        target.path(),
        "tidy",
        &["--retries", "0"],
    );
    let text = output_text(&output);
    assert!(!output.status.success(), "{text}");
    assert!(text.contains(status), "{text}");
    assert!(!target.path().join("tidy").exists(), "{text}");
}

#[test]
fn pip_gets_a_gateway_timeout_from_a_slow_upstream_and_installs_nothing() {
    let server = IndexServer::start(&[tidy().wheel()]);
    let upstream = FaultProxy::start(&server);
    let proxy = Proxy::start(&upstream.index_url(), &[]);
    let (name, _) = tidy().wheel();
    upstream.always(
        &format!("/packages/{name}"),
        Fault::Delay(Duration::from_secs(6)),
    );
    pip_fails_without_installing_tidy(&proxy, "504");
    assert_eq!(proxy.stats()["served"], 0);
}

#[test]
fn upstream_errors_and_timeouts_are_clean_gateway_errors() {
    let server = IndexServer::start(&[tidy().wheel()]);
    let upstream = FaultProxy::start(&server);
    let proxy = Proxy::start(&upstream.index_url(), &[]);
    upstream.times("/simple/tidy/", Fault::Status(500), 1);
    let failed = proxy.get("/simple/tidy/");
    assert_eq!(failed.status, 502);
    assert!(failed.text().contains("HTTP 500"), "{}", failed.text());
    // The next request goes upstream again and works.
    assert_eq!(proxy.get("/simple/tidy/").status, 200);
    let (name, bytes) = tidy().wheel();
    upstream.times(
        &format!("/packages/{name}"),
        Fault::Delay(Duration::from_secs(6)),
        1,
    );
    let slow = proxy.get(&format!("/files/tidy/{name}"));
    assert_eq!(slow.status, 504, "{}", slow.text());
    assert!(slow.text().contains("timed out"), "{}", slow.text());
    let served = proxy.get(&format!("/files/tidy/{name}"));
    assert_eq!(served.status, 200);
    assert_eq!(served.body, bytes);

    // pip treats a failing project page as an empty one (it logs the 502
    // only at debug level): it finds no version and installs nothing.
    upstream.always("/simple/tidy/", Fault::Status(500));
    let target = tempfile::tempdir().expect("tempdir");
    let output = pip_install(&proxy.index_url(), target.path(), "tidy");
    let text = output_text(&output);
    assert!(!output.status.success(), "{text}");
    assert!(
        text.contains("No matching distribution found for tidy"),
        "{text}"
    );
    assert!(!target.path().join("tidy").exists());
}

#[test]
fn twenty_clients_asking_for_one_file_get_one_fetch_and_one_scan() {
    let server = IndexServer::start(&[tidy().wheel()]);
    let upstream = FaultProxy::start(&server);
    let proxy = Proxy::start(&upstream.index_url(), &[]);
    let (name, bytes) = tidy().wheel();
    assert_eq!(proxy.get("/simple/tidy/").status, 200);
    let url = format!("{}/files/tidy/{name}", proxy.root);
    let replies: Vec<Reply> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20).map(|_| s.spawn(|| get(&url, None))).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("client"))
            .collect()
    });
    for reply in &replies {
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, bytes);
    }
    let stats = proxy.stats();
    assert_eq!(stats["scans"], 1, "{stats}");
    assert_eq!(stats["served"], 20, "{stats}");
    assert_eq!(upstream.hits(&format!("/packages/{name}")), 1);
}

#[test]
fn pips_extra_index_is_merged_by_the_proxy_and_the_main_index_wins_a_name() {
    let main = IndexServer::start(&[support::util().wheel()]);
    let extra_server = IndexServer::start(&[tidy().wheel(), support::util_tampered().wheel()]);
    let extra = FaultProxy::start(&extra_server);
    let work = tempfile::tempdir().expect("tempdir");
    let target = work.path().join("target");
    // pip's own index settings, as a user has them: `assay install` reads
    // them for its proxy's upstreams and points pip at the proxy alone.
    let output = assay()
        .args(["install", "--cache-dir"])
        .arg(work.path().join("cache"))
        .arg("--")
        .arg(venv_bin().join("python"))
        .args(["-m", "pip", "install", "--target"])
        .arg(&target)
        .args(["tidy", "util"])
        .env("PIP_INDEX_URL", main.index_url())
        .env("PIP_EXTRA_INDEX_URL", extra.index_url())
        .output()
        .expect("run assay install");
    let text = output_text(&output);
    assert!(output.status.success(), "{text}");
    assert!(target.join("tidy/__init__.py").is_file(), "{text}");
    // util is on both indexes under one file name: the main index's file
    // is the one listed, fetched and installed.
    let util = std::fs::read_to_string(target.join("util/__init__.py")).expect("util installed");
    assert!(util.contains("def add"), "{util}");
    let (util_name, _) = support::util().wheel();
    assert_eq!(extra.hits(&format!("/packages/{util_name}")), 0);
    // tidy came from the extra index, fetched by the proxy, never by pip.
    let (tidy_name, _) = tidy().wheel();
    let tidy_fetch = extra.headers(&format!("/packages/{tidy_name}"));
    assert_eq!(extra.hits(&format!("/packages/{tidy_name}")), 1);
    assert!(
        tidy_fetch
            .iter()
            .any(|h| h.to_lowercase().starts_with("user-agent: assay")),
        "{tidy_fetch:?}"
    );
}

#[test]
fn twenty_pip_installs_at_once_fetch_and_scan_each_file_once() {
    let server = IndexServer::start(&[front().wheel(), tidy().wheel()]);
    let upstream = FaultProxy::start(&server);
    // A patient proxy: 20 pips at once on a small machine are slow.
    let proxy = Proxy::start_with_timeout(&upstream.index_url(), "60", &[]);
    let work = tempfile::tempdir().expect("tempdir");
    let index_url = proxy.index_url();
    let installs: Vec<(PathBuf, Output)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|i| {
                let target = work.path().join(format!("client-{i}"));
                let index_url = &index_url;
                s.spawn(move || {
                    let output = pip_install(index_url, &target, "front");
                    (target, output)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("pip client"))
            .collect()
    });
    for (target, output) in &installs {
        assert!(output.status.success(), "{}", output_text(output));
        assert!(target.join("front/__init__.py").is_file());
        assert!(target.join("tidy/__init__.py").is_file());
    }
    let stats = proxy.stats();
    assert_eq!(stats["scans"], 2, "{stats}");
    assert_eq!(stats["served"], 40, "{stats}");
    assert_eq!(stats["upstream_downloads"], 2, "{stats}");
    for (name, _) in [front().wheel(), tidy().wheel()] {
        assert_eq!(upstream.hits(&format!("/packages/{name}")), 1, "{name}");
    }
}

#[test]
fn upstream_credentials_are_sent_upstream_and_never_shown() {
    use base64::Engine as _;
    let work = tempfile::tempdir().expect("tempdir");
    let (evil, evil_bytes) = evil_sdist(&work.path().join("marker"));
    let server = IndexServer::start(&[tidy().wheel(), (evil.clone(), evil_bytes.clone())]);
    let upstream = FaultProxy::start(&server);
    let password = "pa55-Wq7-secret";
    let host = upstream.root.strip_prefix("http://").expect("http");
    let proxy = Proxy::start(&format!("http://alice:{password}@{host}/simple/"), &[]);
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("alice:{password}"));

    let (name, bytes) = tidy().wheel();
    let json = get(
        &format!("{}/simple/tidy/", proxy.root),
        Some(assay_index_accept()),
    );
    let html = proxy.get("/simple/tidy/");
    let served = proxy.get(&format!("/files/tidy/{name}"));
    assert_eq!(served.status, 200, "{}", served.text());
    assert_eq!(served.body, bytes);
    assert_eq!(proxy.get("/simple/evil/").status, 200);
    let refused = proxy.get(&format!("/files/evil/{evil}"));
    assert_eq!(refused.status, 403);
    let report = proxy.get(&format!("/report/{}", sha256_hex(&evil_bytes)));
    upstream.always("/simple/broken/", Fault::Status(500));
    let failed = proxy.get("/simple/broken/");
    assert_eq!(failed.status, 502);
    let missing = proxy.get("/simple/nothing-here/");
    assert_eq!(missing.status, 404);

    // The upstream was asked with the credentials...
    let sent = format!("authorization: basic {}", basic.to_lowercase());
    for path in ["/simple/tidy/", &format!("/packages/{name}")] {
        assert!(
            upstream
                .headers(path)
                .iter()
                .any(|h| h.to_lowercase() == sent),
            "{path}: {:?}",
            upstream.headers(path)
        );
    }
    // ...and nothing the proxy answers or logs shows them.
    let stats = proxy.get("/_assay/stats").text();
    let blocked = proxy.get("/_assay/blocked").text();
    let log = proxy.log_once_it_has("BLOCKED");
    assert!(log.contains("BLOCKED"), "{log}");
    let shown = [
        json.headers.clone(),
        json.text(),
        html.headers.clone(),
        html.text(),
        served.headers.clone(),
        refused.reason.clone(),
        refused.text(),
        report.text(),
        failed.reason.clone(),
        failed.text(),
        missing.text(),
        stats,
        blocked,
        log,
    ];
    for text in &shown {
        assert!(!text.contains(password), "{text}");
        assert!(!text.contains(&basic), "{text}");
        assert!(!text.contains("alice"), "{text}");
    }
}

/// The poetry of the test (scripts/test.sh installs it with the mirror
/// plugin into a venv of its own).
fn poetry_bin() -> PathBuf {
    let poetry = std::env::var_os("ASSAY_TEST_POETRY")
        .map(PathBuf::from)
        .expect("run the tests with scripts/test.sh: it installs poetry");
    poetry.parent().expect("bin folder").to_owned()
}

/// A poetry project (no package of its own) that depends on `requires`.
fn poetry_project(dir: &Path, requires: &str) {
    std::fs::write(
        dir.join("pyproject.toml"),
        format!(
            "[project]\nname = \"demo-app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"{requires}\"]\n\n[tool.poetry]\npackage-mode = false\n"
        ),
    )
    .expect("write pyproject.toml");
}

/// `assay install --with INSTALLER` in `project`, upstream `index`, with
/// the folder holding the installer first on `PATH`; the caller adds the
/// installer's arguments and environment.
fn assay_install_in(
    project: &Path,
    installer: &str,
    installer_bin: &Path,
    index: &str,
    cache: &Path,
) -> Command {
    let mut command = assay();
    command
        .current_dir(project)
        .args([
            "install",
            "--with",
            installer,
            "--index-url",
            index,
            "--cache-dir",
        ])
        .arg(cache)
        .env(
            "PATH",
            format!(
                "{}:{}",
                installer_bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        );
    command
}

/// `assay install --with poetry [-- ARGS]` in `project`, upstream `index`.
fn assay_poetry(project: &Path, index: &str, cache: &Path, args: &[&str]) -> Output {
    let home = project.join(".home");
    let mut command = assay_install_in(project, "poetry", &poetry_bin(), index, cache);
    if !args.is_empty() {
        command.arg("--").args(args);
    }
    command
        .env("POETRY_CONFIG_DIR", home.join("config"))
        .env("POETRY_DATA_DIR", home.join("data"))
        .env("POETRY_VIRTUALENVS_IN_PROJECT", "true")
        .env("POETRY_NO_INTERACTION", "1")
        .output()
        .expect("run assay install --with poetry")
}

/// The site-packages folder of the project's `.venv`.
fn site_packages(project: &Path) -> Option<PathBuf> {
    let lib = project.join(".venv/lib");
    std::fs::read_dir(lib)
        .ok()?
        .flatten()
        .map(|entry| entry.path().join("site-packages"))
        .find(|path| path.is_dir())
}

/// An index with a clean project (front, depending on tidy) and an sdist
/// whose `setup.py` would write `marker` when built.
fn clean_and_evil_index(marker: &Path) -> IndexServer {
    IndexServer::start(&[
        front().wheel(),
        tidy().wheel(),
        tidy().sdist(),
        evil_sdist(marker),
    ])
}

/// The installer put front and its dependency tidy into `project`'s `.venv`.
fn assert_front_installed(project: &Path, output: &Output) {
    let text = output_text(output);
    assert!(output.status.success(), "{text}");
    let site = site_packages(project).expect("the installer made the project's venv");
    assert!(site.join("front/__init__.py").is_file(), "{text}");
    assert!(site.join("tidy/__init__.py").is_file(), "{text}");
}

/// assay refused the evil sdist before any build: exit status 1, the file
/// listed, no marker, nothing installed into `project`'s `.venv`.
fn assert_evil_refused(project: &Path, output: &Output, marker: &Path) {
    let text = output_text(output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("evil-1.0.tar.gz (evil): malicious (AY"),
        "{text}"
    );
    assert!(!marker.exists(), "the build ran: {text}");
    assert!(
        site_packages(project).is_none_or(|site| !site.join("evil").exists()),
        "{text}"
    );
}

#[test]
fn poetry_installs_a_clean_project_and_is_refused_a_malicious_sdist() {
    let work = tempfile::tempdir().expect("tempdir");
    let marker = work.path().join("marker");
    let server = clean_and_evil_index(&marker);
    let cache = work.path().join("cache");

    let clean = work.path().join("clean");
    std::fs::create_dir_all(&clean).expect("mkdir");
    poetry_project(&clean, "front");
    let output = assay_poetry(&clean, &server.index_url(), &cache, &[]);
    assert_front_installed(&clean, &output);

    let evil = work.path().join("evil");
    std::fs::create_dir_all(&evil).expect("mkdir");
    poetry_project(&evil, "evil");
    let output = assay_poetry(&evil, &server.index_url(), &cache, &[]);
    assert_evil_refused(&evil, &output, &marker);
}

#[test]
fn poetry_without_the_mirror_plugin_fails_instead_of_bypassing_the_proxy() {
    let work = tempfile::tempdir().expect("tempdir");
    let server = IndexServer::start(&[front().wheel(), tidy().wheel()]);
    let project = work.path().join("project");
    std::fs::create_dir_all(&project).expect("mkdir");
    poetry_project(&project, "front");
    // `--no-plugins`: poetry keeps its default source, on another host.
    let output = assay_poetry(
        &project,
        &server.index_url(),
        &work.path().join("cache"),
        &["--no-plugins", "install"],
    );
    let text = output_text(&output);
    assert_ne!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("poetry never asked the proxy"), "{text}");
    assert!(
        site_packages(&project).is_none_or(|site| !site.join("front").exists()),
        "{text}"
    );
}

/// The `bin` folder of an installer scripts/test.sh installs into a venv
/// of its own, named by `variable` (`ASSAY_TEST_PDM`, `ASSAY_TEST_PIPENV`).
fn installer_bin(variable: &str) -> PathBuf {
    let program = std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("run the tests with scripts/test.sh: it installs {variable}"));
    program.parent().expect("bin folder").to_owned()
}

/// A project folder `name` under `work` with a pdm project (no package of
/// its own) depending on `requires`.
fn pdm_project(work: &Path, name: &str, requires: &str) -> PathBuf {
    let dir = work.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("pyproject.toml"),
        format!(
            "[project]\nname = \"demo-app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"{requires}\"]\n\n[tool.pdm]\ndistribution = false\n"
        ),
    )
    .expect("write pyproject.toml");
    dir
}

/// Makes `url` the project's `pypi` source (`[[tool.pdm.source]]`), which
/// pdm takes over PDM_PYPI_URL.
fn pdm_source(project: &Path, url: &str) {
    let path = project.join("pyproject.toml");
    let mut pyproject = std::fs::read_to_string(&path).expect("read pyproject.toml");
    pyproject.push_str(&format!(
        "\n[[tool.pdm.source]]\nname = \"pypi\"\nurl = \"{url}\"\n"
    ));
    std::fs::write(&path, pyproject).expect("write pyproject.toml");
}

/// `assay install --with pdm` (`pdm install`) in `project`.
fn assay_pdm(project: &Path, index: &str, cache: &Path) -> Output {
    let home = project.join(".home");
    assay_install_in(
        project,
        "pdm",
        &installer_bin("ASSAY_TEST_PDM"),
        index,
        cache,
    )
    .env("PDM_CONFIG_FILE", home.join("config.toml"))
    .env("PDM_CHECK_UPDATE", "false")
    .env("PDM_USE_VENV", "true")
    .env("XDG_STATE_HOME", home.join("state"))
    .output()
    .expect("run assay install --with pdm")
}

#[test]
fn pdm_installs_a_clean_project_and_is_refused_a_malicious_sdist() {
    let work = tempfile::tempdir().expect("tempdir");
    let marker = work.path().join("marker");
    let server = clean_and_evil_index(&marker);
    let cache = work.path().join("cache");

    let clean = pdm_project(work.path(), "clean", "front");
    let output = assay_pdm(&clean, &server.index_url(), &cache);
    assert_front_installed(&clean, &output);

    let evil = pdm_project(work.path(), "evil", "evil");
    let output = assay_pdm(&evil, &server.index_url(), &cache);
    assert_evil_refused(&evil, &output, &marker);
}

/// A pdm source of the project's own is not replaced by PDM_PYPI_URL:
/// pdm is refused it (the installer's other hosts go to the proxy, which
/// refuses them) rather than fetching unscanned files.
#[test]
fn pdm_with_a_source_of_its_own_fails_instead_of_bypassing_the_proxy() {
    let work = tempfile::tempdir().expect("tempdir");
    let server = IndexServer::start(&[front().wheel(), tidy().wheel()]);
    let project = pdm_project(work.path(), "project", "front");
    pdm_source(&project, "http://index.example.invalid/simple");
    let output = assay_pdm(&project, &server.index_url(), &work.path().join("cache"));
    let text = output_text(&output);
    assert_ne!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("pdm never asked the proxy"), "{text}");
    assert!(
        site_packages(&project).is_none_or(|site| !site.join("front").exists()),
        "{text}"
    );
}

/// `assay install --with pipenv [PACKAGE…]` in `project`.
fn assay_pipenv(project: &Path, index: &str, cache: &Path, packages: &[&str]) -> Output {
    assay_install_in(
        project,
        "pipenv",
        &installer_bin("ASSAY_TEST_PIPENV"),
        index,
        cache,
    )
    .args(packages)
    .env("PIPENV_VENV_IN_PROJECT", "1")
    .env("PIPENV_IGNORE_VIRTUALENVS", "1")
    .env("PIPENV_YES", "1")
    .env("PIPENV_NOSPIN", "1")
    .env("WORKON_HOME", project.join(".home/venvs"))
    .env("TMPDIR", own_tmp(project))
    .output()
    .expect("run assay install --with pipenv")
}

/// A temporary folder inside `project`, for clients that leave their
/// request and response files behind (pipenv does, in `$TMPDIR`).
fn own_tmp(project: &Path) -> PathBuf {
    let tmp = project.join(".home/tmp");
    std::fs::create_dir_all(&tmp).expect("mkdir tmp");
    tmp
}

#[test]
fn pipenv_installs_a_clean_package_and_is_refused_a_malicious_sdist() {
    let work = tempfile::tempdir().expect("tempdir");
    let marker = work.path().join("marker");
    let server = clean_and_evil_index(&marker);
    let cache = work.path().join("cache");

    // No Pipfile: assay writes one with no source, so that the proxy's
    // temporary address is never written into it.
    let clean = work.path().join("clean");
    std::fs::create_dir_all(&clean).expect("mkdir");
    let output = assay_pipenv(&clean, &server.index_url(), &cache, &["front"]);
    assert_front_installed(&clean, &output);
    assert!(output_text(&output).contains("with no [[source]]"));
    let pipfile = std::fs::read_to_string(clean.join("Pipfile")).expect("Pipfile");
    assert!(pipfile.contains("front"), "{pipfile}");
    assert!(!pipfile.contains("127.0.0.1"), "{pipfile}");

    // An existing Pipfile naming the package.
    let evil = work.path().join("evil");
    std::fs::create_dir_all(&evil).expect("mkdir");
    std::fs::write(evil.join("Pipfile"), "[packages]\nevil = \"*\"\n").expect("Pipfile");
    let output = assay_pipenv(&evil, &server.index_url(), &cache, &[]);
    assert_evil_refused(&evil, &output, &marker);
    assert!(!output_text(&output).contains("with no [[source]]"));
}

/// Both clients in front of a running `assay proxy`, configured the way
/// docs/gate.md says: pdm's `pypi` source and the Pipfile's source are the
/// proxy.
#[test]
fn pdm_and_pipenv_install_through_a_running_proxy() {
    let work = tempfile::tempdir().expect("tempdir");
    let server = IndexServer::start(&[front().wheel(), tidy().wheel()]);
    let proxy = Proxy::start(&server.index_url(), &[]);
    let path = |bin: PathBuf| {
        format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        )
    };

    let pdm = pdm_project(work.path(), "pdm", "front");
    pdm_source(&pdm, &proxy.index_url());
    let output = Command::new(installer_bin("ASSAY_TEST_PDM").join("pdm"))
        .arg("install")
        .current_dir(&pdm)
        .env("PATH", path(installer_bin("ASSAY_TEST_PDM")))
        .env("PDM_CONFIG_FILE", pdm.join(".home/config.toml"))
        .env("PDM_CACHE_DIR", pdm.join(".home/cache"))
        .env("PDM_CHECK_UPDATE", "false")
        .env("XDG_STATE_HOME", pdm.join(".home/state"))
        .output()
        .expect("run pdm");
    let text = output_text(&output);
    assert!(output.status.success(), "{text}");
    let site = site_packages(&pdm).expect("pdm made the project's venv");
    assert!(site.join("tidy/__init__.py").is_file(), "{text}");

    let pipenv = work.path().join("pipenv");
    std::fs::create_dir_all(&pipenv).expect("mkdir");
    std::fs::write(
        pipenv.join("Pipfile"),
        format!(
            "[[source]]\nurl = \"{}\"\nverify_ssl = false\nname = \"gate\"\n\n[packages]\nfront = \"*\"\n",
            proxy.index_url()
        ),
    )
    .expect("Pipfile");
    let output = Command::new(installer_bin("ASSAY_TEST_PIPENV").join("pipenv"))
        .arg("install")
        .current_dir(&pipenv)
        .env("PATH", path(installer_bin("ASSAY_TEST_PIPENV")))
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_FIND_LINKS")
        .env("PIPENV_CACHE_DIR", pipenv.join(".home/cache"))
        .env("PIP_NO_CACHE_DIR", "1")
        .env("PIPENV_VENV_IN_PROJECT", "1")
        .env("PIPENV_IGNORE_VIRTUALENVS", "1")
        .env("PIPENV_YES", "1")
        .env("PIPENV_NOSPIN", "1")
        .env("TMPDIR", own_tmp(&pipenv))
        .output()
        .expect("run pipenv");
    let text = output_text(&output);
    assert!(output.status.success(), "{text}");
    let site = site_packages(&pipenv).expect("pipenv made the project's venv");
    assert!(site.join("front/__init__.py").is_file(), "{text}");
    assert!(site.join("tidy/__init__.py").is_file(), "{text}");

    // Each file was fetched and scanned once, though both clients asked.
    let stats = proxy.stats();
    assert_eq!(stats["scans"], 2, "{stats}");
    assert_eq!(stats["blocked"], 0, "{stats}");
}

#[test]
fn the_pre_commit_hook_scans_a_changed_requirements_file_and_fails_on_malware() {
    let work = tempfile::tempdir().expect("tempdir");
    let server = IndexServer::start(&[tidy().wheel(), pth_wheel(&work.path().join("marker"))]);
    let project = work.path().join("project");
    std::fs::create_dir(&project).expect("project folder");
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .current_dir(&project)
            .args(args)
            .output()
            .expect("run git");
        assert!(output.status.success(), "{}", output_text(&output));
    };
    git(&["init", "-q"]);
    // This repository's .pre-commit-hooks.yaml, as a user's config names it.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let assay_bin = assert_cmd::cargo::cargo_bin("assay");
    let on_path = format!(
        "{}:{}",
        assay_bin.parent().expect("bin folder").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let commit = |requirements: &str| {
        std::fs::write(project.join("requirements.txt"), requirements).expect("write");
        git(&["add", "requirements.txt"]);
        let mut command = Command::new(installer_bin("ASSAY_TEST_PRE_COMMIT").join("pre-commit"));
        without_index_settings(&mut command)
            .current_dir(&project)
            .arg("try-repo")
            .arg(&repo)
            .args(["assay-system", "--files", "requirements.txt"])
            .env("PRE_COMMIT_HOME", work.path().join("pre-commit"))
            .env("XDG_CACHE_HOME", work.path().join("cache"))
            .env("XDG_CONFIG_HOME", work.path().join("config"))
            .env("PIP_INDEX_URL", server.index_url())
            .env("PATH", &on_path)
            .env("NO_COLOR", "1")
            .output()
            .expect("run pre-commit")
    };
    let clean = commit("tidy==1.0\n");
    assert!(clean.status.success(), "{}", output_text(&clean));
    assert!(output_text(&clean).contains("Passed"));
    let evil = commit("pthpkg==1.0\n");
    let text = output_text(&evil);
    assert!(!evil.status.success(), "{text}");
    assert!(text.contains("- exit code: 1"), "{text}");
    assert!(text.contains("pthpkg"), "{text}");
}
