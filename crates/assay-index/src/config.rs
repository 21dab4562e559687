//! Index configuration, read as pip and uv read it.
//!
//! Precedence for the main index URL (first wins): `--index-url`,
//! `PIP_INDEX_URL`, `UV_DEFAULT_INDEX`, `UV_INDEX_URL`, pip's configuration
//! files (`[install]` before `[global]`; later files override earlier ones
//! in pip's order: global, user, virtualenv, `PIP_CONFIG_FILE`), then — only
//! through [`IndexConfig::from_local_pip`] — what the local pip reports.
//! Extra indexes are the union of every source. Every value keeps its
//! [`Source`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assay_packaging::Ini;

use crate::{netrc, url};

/// Default connect/read timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of retries after the first attempt.
pub const DEFAULT_RETRIES: u32 = 3;
/// Default cap on one download (2 GiB).
pub const DEFAULT_MAX_DOWNLOAD: u64 = 2 << 30;
/// Default deadline for one request, from connecting to the body's last
/// byte: a server that drips a byte at a time never hits the per-read
/// timeout, so each request also has a total.
pub const DEFAULT_REQUEST_DEADLINE: Duration = Duration::from_secs(600);
/// Default cap on the bytes all parallel downloads may hold at once.
pub const DEFAULT_MAX_IN_FLIGHT: u64 = 1 << 30;

/// Where a configuration value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line option (its flag).
    Cli(&'static str),
    /// An environment variable.
    Env(String),
    /// A pip configuration file: path, section and key.
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// `global` or `install`.
        section: String,
        /// The key as normalised (`index-url`).
        key: String,
    },
    /// Credentials written in the index URL itself.
    UrlUserinfo,
    /// A `.netrc` file.
    Netrc(PathBuf),
    /// `pip config list` of the local pip (the key it printed).
    LocalPip(String),
    /// pip's built-in default, read from pip's own source file.
    PipDefault(PathBuf),
    /// assay's own default.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Cli(flag) => write!(f, "command line {flag}"),
            Source::Env(var) => write!(f, "environment variable {var}"),
            Source::ConfigFile { path, section, key } => {
                write!(f, "{} [{section}] {key}", path.display())
            }
            Source::UrlUserinfo => write!(f, "credentials in the URL"),
            Source::Netrc(p) => write!(f, "netrc file {}", p.display()),
            Source::LocalPip(key) => write!(f, "local pip configuration ({key})"),
            Source::PipDefault(p) => write!(f, "local pip's built-in default ({})", p.display()),
            Source::Default => write!(f, "default"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Its origin.
    pub source: Source,
}

impl<T> Sourced<T> {
    fn new(value: T, source: Source) -> Self {
        Sourced { value, source }
    }
}

/// A user name and password for an index (Debug hides the password).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub username: String,
    /// Password (may be empty).
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

/// One index: its base URL (credentials removed) and credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexUrl {
    /// Base URL of the simple API, without credentials or trailing slash.
    pub url: String,
    /// Credentials from the URL or `.netrc`.
    pub credentials: Option<Sourced<Credentials>>,
}

/// Proxy settings: per-scheme proxies and hosts that bypass them. `Debug`
/// hides proxy credentials.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxySettings {
    /// Proxy for `https://` URLs.
    pub https: Option<Sourced<String>>,
    /// Proxy for `http://` URLs.
    pub http: Option<Sourced<String>>,
    /// `NO_PROXY` entries (host names, `.suffix`, `host:port`, `*`).
    pub no_proxy: Vec<String>,
}

impl fmt::Debug for ProxySettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let clean =
            |p: &Option<Sourced<String>>| p.as_ref().map(|s| url::strip_credentials(&s.value).0);
        f.debug_struct("ProxySettings")
            .field("https", &clean(&self.https))
            .field("http", &clean(&self.http))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl ProxySettings {
    /// The proxy URL to use for `target`, if any.
    pub fn for_url(&self, target: &str) -> Option<&str> {
        if self.bypasses(target) {
            return None;
        }
        let scheme = url::split(target)?.scheme.to_ascii_lowercase();
        let p = if scheme == "https" {
            &self.https
        } else {
            &self.http
        };
        p.as_ref().map(|s| s.value.as_str())
    }

    fn bypasses(&self, target: &str) -> bool {
        let (Some(host), Some(hostport)) = (url::host(target), url::host_port(target)) else {
            return false;
        };
        self.no_proxy.iter().any(|entry| {
            let e = entry.trim().to_ascii_lowercase();
            let e = e.trim_start_matches('*').trim_start_matches('.');
            !e.is_empty() && (e == host || e == hostport || host.ends_with(&format!(".{e}")))
                || entry.trim() == "*"
        })
    }
}

