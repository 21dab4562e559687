//! Configuration discovery: precedence, sources, credentials, proxies,
//! CA bundles and the local-pip fallback, in a fake environment.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assay_index::config::Source;
use assay_index::{ConfigError, Environment, IndexConfig, IndexOverrides};

struct Fake {
    dir: tempfile::TempDir,
    env: Environment,
}

impl Fake {
    fn new() -> Fake {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home");
        let etc = dir.path().join("etc");
        std::fs::create_dir_all(&home).expect("home");
        std::fs::create_dir_all(&etc).expect("etc");
        let env = Environment {
            vars: Default::default(),
            home: Some(home),
            etc: Some(etc),
        };
        Fake { dir, env }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
        p
    }

    fn set(&mut self, k: &str, v: &str) {
        self.env.vars.insert(k.to_owned(), v.to_owned());
    }

    fn discover(&self, o: &IndexOverrides) -> Result<IndexConfig, ConfigError> {
        IndexConfig::discover_in(o, &self.env)
    }
}

fn index(url: &str) -> String {
    format!("[global]\nindex-url = {url}\n")
}

#[test]
fn nothing_configured_says_what_to_pass() {
    let fake = Fake::new();
    let err = fake
        .discover(&IndexOverrides::default())
        .expect_err("no index");
    assert!(matches!(err, ConfigError::NoIndex { .. }));
    let msg = err.to_string();
    assert!(msg.contains("--index-url URL"), "{msg}");
    assert!(msg.contains("PIP_INDEX_URL"), "{msg}");
}

#[test]
fn pip_file_precedence() {
    let mut fake = Fake::new();
    fake.write(
        "etc/xdg/pip/pip.conf",
        &index("http://127.0.0.1:1/global-xdg"),
    );
    let etc = fake.write("etc/pip.conf", &index("http://127.0.0.1:1/global"));
    let cfg = fake.discover(&IndexOverrides::default()).expect("config");
    assert_eq!(cfg.index_url.value.url, "http://127.0.0.1:1/global");
    assert!(matches!(&cfg.index_url.source, Source::ConfigFile { path, .. } if *path == etc));

    fake.write(
        "home/.pip/pip.conf",
        &index("http://127.0.0.1:1/legacy-user"),
    );
    let user = fake.write(
        "home/.config/pip/pip.conf",
        &index("http://127.0.0.1:1/user"),
    );
    let cfg = fake.discover(&IndexOverrides::default()).expect("config");
    assert_eq!(cfg.index_url.value.url, "http://127.0.0.1:1/user");
    assert!(matches!(&cfg.index_url.source, Source::ConfigFile { path, .. } if *path == user));

    fake.write("venv/pip.conf", &index("http://127.0.0.1:1/venv"));
    let venv = fake.path("venv").display().to_string();
    fake.set("VIRTUAL_ENV", &venv);
    let cfg = fake.discover(&IndexOverrides::default()).expect("config");
    assert_eq!(cfg.index_url.value.url, "http://127.0.0.1:1/venv");

    // PIP_CONFIG_FILE beats the virtualenv file and turns the user files off.
    let envfile = fake.write("custom.conf", "[global]\ntimeout = 7\n");
    fake.set("PIP_CONFIG_FILE", &envfile.display().to_string());
    std::fs::remove_file(fake.path("venv/pip.conf")).expect("rm");
    let cfg = fake.discover(&IndexOverrides::default()).expect("config");
    assert_eq!(cfg.index_url.value.url, "http://127.0.0.1:1/global");
    assert_eq!(cfg.timeout.value, Duration::from_secs(7));

    // An [install] section beats [global], even from an earlier file.
    fake.write(
        "etc/xdg/pip/pip.conf",
        "[install]\nindex-url = http://127.0.0.1:1/install\n",
    );
    let cfg = fake.discover(&IndexOverrides::default()).expect("config");
    assert_eq!(cfg.index_url.value.url, "http://127.0.0.1:1/install");

    // /dev/null turns every file off.
    fake.set("PIP_CONFIG_FILE", "/dev/null");
    assert!(fake.discover(&IndexOverrides::default()).is_err());
}

