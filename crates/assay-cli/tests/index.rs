//! End-to-end scans by name, requirements file and lockfile against a real
//! package index server (pypiserver) on loopback. `scripts/test.sh`
//! installs the server; nothing leaves the machine.

mod support;

use std::process::Command;

use assert_cmd::prelude::*;
use serde_json::Value;
use support::proxy::FaultProxy;
use support::{
    IndexServer, app, artifact, assay, assert_verdicts, helper, json, report, server, sha256_hex,
    targets, tidy, util, util_tampered, write,
};

#[test]
fn a_name_scans_its_sdist_and_wheel() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let output = assay(cache.path())
        .args(["--index-url", &index.index_url(), "tidy"])
        .output()
        .unwrap();
    let doc = report(&output, 0);
    let targets = targets(&doc);
    assert_eq!(targets.len(), 2, "{targets:?}");
    assert!(targets.contains(&"tidy-1.0.tar.gz") && targets.contains(&"tidy-1.0-py3-none-any.whl"));
    for a in doc["artifacts"].as_array().unwrap() {
        assert_eq!(a["verdict"]["label"], "clean");
        let provenance = &a["provenance"];
        assert!(provenance["url"].as_str().unwrap().starts_with(&index.root));
        assert!(
            provenance["required_by"][0]
                .as_str()
                .unwrap()
                .contains("tidy")
        );
    }
}

#[test]
fn a_malicious_transitive_dependency_is_found_and_explained() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let output = assay(cache.path())
        .args(["--index-url", &index.index_url(), "app==1.0"])
        .output()
        .unwrap();
    let doc = report(&output, 1);
    let helper = artifact(&doc, "helper-0.2");
    assert_eq!(helper["verdict"]["label"], "malicious", "{helper:#}");
    let chains = helper["provenance"]["required_by"].to_string();
    assert!(chains.contains("app"), "{chains}");
    assert_eq!(artifact(&doc, "app-1.0")["verdict"]["label"], "clean");
    assert_eq!(artifact(&doc, "tidy-1.0-py3")["verdict"]["label"], "clean");

    // --no-deps: only what was named.
    let output = assay(cache.path())
        .args(["--index-url", &index.index_url(), "--no-deps", "app==1.0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&output)["artifacts"].as_array().unwrap().len(), 1);
}

#[test]
fn a_requirements_file_with_a_wrong_hash_is_refused() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (_, wheel) = tidy().wheel();
    let good = sha256_hex(&wheel);
    let requirements = write(
        dir.path(),
        "requirements.txt",
        &format!(
            "# pinned\napp==1.0\ntidy==1.0 --hash=sha256:{}\n",
            "0".repeat(64)
        ),
    );
    let output = assay(cache.path())
        .args(["--index-url", &index.index_url(), "--all-files"])
        .arg("-r")
        .arg(&requirements)
        .output()
        .unwrap();
    // helper is malicious: 1 wins over the refused downloads.
    let doc = report(&output, 1);
    let tidy_wheel = artifact(&doc, "tidy-1.0-py3");
    assert!(
        tidy_wheel["verdict"].is_null(),
        "a tampered file must not be scanned: {tidy_wheel:#}"
    );
    assert!(
        tidy_wheel["errors"][0]
            .as_str()
            .unwrap()
            .contains("refused")
    );
    assert_eq!(
        artifact(&doc, "helper-0.2")["verdict"]["label"],
        "malicious"
    );

    // The right hash passes.
    let requirements = write(
        dir.path(),
        "requirements.txt",
        &format!("tidy==1.0 --hash=sha256:{good}\n"),
    );
    let output = assay(cache.path())
        .args(["--index-url", &index.index_url()])
        .arg(&requirements)
        .output()
        .unwrap();
    let doc = json(&output);
    assert_eq!(artifact(&doc, "tidy-1.0-py3")["verdict"]["label"], "clean");
}

