//! Warm runs answer from the result cache by the digest a lockfile or an
//! index page declares, and read no blob whose verdict is cached: a blob
//! altered on disk is left as it is (a read would find the mismatch and
//! delete it). A verdict is only ever stored under the digest of bytes
//! that were read and scanned, so a digest never verified is downloaded
//! and checked, and a changed digest is scanned again.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{
    IndexServer, artifact, assay, assert_verdicts, report, server, sha256_hex, tidy, util,
    util_tampered, write,
};

/// A `pylock.toml` naming each `(filename, url, sha256)` as a wheel of
/// its own package.
fn pylock(dir: &Path, wheels: &[(String, String, String)]) -> PathBuf {
    let mut lock = "lock-version = \"1.0\"\ncreated-by = \"test\"\n".to_owned();
    for (filename, url, sha256) in wheels {
        let mut parts = filename.split('-');
        let (name, version) = (parts.next().unwrap(), parts.next().unwrap());
        lock.push_str(&format!(
            "\n[[packages]]\nname = \"{name}\"\nversion = \"{version}\"\n\
             wheels = [{{ name = \"{filename}\", url = \"{url}\", hashes = {{ sha256 = \"{sha256}\" }} }}]\n"
        ));
    }
    write(dir, "pylock.toml", &lock)
}

/// The lock entry of `file` served by `index`, declared with `sha256`.
fn entry(index: &IndexServer, file: &(String, Vec<u8>), sha256: &str) -> (String, String, String) {
    (file.0.clone(), index.file_url(&file.0), sha256.to_owned())
}

/// Overwrites every blob of the cache with other bytes; returns them.
fn alter_blobs(cache: &Path) -> Vec<PathBuf> {
    let mut altered = Vec::new();
    for shard in std::fs::read_dir(cache.join("blobs/sha256")).unwrap() {
        for blob in std::fs::read_dir(shard.unwrap().path()).unwrap() {
            let path = blob.unwrap().path();
            std::fs::write(&path, b"altered").unwrap();
            altered.push(path);
        }
    }
    assert!(!altered.is_empty(), "the cold run cached no blob");
    altered
}

/// Every altered blob is still there, unread.
fn assert_unread(altered: &[PathBuf]) {
    for path in altered {
        assert_eq!(
            std::fs::read(path).ok().as_deref(),
            Some(&b"altered"[..]),
            "{} was read (a read deletes a blob whose content does not match)",
            path.display()
        );
    }
}

fn refused(doc: &Value, filename: &str) -> String {
    let file = artifact(doc, filename);
    assert!(file["verdict"].is_null(), "{file:#}");
    file["errors"].to_string()
}

#[test]
fn a_warm_lock_scan_reads_no_blob_whose_verdict_is_cached() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = [tidy().wheel(), support::helper().wheel()];
    let wheels: Vec<_> = files
        .iter()
        .map(|f| entry(&index, f, &sha256_hex(&f.1)))
        .collect();
    let lock = pylock(dir.path(), &wheels);
    let scan = || {
        assay(cache.path())
            .args(["--index-url", &index.index_url()])
            .arg(&lock)
            .output()
            .unwrap()
    };
    let cold = report(&scan(), 1);
    assert_verdicts(&cold, "malicious", &["helper-0.2"]);
    assert_verdicts(&cold, "clean", &["tidy-1.0-py3"]);

    let altered = alter_blobs(cache.path());
    let warm = report(&scan(), 1);
    assert_eq!(cold["artifacts"], warm["artifacts"]);
    assert_unread(&altered);
}

#[test]
fn a_warm_requirements_scan_answers_from_the_digests_of_the_cached_pages() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let scan = || {
        assay(cache.path())
            .args(["--index-url", &index.index_url(), "app==1.0"])
            .output()
            .unwrap()
    };
    let cold = report(&scan(), 1);
    assert_verdicts(&cold, "malicious", &["helper-0.2"]);
    let altered = alter_blobs(cache.path());
    let warm = report(&scan(), 1);
    assert_eq!(cold["artifacts"], warm["artifacts"]);
    assert_unread(&altered);
}

#[test]
fn a_changed_lock_digest_is_scanned_again_and_an_unverified_one_is_checked() {
    let genuine = util().wheel();
    let tampered = util_tampered().wheel();
    assert_eq!(genuine.0, tampered.0, "the same file name");
    let (genuine_sha, tampered_sha) = (sha256_hex(&genuine.1), sha256_hex(&tampered.1));
    let first = IndexServer::start(std::slice::from_ref(&genuine));
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The lock names every file's URL: the index is never asked.
    let scan = |lock: &Path, code: i32| {
        let output = assay(cache.path())
            .args(["--index-url", "http://127.0.0.1:9/simple/"])
            .arg(lock)
            .output()
            .unwrap();
        report(&output, code)
    };

    let locked = pylock(dir.path(), &[entry(&first, &genuine, &genuine_sha)]);
    assert_verdicts(&scan(&locked, 0), "clean", &["util-1.0"]);

    // A digest no file was ever verified against has no verdict: the file
    // is downloaded and checked, and refused.
    let unverified = pylock(dir.path(), &[entry(&first, &genuine, &tampered_sha)]);
    let errors = refused(&scan(&unverified, 2), "util-1.0");
    assert!(errors.contains("mismatch"), "{errors}");

    // Locked again after the file was replaced: the new digest is scanned,
    // not answered by the old file's verdict.
    let second = IndexServer::start(std::slice::from_ref(&tampered));
    let relocked = pylock(dir.path(), &[entry(&second, &tampered, &tampered_sha)]);
    assert_verdicts(&scan(&relocked, 1), "malicious", &["util-1.0"]);

    // With both servers gone each digest keeps its own verdict.
    drop((first, second));
    assert_verdicts(&scan(&relocked, 1), "malicious", &["util-1.0"]);
    let locked = pylock(
        dir.path(),
        &[(
            genuine.0.clone(),
            format!("http://127.0.0.1:9/packages/{}", genuine.0),
            genuine_sha,
        )],
    );
    assert_verdicts(&scan(&locked, 0), "clean", &["util-1.0"]);
}