#[test]
fn cli_beats_environment_beats_files() {
    let mut fake = Fake::new();
    fake.write("etc/pip.conf", &index("http://127.0.0.1:1/file"));
    fake.set("UV_INDEX_URL", "http://127.0.0.1:1/uv-old");
    let cfg = fake.discover(&IndexOverrides::default()).expect("config");
    assert_eq!(cfg.index_url.value.url, "http://127.0.0.1:1/uv-old");
    fake.set("UV_DEFAULT_INDEX", "http://127.0.0.1:1/uv/");
    let cfg = fake.discover(&IndexOverrides::default()).expect("config");
    assert_eq!(cfg.index_url.value.url, "http://127.0.0.1:1/uv");
    assert_eq!(cfg.index_url.source, Source::Env("UV_DEFAULT_INDEX".into()));
    fake.set("PIP_INDEX_URL", "http://127.0.0.1:1/pip-env");
    let cfg = fake.discover(&IndexOverrides::default()).expect("config");
    assert_eq!(cfg.index_url.value.url, "http://127.0.0.1:1/pip-env");
    let o = IndexOverrides {
        index_url: Some("https://mirror.example/simple".into()),
        ..Default::default()
    };
    let cfg = fake.discover(&o).expect("config");
    assert_eq!(cfg.index_url.value.url, "https://mirror.example/simple");
    assert_eq!(cfg.index_url.source, Source::Cli("--index-url"));
    // --isolated ignores PIP_* and files but keeps the command line.
    let iso = IndexOverrides {
        isolated: true,
        ..o
    };
    assert_eq!(
        fake.discover(&iso).expect("config").index_url.value.url,
        "https://mirror.example/simple"
    );
}

#[test]
fn extra_indexes_are_collected_from_every_source() {
    let mut fake = Fake::new();
    fake.write(
        "etc/pip.conf",
        "[global]\nindex-url = http://127.0.0.1:1/main\nextra-index-url =\n    http://127.0.0.1:1/file-a\n    http://127.0.0.1:1/file-b\n",
    );
    fake.set(
        "UV_INDEX",
        "internal=http://127.0.0.1:1/uv-named http://127.0.0.1:1/main",
    );
    fake.set("UV_EXTRA_INDEX_URL", "http://127.0.0.1:1/uv-extra");
    let o = IndexOverrides {
        extra_index_urls: vec!["http://127.0.0.1:1/cli".into()],
        ..Default::default()
    };
    let cfg = fake.discover(&o).expect("config");
    let urls: Vec<&str> = cfg
        .extra_index_urls
        .iter()
        .map(|e| e.value.url.as_str())
        .collect();
    assert_eq!(
        urls,
        [
            "http://127.0.0.1:1/cli",
            "http://127.0.0.1:1/file-a",
            "http://127.0.0.1:1/file-b",
            "http://127.0.0.1:1/uv-named",
            "http://127.0.0.1:1/uv-extra"
        ]
    );
    // PIP_EXTRA_INDEX_URL replaces the file's value, as in pip.
    fake.set(
        "PIP_EXTRA_INDEX_URL",
        "http://127.0.0.1:1/env-a  http://127.0.0.1:1/env-b",
    );
    let cfg = fake.discover(&IndexOverrides::default()).expect("config");
    let urls: Vec<&str> = cfg
        .extra_index_urls
        .iter()
        .map(|e| e.value.url.as_str())
        .collect();
    assert_eq!(
        urls[..2],
        ["http://127.0.0.1:1/env-a", "http://127.0.0.1:1/env-b"]
    );
    assert!(!urls.contains(&"http://127.0.0.1:1/file-a"));
    assert_eq!(
        cfg.extra_index_urls[0].source,
        Source::Env("PIP_EXTRA_INDEX_URL".into())
    );
    assert_eq!(cfg.indexes().count(), 5);
}