#[test]
fn a_hash_for_the_wheel_only_scans_the_pinned_wheel_as_pip_would() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (_, wheel) = tidy().wheel();
    let requirements = write(
        dir.path(),
        "requirements.txt",
        &format!("tidy==1.0 --hash=sha256:{}\napp==1.0\n", sha256_hex(&wheel)),
    );
    let output = assay(cache.path())
        .args(["--index-url", &index.index_url(), "--no-deps", "-r"])
        .arg(&requirements)
        .output()
        .unwrap();
    let doc = report(&output, 0);
    let targets = targets(&doc);
    assert!(
        targets.contains(&"tidy-1.0-py3-none-any.whl"),
        "{targets:?}"
    );
    assert!(!targets.contains(&"tidy-1.0.tar.gz"), "{targets:?}");
    let warnings = support::stderr(&output);
    assert!(
        warnings.contains("not scanned: tidy-1.0.tar.gz"),
        "{warnings}"
    );
    // One --hash puts pip in hash-checking mode for every line.
    assert!(
        warnings.contains("pip will refuse this file") && warnings.contains("app==1.0"),
        "{warnings}"
    );
}

#[test]
fn a_lockfile_scans_exactly_its_files_and_checks_their_hashes() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (helper_name, helper_bytes) = helper().wheel();
    let (tidy_name, _) = tidy().sdist();
    let lock = format!(
        "lock-version = \"1.0\"\ncreated-by = \"test\"\n\n\
         [[packages]]\nname = \"helper\"\nversion = \"0.2\"\n\
         wheels = [{{ name = \"{helper_name}\", url = \"{}\", hashes = {{ sha256 = \"{}\" }} }}]\n\n\
         [[packages]]\nname = \"tidy\"\nversion = \"1.0\"\n\
         sdist = {{ name = \"{tidy_name}\", url = \"{}\", hashes = {{ sha256 = \"{}\" }} }}\n",
        index.file_url(&helper_name),
        sha256_hex(&helper_bytes),
        index.file_url(&tidy_name),
        "f".repeat(64),
    );
    let path = write(dir.path(), "pylock.toml", &lock);
    let output = assay(cache.path()).arg(&path).output().unwrap();
    let doc = report(&output, 1);
    assert_eq!(doc["artifacts"].as_array().unwrap().len(), 2, "{doc:#}");
    assert_eq!(
        artifact(&doc, "helper-0.2")["verdict"]["label"],
        "malicious"
    );
    let tidy = artifact(&doc, "tidy-1.0.tar.gz");
    assert!(tidy["verdict"].is_null(), "{tidy:#}");
    assert!(
        tidy["errors"][0].as_str().unwrap().contains("mismatch"),
        "{tidy:#}"
    );
}

#[test]
fn unknown_names_and_versions_are_errors() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    for target in ["no-such-package", "tidy==9.9"] {
        let output = assay(cache.path())
            .args(["--index-url", &index.index_url(), target])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{target}");
        let doc = json(&output);
        let errors = doc["artifacts"][0]["errors"].to_string();
        assert!(
            errors.contains("no-such-package") || errors.contains("9.9"),
            "{target}: {errors}"
        );
    }
}

#[test]
fn a_name_on_two_indexes_is_a_dependency_confusion_risk() {
    let public = server();
    let private = IndexServer::start(&[tidy().wheel()]);
    let cache = tempfile::tempdir().unwrap();
    let output = assay(cache.path())
        .args(["--index-url", &private.index_url()])
        .args(["--extra-index-url", &public.index_url()])
        .args(["--no-deps", "tidy"])
        .output()
        .unwrap();
    let doc = json(&output);
    let notes = doc["artifacts"][0]["provenance"]["notes"].to_string();
    assert!(notes.contains("dependency-confusion"), "{doc:#}");
}

#[test]
fn a_warm_cache_needs_no_server() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let url = index.index_url();
    let first = assay(cache.path())
        .args(["--index-url", &url, "app==1.0"])
        .output()
        .unwrap();
    assert_eq!(first.status.code(), Some(1));
    drop(index);
    let second = assay(cache.path())
        .args(["--index-url", &url, "app==1.0"])
        .output()
        .unwrap();
    assert_eq!(
        second.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert_eq!(json(&first)["artifacts"], json(&second)["artifacts"]);

    let clean = Command::cargo_bin("assay")
        .unwrap()
        .args(["cache", "clean", "--cache-dir"])
        .arg(cache.path())
        .output()
        .unwrap();
    assert!(clean.status.success());
    let third = assay(cache.path())
        .args(["--index-url", &url, "app==1.0"])
        .output()
        .unwrap();
    assert_eq!(
        third.status.code(),
        Some(2),
        "after clean, with the server gone, the scan cannot run"
    );
}