/// Command-line values that override every other source.
#[derive(Debug, Clone, Default)]
pub struct IndexOverrides {
    /// `--index-url`.
    pub index_url: Option<String>,
    /// `--extra-index-url` (repeatable).
    pub extra_index_urls: Vec<String>,
    /// `--cert`: a PEM CA bundle.
    pub cert: Option<PathBuf>,
    /// `--timeout`.
    pub timeout: Option<Duration>,
    /// `--retries`.
    pub retries: Option<u32>,
    /// `--timeout-total`: a deadline for every request of the run together.
    pub timeout_total: Option<Duration>,
    /// `--proxy` (all schemes).
    pub proxy: Option<String>,
    /// `--trusted-host` (repeatable): hosts whose TLS certificate is not checked.
    pub trusted_hosts: Vec<String>,
    /// `--isolated`: ignore pip's configuration files, `PIP_*`/`UV_*` variables and netrc.
    pub isolated: bool,
}

/// The environment configuration is read from, injectable for tests.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// Environment variables.
    pub vars: BTreeMap<String, String>,
    /// The user's home directory.
    pub home: Option<PathBuf>,
    /// The system configuration directory (`/etc`) for pip's global files;
    /// `None` reads no global file.
    pub etc: Option<PathBuf>,
}

impl Environment {
    /// The process environment and `$HOME`.
    pub fn from_process() -> Environment {
        let vars: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let home = vars
            .get("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        Environment {
            vars,
            home,
            etc: Some(PathBuf::from("/etc")),
        }
    }

    /// A non-empty variable.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn sourced_var(&self, name: &str) -> Option<Sourced<String>> {
        self.var(name)
            .map(|v| Sourced::new(v.to_owned(), Source::Env(name.to_owned())))
    }
}

/// A configuration problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Nothing says which index to use.
    #[error(
        "no package index configured{}: pass `--index-url URL` or set PIP_INDEX_URL=URL (pip's configuration files, UV_DEFAULT_INDEX and UV_INDEX_URL are read too)",
        why.as_ref().map(|w| format!(" ({w})")).unwrap_or_default()
    )]
    NoIndex {
        /// Why the local pip could not tell, when it was asked.
        why: Option<String>,
    },
    /// An index URL that is not an absolute `http(s)://` URL.
    #[error("invalid index URL {url:?} from {origin}: {reason}")]
    InvalidUrl {
        /// The value (credentials removed).
        url: String,
        /// Where it came from.
        origin: Source,
        /// What is wrong.
        reason: &'static str,
    },
    /// A value that does not parse (timeout, retries).
    #[error("invalid {key} value {value:?} from {origin}")]
    InvalidValue {
        /// The setting.
        key: &'static str,
        /// The value.
        value: String,
        /// Where it came from.
        origin: Source,
    },
    /// A configuration file that cannot be read or parsed.
    #[error("cannot read pip configuration file {}: {reason}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// The resolved index configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexConfig {
    /// The main index.
    pub index_url: Sourced<IndexUrl>,
    /// Extra indexes, in order, without duplicates of the main one.
    pub extra_index_urls: Vec<Sourced<IndexUrl>>,
    /// A PEM CA bundle replacing the default roots.
    pub cert: Option<Sourced<PathBuf>>,
    /// Connect timeout and per-read timeout.
    pub timeout: Sourced<Duration>,
    /// Retries after the first attempt (timeouts, connection errors, 5xx).
    pub retries: Sourced<u32>,
    /// Hosts (`host` or `host:port`) whose TLS certificate is not verified.
    pub trusted_hosts: Vec<Sourced<String>>,
    /// Proxies.
    pub proxy: ProxySettings,
    /// Largest accepted download or page, in bytes.
    pub max_download_size: u64,
    /// Longest one request may take, from connecting to its body's end.
    pub request_deadline: Duration,
    /// Longest all requests of the run may take together, counted from
    /// when the client is made (`--timeout-total`).
    pub timeout_total: Option<Duration>,
    /// Bytes the bodies of parallel downloads may hold at once.
    pub max_in_flight: u64,
    /// First retry delay; doubles each retry.
    pub backoff: Duration,
}