#[test]
fn credentials_from_url_and_netrc() {
    let mut fake = Fake::new();
    fake.set(
        "PIP_INDEX_URL",
        "https://alice:s%40cret@mirror.example/simple",
    );
    let cfg = fake.discover(&IndexOverrides::default()).expect("config");
    assert_eq!(cfg.index_url.value.url, "https://mirror.example/simple");
    let creds = cfg
        .index_url
        .value
        .credentials
        .as_ref()
        .expect("credentials");
    assert_eq!(
        (creds.value.username.as_str(), creds.value.password.as_str()),
        ("alice", "s@cret")
    );
    assert_eq!(creds.source, Source::UrlUserinfo);
    assert!(
        !format!("{cfg:?}").contains("s@cret"),
        "Debug must not show passwords"
    );
    assert!(!cfg.describe().join("\n").contains("s@cret"));

    let netrc = fake.write("my-netrc", "machine mirror.example login bob password pw\n");
    fake.set("NETRC", &netrc.display().to_string());
    fake.set("PIP_INDEX_URL", "https://mirror.example/simple");
    let cfg = fake.discover(&IndexOverrides::default()).expect("config");
    let creds = cfg
        .index_url
        .value
        .credentials
        .as_ref()
        .expect("credentials");
    assert_eq!(creds.value.username, "bob");
    assert_eq!(creds.source, Source::Netrc(netrc));
    // ~/.netrc is the default.
    fake.env.vars.remove("NETRC");
    fake.write("home/.netrc", "default login anon password x\n");
    let cfg = fake.discover(&IndexOverrides::default()).expect("config");
    assert_eq!(
        cfg.index_url
            .value
            .credentials
            .expect("default entry")
            .value
            .username,
        "anon"
    );
}

#[test]
fn proxies_and_no_proxy() {
    let mut fake = Fake::new();
    fake.set("PIP_INDEX_URL", "https://mirror.example/simple");
    fake.set("HTTPS_PROXY", "http://proxyuser:hunter2@127.0.0.1:3128");
    fake.set("https_proxy", "http://127.0.0.1:3129");
    fake.set("ALL_PROXY", "http://127.0.0.1:9999");
    fake.set("NO_PROXY", "localhost, .internal.example,127.0.0.1:8080");
    let cfg = fake.discover(&IndexOverrides::default()).expect("config");
    let p = &cfg.proxy;
    assert_eq!(
        p.for_url("https://mirror.example/simple/x/"),
        Some("http://127.0.0.1:3129")
    );
    fake.env.vars.remove("https_proxy");
    let cfg2 = fake.discover(&IndexOverrides::default()).expect("config");
    assert_eq!(
        cfg2.proxy.for_url("https://mirror.example/"),
        Some("http://proxyuser:hunter2@127.0.0.1:3128")
    );
    assert!(
        !format!("{cfg2:?}").contains("hunter2"),
        "Debug hides proxy passwords"
    );
    assert!(!cfg2.describe().join("\n").contains("hunter2"));
    assert_eq!(
        p.for_url("http://mirror.example/x"),
        Some("http://127.0.0.1:9999")
    );
    assert_eq!(p.for_url("https://a.internal.example/x"), None);
    assert_eq!(p.for_url("http://localhost/x"), None);
    assert_eq!(p.for_url("http://127.0.0.1:8080/x"), None);
    assert_eq!(
        p.for_url("http://127.0.0.1:8081/x"),
        Some("http://127.0.0.1:9999")
    );
    // pip's `proxy` option applies to every scheme.
    fake.write("etc/pip.conf", "[global]\nproxy = http://127.0.0.1:1111\n");
    let cfg = fake.discover(&IndexOverrides::default()).expect("config");
    assert_eq!(
        cfg.proxy.for_url("https://mirror.example/"),
        Some("http://127.0.0.1:1111")
    );
}

#[test]
fn ca_bundles_timeouts_and_trusted_hosts() {
    let mut fake = Fake::new();
    fake.set("PIP_INDEX_URL", "https://mirror.example/simple");
    fake.set("SSL_CERT_FILE", "/ssl.pem");
    let c = |f: &Fake| {
        f.discover(&IndexOverrides::default())
            .expect("config")
            .cert
            .map(|c| c.value)
    };
    assert_eq!(c(&fake), Some(PathBuf::from("/ssl.pem")));
    fake.set("REQUESTS_CA_BUNDLE", "/requests.pem");
    assert_eq!(c(&fake), Some(PathBuf::from("/requests.pem")));
    fake.write("etc/pip.conf", "[global]\ncert = /conf.pem\ntimeout = 2.5\nretries = 9\ntrusted-host = Mirror.Example\n  127.0.0.1:8\n");
    assert_eq!(c(&fake), Some(PathBuf::from("/conf.pem")));
    fake.set("PIP_CERT", "/pip.pem");
    assert_eq!(c(&fake), Some(PathBuf::from("/pip.pem")));
    let cfg = fake.discover(&IndexOverrides::default()).expect("config");
    assert_eq!(cfg.timeout.value, Duration::from_millis(2500));
    assert_eq!(cfg.retries.value, 9);
    assert!(cfg.is_trusted_host("https://mirror.example/x"));
    assert!(cfg.is_trusted_host("http://127.0.0.1:8/x"));
    assert!(!cfg.is_trusted_host("http://127.0.0.1:9/x"));
    let o = IndexOverrides {
        timeout: Some(Duration::from_secs(1)),
        retries: Some(0),
        cert: Some(PathBuf::from("/cli.pem")),
        ..Default::default()
    };
    let cfg = fake.discover(&o).expect("config");
    assert_eq!(
        (cfg.timeout.value, cfg.retries.value),
        (Duration::from_secs(1), 0)
    );
    assert_eq!(cfg.cert.expect("cert").source, Source::Cli("--cert"));

    fake.set("PIP_TIMEOUT", "soon");
    assert!(matches!(
        fake.discover(&IndexOverrides::default()),
        Err(ConfigError::InvalidValue { key: "timeout", .. })
    ));
}