// Lockfiles written by the tests against the local server: uv.lock names
// URLs and digests, poetry.lock file names and digests, Pipfile.lock only
// digests (those two are matched on the index).

/// tidy (sdist and wheel), app (wheel, requires helper and tidy), helper
/// (wheel, malicious) and the tampered util wheel.
fn lock_server() -> IndexServer {
    IndexServer::start(&[
        tidy().sdist(),
        tidy().wheel(),
        app().wheel(),
        helper().wheel(),
        util_tampered().wheel(),
    ])
}

fn digest(file: (String, Vec<u8>)) -> String {
    sha256_hex(&file.1)
}

/// The tampered util wheel is in the report, refused: no verdict, no
/// finding, an error saying why.
fn assert_refused(doc: &Value, filename: &str, why: &str) {
    let util = artifact(doc, filename);
    assert!(
        util["verdict"].is_null(),
        "a tampered file was scanned: {util:#}"
    );
    assert_eq!(util["findings"].as_array().unwrap().len(), 0, "{util:#}");
    let errors = util["errors"].to_string();
    assert!(errors.contains(why), "{errors}");
}

#[test]
fn a_uv_lock_scans_its_files_finds_the_malicious_dependency_and_refuses_a_tampered_file() {
    let index = lock_server();
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let registry = index.index_url();
    let entry = |file: (String, Vec<u8>)| {
        format!(
            "{{ url = \"{}\", hash = \"sha256:{}\", size = {} }}",
            index.file_url(&file.0),
            sha256_hex(&file.1),
            file.1.len()
        )
    };
    let lock = format!(
        "version = 1\nrequires-python = \">=3.8\"\n\n\
         [[package]]\nname = \"app\"\nversion = \"1.0\"\nsource = {{ registry = \"{registry}\" }}\n\
         dependencies = [{{ name = \"helper\" }}, {{ name = \"tidy\" }}, {{ name = \"util\" }}]\n\
         wheels = [{}]\n\n\
         [[package]]\nname = \"helper\"\nversion = \"0.2\"\nsource = {{ registry = \"{registry}\" }}\n\
         wheels = [{}]\n\n\
         [[package]]\nname = \"tidy\"\nversion = \"1.0\"\nsource = {{ registry = \"{registry}\" }}\n\
         sdist = {}\nwheels = [{}]\n\n\
         [[package]]\nname = \"util\"\nversion = \"1.0\"\nsource = {{ registry = \"{registry}\" }}\n\
         wheels = [{}]\n",
        entry(app().wheel()),
        entry(helper().wheel()),
        entry(tidy().sdist()),
        entry(tidy().wheel()),
        // The digest the lock recorded: the genuine wheel's.
        entry(util().wheel()),
    );
    let path = write(dir.path(), "uv.lock", &lock);
    let output = assay(cache.path()).arg(&path).output().unwrap();
    let doc = report(&output, 1);
    let targets = targets(&doc);
    assert_eq!(targets.len(), 5, "exactly the locked files: {targets:?}");
    assert_verdicts(&doc, "malicious", &["helper-0.2"]);
    let helper = artifact(&doc, "helper-0.2");
    let why = helper["provenance"]["required_by"][0].as_str().unwrap();
    assert!(
        why.starts_with("uv.lock:") && why.contains("helper 0.2"),
        "{why}"
    );
    assert_verdicts(
        &doc,
        "clean",
        &["app-1.0", "tidy-1.0.tar.gz", "tidy-1.0-py3"],
    );
    assert_refused(&doc, "util-1.0", "digest mismatch");
}