/// Merged pip configuration: (section, key) → value, later files winning.
#[derive(Default)]
struct PipFiles {
    values: BTreeMap<(String, String), Sourced<String>>,
}

impl PipFiles {
    fn load(env: &Environment, isolated: bool) -> Result<PipFiles, ConfigError> {
        let mut files = PipFiles::default();
        if isolated {
            return Ok(files);
        }
        let env_file = env.var("PIP_CONFIG_FILE").map(PathBuf::from);
        if env_file.as_deref() == Some(Path::new("/dev/null")) {
            return Ok(files);
        }
        let mut paths: Vec<PathBuf> = Vec::new();
        if let Some(etc) = &env.etc {
            let xdg_dirs: Vec<PathBuf> = match env.var("XDG_CONFIG_DIRS") {
                Some(d) => d
                    .split(':')
                    .filter(|d| !d.is_empty())
                    .map(PathBuf::from)
                    .collect(),
                None => vec![etc.join("xdg")],
            };
            for dir in xdg_dirs {
                paths.push(dir.join("pip").join("pip.conf"));
            }
            paths.push(etc.join("pip.conf"));
        }
        let skip_user = env_file.as_ref().is_some_and(|p| p.exists());
        if !skip_user {
            if let Some(home) = &env.home {
                paths.push(home.join(".pip").join("pip.conf"));
            }
            let config_home = env
                .var("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .or_else(|| env.home.as_ref().map(|h| h.join(".config")));
            if let Some(dir) = config_home {
                paths.push(dir.join("pip").join("pip.conf"));
            }
        }
        if let Some(venv) = env.var("VIRTUAL_ENV") {
            paths.push(Path::new(venv).join("pip.conf"));
        }
        if let Some(p) = env_file {
            paths.push(p);
        }
        for path in paths {
            files.read(&path)?;
        }
        Ok(files)
    }

    fn read(&mut self, path: &Path) -> Result<(), ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => return Ok(()),
            Err(e) => {
                return Err(ConfigError::File {
                    path: path.to_owned(),
                    reason: e.to_string(),
                });
            }
        };
        // pip's configparser is strict: what it refuses fails here too.
        let parsed = Ini::parse(&text);
        if let Some(problem) = parsed.problems().first() {
            return Err(ConfigError::File {
                path: path.to_owned(),
                reason: format!("line {}: {}", problem.line, problem.reason),
            });
        }
        for (section, entries) in parsed.sections() {
            for entry in entries {
                // pip normalises `_` to `-` in keys.
                let key = entry.key.replace('_', "-");
                let source = Source::ConfigFile {
                    path: path.to_owned(),
                    section: section.to_owned(),
                    key: key.clone(),
                };
                self.values.insert(
                    (section.to_owned(), key),
                    Sourced::new(entry.value.clone(), source),
                );
            }
        }
        Ok(())
    }

    /// `[install]` before `[global]`, as pip's install command reads them.
    fn get(&self, key: &str) -> Option<&Sourced<String>> {
        ["install", "global"].iter().find_map(|s| {
            self.values
                .get(&((*s).to_owned(), key.to_owned()))
                .filter(|v| !v.value.trim().is_empty())
        })
    }
}

/// pip's view of one option: `PIP_<KEY>` then the files.
fn pip_lookup(
    env: &Environment,
    files: &PipFiles,
    key: &str,
    isolated: bool,
) -> Option<Sourced<String>> {
    let var = format!("PIP_{}", key.to_ascii_uppercase().replace('-', "_"));
    let from_env = if isolated {
        None
    } else {
        env.sourced_var(&var)
    };
    from_env.or_else(|| files.get(key).cloned())
}

fn split_list(s: &Sourced<String>) -> Vec<Sourced<String>> {
    s.value
        .split_whitespace()
        .map(|v| Sourced::new(v.to_owned(), s.source.clone()))
        .collect()
}

/// Reads a netrc file lazily.
struct NetrcFile {
    path: Option<PathBuf>,
    entries: Option<Vec<netrc::Entry>>,
}