#[test]
fn bad_urls_and_files_are_errors() {
    let mut fake = Fake::new();
    fake.set("PIP_INDEX_URL", "mirror.example/simple");
    assert!(matches!(
        fake.discover(&IndexOverrides::default()),
        Err(ConfigError::InvalidUrl { .. })
    ));
    fake.set("PIP_INDEX_URL", "ftp://mirror.example/simple");
    let err = fake.discover(&IndexOverrides::default()).expect_err("ftp");
    assert!(err.to_string().contains("PIP_INDEX_URL"), "{err}");
    fake.env.vars.clear();
    fake.write("etc/pip.conf", "index-url = x\n");
    assert!(matches!(
        fake.discover(&IndexOverrides::default()),
        Err(ConfigError::File { .. })
    ));
}

fn fake_python(fake: &Fake, config_list: &str, pip_dir: &Path) -> PathBuf {
    let script = format!(
        "#!/bin/sh\ncase \"$*\" in\n  *'config list'*) printf '%s\\n' \"{config_list}\" ;;\n  *'pip.__file__'*) printf '%s\\n' '{}' ;;\n  *) exit 3 ;;\nesac\n",
        pip_dir.display()
    );
    let p = fake.write("bin/python3", &script);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    p
}

#[cfg(unix)]
#[test]
fn local_pip_fallback() {
    let fake = Fake::new();
    let pip_dir = fake.path("site/pip");
    fake.write(
        "site/pip/_internal/models/index.py",
        "PyPI = PackageIndex(\n    \"https://mirror.example/\", file_storage_domain=\"files.mirror.example\"\n)\n",
    );
    let py = fake_python(
        &fake,
        "global.index-url='http://127.0.0.1:5/from-pip'",
        &pip_dir,
    );
    let cfg =
        IndexConfig::from_local_pip_in(&IndexOverrides::default(), &fake.env, &py).expect("config");
    assert_eq!(cfg.index_url.value.url, "http://127.0.0.1:5/from-pip");
    assert_eq!(
        cfg.index_url.source,
        Source::LocalPip("global.index-url".into())
    );

    let py = fake_python(&fake, "global.timeout='3'", &pip_dir);
    let cfg =
        IndexConfig::from_local_pip_in(&IndexOverrides::default(), &fake.env, &py).expect("config");
    assert_eq!(cfg.index_url.value.url, "https://mirror.example/simple");
    assert!(matches!(cfg.index_url.source, Source::PipDefault(_)));

    // Explicit configuration wins without asking pip.
    let o = IndexOverrides {
        index_url: Some("http://127.0.0.1:6/explicit".into()),
        ..Default::default()
    };
    let missing = fake.path("no-such-python");
    let cfg = IndexConfig::from_local_pip_in(&o, &fake.env, &missing).expect("config");
    assert_eq!(cfg.index_url.value.url, "http://127.0.0.1:6/explicit");

    // No pip at all: NoIndex, with the reason and what to pass.
    let err = IndexConfig::from_local_pip_in(&IndexOverrides::default(), &fake.env, &missing)
        .expect_err("no pip");
    assert!(matches!(err, ConfigError::NoIndex { why: Some(_) }));
    assert!(err.to_string().contains("--index-url URL"), "{err}");
}