#[test]
fn a_poetry_lock_is_matched_on_the_index_by_file_name_and_digest() {
    let index = lock_server();
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = |list: &[(String, Vec<u8>)]| {
        let entries: Vec<String> = list
            .iter()
            .map(|(name, bytes)| {
                format!(
                    "    {{file = \"{name}\", hash = \"sha256:{}\"}},\n",
                    sha256_hex(bytes)
                )
            })
            .collect();
        format!("files = [\n{}]\n", entries.concat())
    };
    let package = |name: &str, version: &str, list: &[(String, Vec<u8>)]| {
        format!(
            "[[package]]\nname = \"{name}\"\nversion = \"{version}\"\ndescription = \"\"\n\
             optional = false\npython-versions = \"*\"\n{}\n",
            files(list)
        )
    };
    let lock = [
        "# This file is automatically @generated by Poetry and should not be changed by hand.\n\n"
            .to_owned(),
        package("app", "1.0", &[app().wheel()]),
        "[package.dependencies]\nhelper = \">=0.1\"\ntidy = \"*\"\nutil = \"*\"\n\n".to_owned(),
        package("helper", "0.2", &[helper().wheel()]),
        package("tidy", "1.0", &[tidy().sdist(), tidy().wheel()]),
        package("util", "1.0", &[util().wheel()]),
        package(
            "gone",
            "2.0",
            &[("gone-2.0.tar.gz".to_owned(), b"gone".to_vec())],
        ),
        "[metadata]\nlock-version = \"2.0\"\npython-versions = \"*\"\ncontent-hash = \"0\"\n"
            .to_owned(),
    ]
    .concat();
    let path = write(dir.path(), "poetry.lock", &lock);
    let output = assay(cache.path())
        .args(["--index-url", &index.index_url()])
        .arg(&path)
        .output()
        .unwrap();
    let doc = report(&output, 1);
    assert_eq!(doc["artifacts"].as_array().unwrap().len(), 6, "{doc:#}");
    assert_verdicts(&doc, "malicious", &["helper-0.2"]);
    let helper = artifact(&doc, "helper-0.2");
    // The lock names no URL: the files were found on the index.
    let url = helper["provenance"]["url"].as_str().unwrap();
    assert_eq!(url, index.file_url("helper-0.2-py3-none-any.whl"));
    assert_verdicts(
        &doc,
        "clean",
        &["app-1.0", "tidy-1.0.tar.gz", "tidy-1.0-py3"],
    );
    // The index's digest matches what it serves; the lock's does not.
    assert_refused(&doc, "util-1.0", "expects sha256");
    let gone = artifact(&doc, "gone");
    assert!(
        gone["errors"]
            .to_string()
            .contains("no longer on the index"),
        "{gone:#}"
    );
}

#[test]
fn a_pipfile_lock_is_matched_on_the_index_by_digest_only() {
    let index = lock_server();
    let proxy = FaultProxy::start(&index);
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lock = serde_json::json!({
        "_meta": {
            "hash": {"sha256": "0"},
            "pipfile-spec": 6,
            "requires": {"python_version": "3.11"},
            "sources": [{"name": "local", "url": proxy.index_url(), "verify_ssl": false}]
        },
        "default": {
            "app": {"hashes": [format!("sha256:{}", digest(app().wheel()))], "index": "local", "version": "==1.0"},
            "helper": {"hashes": [format!("sha256:{}", digest(helper().wheel()))], "index": "local", "version": "==0.2"},
            "tidy": {
                "hashes": [
                    format!("sha256:{}", digest(tidy().sdist())),
                    format!("sha256:{}", digest(tidy().wheel()))
                ],
                "index": "local",
                "version": "==1.0"
            },
            "util": {"hashes": [format!("sha256:{}", digest(util().wheel()))], "index": "local", "version": "==1.0"}
        },
        "develop": {}
    });
    let path = write(
        dir.path(),
        "Pipfile.lock",
        &serde_json::to_string_pretty(&lock).unwrap(),
    );
    let output = assay(cache.path())
        .args(["--index-url", &proxy.index_url()])
        .arg(&path)
        .output()
        .unwrap();
    let doc = report(&output, 1);
    assert_eq!(doc["artifacts"].as_array().unwrap().len(), 5, "{doc:#}");
    assert_verdicts(&doc, "malicious", &["helper-0.2"]);
    let clean = ["app-1.0", "tidy-1.0.tar.gz", "tidy-1.0-py3"];
    assert_verdicts(&doc, "clean", &clean);
    // The lock names no file: they were found on the index by digest.
    for name in clean {
        let url = artifact(&doc, name)["provenance"]["url"].to_string();
        assert!(
            url.starts_with(&format!("\"{}/packages/", proxy.root)),
            "{url}"
        );
    }
    // No file of util has a locked digest: nothing is downloaded, the
    // package is reported.
    let util = artifact(&doc, "util");
    assert!(util["verdict"].is_null(), "{util:#}");
    assert!(
        util["errors"]
            .to_string()
            .contains("matches the lockfile's digests"),
        "{util:#}"
    );
    assert_eq!(proxy.hits("/packages/util-1.0-py3-none-any.whl"), 0);
    assert_eq!(proxy.hits("/packages/helper-0.2-py3-none-any.whl"), 1);
}