impl NetrcFile {
    fn new(env: &Environment) -> NetrcFile {
        let path = env
            .var("NETRC")
            .map(PathBuf::from)
            .or_else(|| env.home.as_ref().map(|h| h.join(".netrc")));
        NetrcFile {
            path,
            entries: None,
        }
    }

    fn lookup(&mut self, host: &str) -> Option<Sourced<Credentials>> {
        let path = self.path.clone()?;
        let entries = self.entries.get_or_insert_with(|| {
            std::fs::read_to_string(&path)
                .map(|t| netrc::parse(&t))
                .unwrap_or_default()
        });
        let e = netrc::lookup(entries, host)?;
        Some(Sourced::new(
            Credentials {
                username: e.login.clone(),
                password: e.password.clone(),
            },
            Source::Netrc(path),
        ))
    }
}

fn make_index(
    raw: Sourced<String>,
    netrc: &mut NetrcFile,
) -> Result<Sourced<IndexUrl>, ConfigError> {
    let (clean, creds) = url::strip_credentials(raw.value.trim());
    let clean = clean.trim_end_matches('/').to_owned();
    let invalid = |reason| ConfigError::InvalidUrl {
        url: clean.clone(),
        origin: raw.source.clone(),
        reason,
    };
    let parts = url::split(&clean).ok_or_else(|| invalid("not an absolute URL"))?;
    let scheme = parts.scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(invalid("only http:// and https:// indexes are supported"));
    }
    let host = url::host(&clean).ok_or_else(|| invalid("no host"))?;
    let credentials = match creds {
        Some((username, password)) => Some(Sourced::new(
            Credentials { username, password },
            Source::UrlUserinfo,
        )),
        None => netrc.lookup(&host),
    };
    Ok(Sourced::new(
        IndexUrl {
            url: clean,
            credentials,
        },
        raw.source,
    ))
}

/// Values of `UV_INDEX`: `name=url` or `url`, space separated.
fn uv_index_entries(s: &Sourced<String>) -> Vec<Sourced<String>> {
    split_list(s)
        .into_iter()
        .map(|mut v| {
            if let Some((name, rest)) = v.value.split_once('=')
                && !name.contains([':', '/'])
            {
                v.value = rest.to_owned();
            }
            v
        })
        .collect()
}

impl IndexConfig {
    /// Discovers the configuration from the process environment and the
    /// user's pip configuration files. Errors with [`ConfigError::NoIndex`]
    /// if nothing names an index (see [`IndexConfig::from_local_pip`]).
    pub fn discover(overrides: &IndexOverrides) -> Result<IndexConfig, ConfigError> {
        Self::discover_in(overrides, &Environment::from_process())
    }

    /// [`IndexConfig::discover`] with an explicit environment and home.
    pub fn discover_in(
        overrides: &IndexOverrides,
        env: &Environment,
    ) -> Result<IndexConfig, ConfigError> {
        Self::resolve(overrides, env, None)
    }

    /// A configuration for one index URL and defaults for the rest (no
    /// environment, files or netrc read).
    pub fn for_index(index_url: &str) -> Result<IndexConfig, ConfigError> {
        let overrides = IndexOverrides {
            index_url: Some(index_url.to_owned()),
            isolated: true,
            ..IndexOverrides::default()
        };
        Self::resolve(&overrides, &Environment::default(), None)
    }

    /// Like [`IndexConfig::discover`], but when nothing is configured
    /// takes the index the local `python3`'s pip would use (without running
    /// any package code): pip's built-in default read from pip's own
    /// `models/index.py` when the interpreter's files say it (nothing is
    /// run), else what `python3 -I -m pip config list` reports, else that
    /// default. A pyenv shim is followed to the interpreter it would start.
    pub fn from_local_pip(overrides: &IndexOverrides) -> Result<IndexConfig, ConfigError> {
        let env = Environment::from_process();
        let python = crate::local_python::python3(&env).unwrap_or_else(|| "python3".into());
        Self::from_local_pip_in(overrides, &env, &python)
    }