/// A Linux interpreter install at `prefix` (`bin/python3` → `python3.11`,
/// the standard library's `os.py`), whose `python3.11` only answers `pip
/// config list` with `config_list` and leaves the file `ran` behind, so a
/// test sees whether it was run.
#[cfg(target_os = "linux")]
fn installed_python(fake: &Fake, prefix: &str, config_list: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let ran = fake.path("ran");
    let exe = fake.write(
        &format!("{prefix}/bin/python3.11"),
        &format!(
            "#!/bin/sh\ntouch '{}'\ncase \"$*\" in\n  *'config list'*) printf '%s\\n' \"{config_list}\" ;;\n  *) exit 3 ;;\nesac\n",
            ran.display()
        ),
    );
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::os::unix::fs::symlink("python3.11", fake.path(&format!("{prefix}/bin/python3")))
        .expect("link");
    fake.write(&format!("{prefix}/lib/python3.11/os.py"), "");
    fake.path(&format!("{prefix}/bin/python3"))
}

#[cfg(target_os = "linux")]
fn pip_source(root: &str) -> String {
    format!(
        "PyPI = PackageIndex(\n    \"{root}\", file_storage_domain=\"files.mirror.example\"\n)\n"
    )
}

#[cfg(target_os = "linux")]
#[test]
fn the_local_pips_default_is_read_from_disk_without_running_the_interpreter() {
    let fake = Fake::new();
    let python = installed_python(&fake, "py", "global.timeout='3'");
    let index_py = "py/lib/python3.11/site-packages/pip/_internal/models/index.py";
    fake.write(index_py, &pip_source("https://mirror.example/"));
    let ran = fake.path("ran");
    let cfg = IndexConfig::from_local_pip_in(&IndexOverrides::default(), &fake.env, &python)
        .expect("config");
    assert_eq!(cfg.index_url.value.url, "https://mirror.example/simple");
    assert_eq!(
        cfg.index_url.source,
        Source::PipDefault(fake.path(index_py))
    );
    assert!(!ran.exists(), "the interpreter was run");

    // A virtualenv of that interpreter, with its own pip: sys.prefix is
    // the virtualenv's folder.
    fake.write("venv/pyvenv.cfg", "home = py/bin\nversion_info = 3.11.7\n");
    std::fs::create_dir_all(fake.path("venv/bin")).expect("mkdir");
    std::os::unix::fs::symlink(&python, fake.path("venv/bin/python3")).expect("link");
    let venv_index_py = "venv/lib/python3.11/site-packages/pip/_internal/models/index.py";
    fake.write(venv_index_py, &pip_source("https://venv-mirror.example/"));
    let venv_python = fake.path("venv/bin/python3");
    let cfg = IndexConfig::from_local_pip_in(&IndexOverrides::default(), &fake.env, &venv_python)
        .expect("config");
    assert_eq!(
        cfg.index_url.value.url,
        "https://venv-mirror.example/simple"
    );
    assert!(!ran.exists(), "the interpreter was run");
}

#[cfg(target_os = "linux")]
#[test]
fn pip_is_asked_when_its_files_are_not_where_the_disk_reading_looks() {
    let fake = Fake::new();
    let python = installed_python(
        &fake,
        "py",
        "global.index-url='http://127.0.0.1:5/from-site-file'",
    );
    fake.write(
        "py/lib/python3.11/site-packages/pip/_internal/models/index.py",
        &pip_source("https://mirror.example/"),
    );
    // pip's site configuration file, which only pip reads: pip is asked.
    fake.write("py/pip.conf", &index("http://127.0.0.1:5/from-site-file"));
    let ran = fake.path("ran");
    let cfg = IndexConfig::from_local_pip_in(&IndexOverrides::default(), &fake.env, &python)
        .expect("config");
    assert_eq!(cfg.index_url.value.url, "http://127.0.0.1:5/from-site-file");
    assert!(ran.exists(), "pip was not asked");

    // A virtualenv without pip of its own (pip may come from elsewhere).
    std::fs::remove_file(&ran).expect("rm");
    fake.write("venv/pyvenv.cfg", "home = py/bin\n");
    std::fs::create_dir_all(fake.path("venv/lib/python3.11/site-packages")).expect("mkdir");
    std::fs::create_dir_all(fake.path("venv/bin")).expect("mkdir");
    std::os::unix::fs::symlink(&python, fake.path("venv/bin/python3")).expect("link");
    let cfg = IndexConfig::from_local_pip_in(
        &IndexOverrides::default(),
        &fake.env,
        &fake.path("venv/bin/python3"),
    )
    .expect("config");
    assert_eq!(cfg.index_url.value.url, "http://127.0.0.1:5/from-site-file");
    assert!(ran.exists(), "pip was not asked");
}