/// Every `*.json` file under `dir`, recursively.
fn json_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(json_files(&path));
        } else if path.extension().is_some_and(|e| e == "json") {
            found.push(path);
        }
    }
    found
}

#[test]
fn an_edited_cache_entry_turning_malicious_into_clean_is_not_trusted() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let url = index.index_url();
    let first = assay(cache.path())
        .args(["--index-url", &url, "helper==0.2"])
        .output()
        .unwrap();
    let doc = report(&first, 1);
    assert_eq!(
        artifact(&doc, "helper-0.2")["verdict"]["label"],
        "malicious"
    );
    // Someone with write access to the cache (a CI cache restored from an
    // untrusted branch) flips the verdict.
    let mut edited = 0;
    for entry in json_files(&cache.path().join("results")) {
        let text = std::fs::read_to_string(&entry).unwrap();
        if text.contains("\"malicious\"") {
            std::fs::write(&entry, text.replace("\"malicious\"", "\"clean\"")).unwrap();
            edited += 1;
        }
    }
    assert_eq!(edited, 1, "the result was cached");
    let second = assay(cache.path())
        .args(["--index-url", &url, "helper==0.2"])
        .output()
        .unwrap();
    let doc = report(&second, 1);
    let helper = artifact(&doc, "helper-0.2");
    assert_eq!(helper["verdict"]["label"], "malicious", "{helper:#}");
    assert!(
        helper["provenance"]["notes"]
            .to_string()
            .contains("failed its authentication check"),
        "{helper:#}"
    );
    // The entry written again is trusted on the next run: no note.
    let third = assay(cache.path())
        .args(["--index-url", &url, "helper==0.2"])
        .output()
        .unwrap();
    let doc = report(&third, 1);
    let helper = artifact(&doc, "helper-0.2");
    assert!(
        !helper["provenance"]["notes"]
            .to_string()
            .contains("authentication"),
        "{helper:#}"
    );
}

#[test]
fn constraints_files_limit_what_resolution_may_choose() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let constraints = write(dir.path(), "constraints.txt", "helper<0.2\n");
    let output = assay(cache.path())
        .args(["--index-url", &index.index_url(), "app==1.0", "-c"])
        .arg(&constraints)
        .output()
        .unwrap();
    let doc = report(&output, 2);
    let errors = doc["artifacts"].to_string();
    // The only helper is 0.2: the constraint leaves none, and the
    // explanation says so in words, with the versions there are.
    assert!(errors.contains("cannot resolve"), "{errors}");
    assert!(errors.contains("there is no version of helper"), "{errors}");
    assert!(!errors.contains('∅'), "{errors}");
}

#[test]
fn requests_99_gives_the_available_versions() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let output = assay(cache.path())
        .args(["--index-url", &index.index_url(), "tidy==99.0"])
        .output()
        .unwrap();
    let doc = report(&output, 2);
    let errors = doc["artifacts"][0]["errors"][0]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        errors.contains("you require tidy==99.0")
            && errors.contains("there is no version of tidy==99.0"),
        "{errors}"
    );
    assert!(
        errors.contains("Available versions of tidy: 1.0"),
        "{errors}"
    );
    assert!(!errors.contains('\n'), "{errors}");
}