    /// [`IndexConfig::from_local_pip`] with an explicit environment and
    /// Python interpreter.
    pub fn from_local_pip_in(
        overrides: &IndexOverrides,
        env: &Environment,
        python: &Path,
    ) -> Result<IndexConfig, ConfigError> {
        match Self::resolve(overrides, env, None) {
            Err(ConfigError::NoIndex { .. }) => {}
            other => return other,
        }
        let fallback = match crate::local_pip::from_disk(python) {
            Some(found) => found,
            None => crate::local_pip::index_url(python, env)
                .map_err(|why| ConfigError::NoIndex { why: Some(why) })?,
        };
        Self::resolve(overrides, env, Some(fallback))
    }

    fn resolve(
        overrides: &IndexOverrides,
        env: &Environment,
        fallback: Option<Sourced<String>>,
    ) -> Result<IndexConfig, ConfigError> {
        let iso = overrides.isolated;
        let files = PipFiles::load(env, iso)?;
        let mut netrc = NetrcFile::new(env);
        if iso {
            netrc.path = None;
        }
        let env_or = |name: &str| if iso { None } else { env.sourced_var(name) };
        let pip = |key: &str| pip_lookup(env, &files, key, iso);

        let primary_raw = overrides
            .index_url
            .clone()
            .map(|u| Sourced::new(u, Source::Cli("--index-url")))
            .or_else(|| pip("index-url").filter(|v| matches!(v.source, Source::Env(_))))
            .or_else(|| env_or("UV_DEFAULT_INDEX"))
            .or_else(|| env_or("UV_INDEX_URL"))
            .or_else(|| pip("index-url"))
            .or(fallback)
            .ok_or(ConfigError::NoIndex { why: None })?;
        let index_url = make_index(primary_raw, &mut netrc)?;

        let mut extra_raw: Vec<Sourced<String>> = overrides
            .extra_index_urls
            .iter()
            .map(|u| Sourced::new(u.clone(), Source::Cli("--extra-index-url")))
            .collect();
        if let Some(v) = pip("extra-index-url") {
            extra_raw.extend(split_list(&v));
        }
        if let Some(v) = env_or("UV_INDEX") {
            extra_raw.extend(uv_index_entries(&v));
        }
        if let Some(v) = env_or("UV_EXTRA_INDEX_URL") {
            extra_raw.extend(split_list(&v));
        }
        let mut extra_index_urls: Vec<Sourced<IndexUrl>> = Vec::new();
        for raw in extra_raw {
            let idx = make_index(raw, &mut netrc)?;
            if idx.value.url != index_url.value.url
                && !extra_index_urls
                    .iter()
                    .any(|e| e.value.url == idx.value.url)
            {
                extra_index_urls.push(idx);
            }
        }

        let cert = overrides
            .cert
            .clone()
            .map(|p| Sourced::new(p, Source::Cli("--cert")))
            .or_else(|| pip("cert").map(|s| Sourced::new(PathBuf::from(s.value), s.source)))
            .or_else(|| {
                ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"]
                    .iter()
                    .find_map(|v| env.sourced_var(v))
                    .map(|s| Sourced::new(PathBuf::from(s.value), s.source))
            });

        let timeout = match overrides.timeout {
            Some(t) => Sourced::new(t, Source::Cli("--timeout")),
            None => match pip("timeout").or_else(|| pip("default-timeout")) {
                Some(s) => {
                    let secs = s
                        .value
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite() && *v > 0.0 && *v < 1e6);
                    let secs = secs.ok_or_else(|| ConfigError::InvalidValue {
                        key: "timeout",
                        value: s.value.clone(),
                        origin: s.source.clone(),
                    })?;
                    Sourced::new(Duration::from_secs_f64(secs), s.source)
                }
                None => Sourced::new(DEFAULT_TIMEOUT, Source::Default),
            },
        };
        let retries = match overrides.retries {
            Some(r) => Sourced::new(r, Source::Cli("--retries")),
            None => match pip("retries") {
                Some(s) => {
                    let r = s.value.trim().parse::<u32>().ok().filter(|r| *r <= 100);
                    let r = r.ok_or_else(|| ConfigError::InvalidValue {
                        key: "retries",
                        value: s.value.clone(),
                        origin: s.source.clone(),
                    })?;
                    Sourced::new(r, s.source)
                }
                None => Sourced::new(DEFAULT_RETRIES, Source::Default),
            },
        };