#[test]
fn a_misspelt_name_gets_did_you_mean() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    // A popular name (from the bundled list) and a name on this index.
    for (typo, meant) in [("reqeusts", "requests"), ("tidyy", "tidy")] {
        let output = assay(cache.path())
            .args(["--index-url", &index.index_url(), "tidy", typo])
            .output()
            .unwrap();
        let doc = json(&output);
        let errors = doc.to_string();
        assert!(
            errors.contains(&format!("Did you mean `{meant}`?")),
            "{typo}: {errors}"
        );
    }
    let output = assay(cache.path())
        .args(["--index-url", &index.index_url(), "zzqqxxww"])
        .output()
        .unwrap();
    assert!(!json(&output).to_string().contains("Did you mean"));
}

/// The rules of each finding of the artifact whose target starts with
/// `name`.
fn rules_found(doc: &Value, name: &str) -> Vec<String> {
    artifact(doc, name)["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_owned())
        .collect()
}

/// Issue 13: results found with `--yara` are cached under the rules'
/// digest. The same rules answer from the cache (the file is not fetched
/// again); an edited rules file is other rules, and its verdict is its own.
#[test]
fn yara_results_are_cached_under_the_rules_and_an_edit_invalidates_them() {
    let index = IndexServer::start(&[tidy().wheel()]);
    let proxy = FaultProxy::start(&index);
    let cache = tempfile::tempdir().unwrap();
    let rules = write(
        cache.path(),
        "rules.yar",
        "rule tidy_strip { strings: $a = \"x.strip()\" condition: $a }\n",
    );
    let wheel = "/packages/tidy-1.0-py3-none-any.whl";
    let scan = || {
        let output = assay(cache.path())
            .args(["--fail-on", "never", "--index-url", &proxy.index_url()])
            .arg("--yara")
            .arg(&rules)
            .arg("tidy==1.0")
            .output()
            .unwrap();
        report(&output, 0)
    };
    let first = scan();
    assert!(rules_found(&first, "tidy-1.0").contains(&"AY990".to_owned()));
    assert_eq!(proxy.hits(wheel), 1);

    let second = scan();
    assert_eq!(first["artifacts"], second["artifacts"]);
    assert_eq!(proxy.hits(wheel), 1, "answered from the result cache");

    write(
        cache.path(),
        "rules.yar",
        "rule tidy_strip { strings: $a = \"nowhere in tidy\" condition: $a }\n",
    );
    let edited = scan();
    assert!(
        !rules_found(&edited, "tidy-1.0").contains(&"AY990".to_owned()),
        "a cached match of the old rules was reused: {edited:#}"
    );
}

/// Issue 14: `assay scan` reads its index from the configuration file, as
/// `proxy` and `install` do; the command line's `--index-url` and a
/// requirements file's own come first.
#[test]
fn a_scan_uses_the_configured_index_url() {
    let index = server();
    let cache = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    // Nothing listens on port 9: an index that is used fails the scan.
    let dead = "http://127.0.0.1:9/simple/";
    write(
        project.path(),
        "assay.toml",
        &format!("index-url = \"{}\"\n", index.index_url()),
    );
    let output = assay(cache.path())
        .current_dir(project.path())
        .arg("app==1.0")
        .output()
        .unwrap();
    let doc = report(&output, 1);
    assert_verdicts(&doc, "malicious", &["helper-0.2"]);
    assert_verdicts(&doc, "clean", &["app-1.0", "tidy-1.0"]);

    // A requirements file's --index-url is more specific than the file.
    write(
        project.path(),
        "assay.toml",
        &format!("index-url = \"{dead}\"\n"),
    );
    let requirements = write(
        project.path(),
        "requirements.txt",
        &format!("--index-url {}\ntidy==1.0\n", index.index_url()),
    );
    let output = assay(cache.path())
        .current_dir(project.path())
        .arg("-r")
        .arg(&requirements)
        .output()
        .unwrap();
    assert_verdicts(&report(&output, 0), "clean", &["tidy-1.0"]);

    // The configured index is used when nothing else names one: here it
    // is dead, so the scan cannot look the name up.
    let output = assay(cache.path())
        .current_dir(project.path())
        .args(["--timeout", "2", "helper==0.2"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        support::stderr(&output)
    );
    assert!(
        support::stderr(&output).contains("127.0.0.1:9")
            || json(&output).to_string().contains("127.0.0.1:9"),
        "{}",
        support::stderr(&output)
    );
}