        let mut trusted_hosts: Vec<Sourced<String>> = overrides
            .trusted_hosts
            .iter()
            .map(|h| Sourced::new(h.to_ascii_lowercase(), Source::Cli("--trusted-host")))
            .collect();
        if let Some(v) = pip("trusted-host") {
            trusted_hosts.extend(split_list(&v).into_iter().map(|mut s| {
                s.value = s.value.to_ascii_lowercase();
                s
            }));
        }

        let proxy = Self::proxy_settings(overrides, env, &pip);

        Ok(IndexConfig {
            index_url,
            extra_index_urls,
            cert,
            timeout,
            retries,
            trusted_hosts,
            proxy,
            max_download_size: DEFAULT_MAX_DOWNLOAD,
            request_deadline: DEFAULT_REQUEST_DEADLINE,
            timeout_total: overrides.timeout_total,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            backoff: Duration::from_millis(500),
        })
    }

    fn proxy_settings(
        overrides: &IndexOverrides,
        env: &Environment,
        pip: &dyn Fn(&str) -> Option<Sourced<String>>,
    ) -> ProxySettings {
        let first = |names: &[&str]| names.iter().find_map(|n| env.sourced_var(n));
        let no_proxy = first(&["no_proxy", "NO_PROXY"])
            .map(|s| {
                s.value
                    .split(',')
                    .map(|e| e.trim().to_owned())
                    .filter(|e| !e.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let all = overrides
            .proxy
            .clone()
            .map(|p| Sourced::new(p, Source::Cli("--proxy")))
            .or_else(|| pip("proxy"));
        if let Some(all) = all {
            return ProxySettings {
                https: Some(all.clone()),
                http: Some(all),
                no_proxy,
            };
        }
        let fallback = first(&["all_proxy", "ALL_PROXY"]);
        ProxySettings {
            https: first(&["https_proxy", "HTTPS_PROXY"]).or_else(|| fallback.clone()),
            http: first(&["http_proxy", "HTTP_PROXY"]).or(fallback),
            no_proxy,
        }
    }

    /// The main index, then the extra indexes.
    pub fn indexes(&self) -> impl Iterator<Item = &Sourced<IndexUrl>> {
        std::iter::once(&self.index_url).chain(&self.extra_index_urls)
    }

    /// True if TLS verification is disabled for the host of `target`.
    pub fn is_trusted_host(&self, target: &str) -> bool {
        let (Some(host), Some(hostport)) = (url::host(target), url::host_port(target)) else {
            return false;
        };
        self.trusted_hosts
            .iter()
            .any(|t| t.value == host || t.value == hostport)
    }

    /// One line per setting with its source, for `--verbose` output.
    /// Passwords are never shown.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, idx) in self.indexes().enumerate() {
            let role = if i == 0 {
                "index-url"
            } else {
                "extra-index-url"
            };
            out.push(format!("{role} = {} (from {})", idx.value.url, idx.source));
            if let Some(c) = &idx.value.credentials {
                out.push(format!(
                    "  credentials for {} (from {})",
                    c.value.username, c.source
                ));
            }
        }
        if let Some(c) = &self.cert {
            out.push(format!("cert = {} (from {})", c.value.display(), c.source));
        }
        out.push(format!(
            "timeout = {:?} (from {})",
            self.timeout.value, self.timeout.source
        ));
        out.push(format!(
            "retries = {} (from {})",
            self.retries.value, self.retries.source
        ));
        for t in &self.trusted_hosts {
            out.push(format!("trusted-host = {} (from {})", t.value, t.source));
        }
        for (scheme, p) in [("https", &self.proxy.https), ("http", &self.proxy.http)] {
            if let Some(p) = p {
                let (clean, _) = url::strip_credentials(&p.value);
                out.push(format!("{scheme} proxy = {clean} (from {})", p.source));
            }
        }
        out
    }
}

/// Runs a command with a deadline; returns stdout on success.
pub(crate) fn run_with_deadline(cmd: &mut Command, limit: Duration) -> Result<String, String> {
    let program = cmd.get_program().to_owned();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {program:?}: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("no stdout pipe")?;
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ =
            std::io::Read::read_to_end(&mut std::io::Read::take(&mut stdout, 1 << 20), &mut buf);
        buf
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{program:?} did not finish within {limit:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    };
    let out = reader
        .join()
        .map_err(|_| "reader thread failed".to_owned())?;
    if !status.success() {
        return Err(format!("{program:?} exited with {status}"));
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}
