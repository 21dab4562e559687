//! The index client: project pages from every configured index, verified
//! downloads, PEP 658 metadata files, retries, timeouts and size caps.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use sha2::Digest as _;
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::{Agent, ResponseExt as _};

use crate::cache::{Cache, CacheError, CachedPage, hex, sha256_hex};
use crate::config::{Credentials, IndexConfig};
use crate::dist::{DistFile, MetadataAvailability, normalize_name};
use crate::in_flight::InFlight;
use crate::simple::{self, ACCEPT, PageError, ProjectPage};
use crate::url;

/// Digest algorithms we check, strongest-preferred order (SHA-256 first,
/// as the simple API recommends). A match of md5 (which can be forged)
/// does not make a file verified; a mismatch of any still refuses it.
const ALGORITHMS: &[&str] = &["sha256", "sha512", "sha384", "md5"];

/// The algorithms whose match counts as verified.
const STRONG_ALGORITHMS: &[&str] = &["sha256", "sha512", "sha384"];

/// Largest project page accepted.
const MAX_PAGE: u64 = 256 << 20;

/// Largest PEP 658 metadata file accepted.
const MAX_METADATA: u64 = 16 << 20;

/// Common CA bundle locations, used when no bundle is configured.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
];

/// An index or download failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// No configured index knows the project (404 on every one).
    #[error("no project named {name:?} on {}", indexes.join(", "))]
    NotFound {
        /// The name asked for.
        name: String,
        /// The indexes asked.
        indexes: Vec<String>,
    },
    /// The project exists but has no file of that version.
    #[error("{name} has no release {version} (available: {})", if available.is_empty() { "none".to_owned() } else { available.join(", ") })]
    VersionNotFound {
        /// The project name.
        name: String,
        /// The version asked for.
        version: String,
        /// The versions the indexes list, oldest first.
        available: Vec<String>,
    },
    /// An HTTP status that is neither success nor (where allowed) 404.
    #[error("{url}: HTTP {status}{}", if *attempts > 1 { format!(" after {attempts} attempts") } else { String::new() })]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
        /// How many requests were made.
        attempts: u32,
    },
    /// Timed out (connect or read) on every attempt.
    #[error("{url}: timed out after {attempts} attempts ({detail})")]
    Timeout {
        /// The URL.
        url: String,
        /// How many requests were made.
        attempts: u32,
        /// ureq's description.
        detail: String,
    },
    /// A connection, TLS or protocol error.
    #[error("{url}: {detail}{}", if *attempts > 1 { format!(" (after {attempts} attempts)") } else { String::new() })]
    Transport {
        /// The URL.
        url: String,
        /// How many requests were made.
        attempts: u32,
        /// What failed.
        detail: String,
    },
    /// The body ended before its announced `Content-Length`.
    #[error("{url}: truncated body: got {} of {expected} bytes", received.map_or_else(|| "fewer".to_owned(), |r| r.to_string()))]
    Truncated {
        /// The URL.
        url: String,
        /// Content-Length.
        expected: u64,
        /// Bytes received, when known (the connection may fail mid-read).
        received: Option<u64>,
    },
    /// The body was sent with a `Content-Encoding` that was not asked for
    /// (a gzip bomb hides behind one): refused unread.
    #[error(
        "{url}: refused a body sent with Content-Encoding {encoding:?}, which was not asked for"
    )]
    UnexpectedEncoding {
        /// The URL.
        url: String,
        /// The encoding the server named.
        encoding: String,
    },
    /// A `file:` link: never followed, since an index must not make assay
    /// read (and quote) the user's own files.
    #[error(
        "{url}: a file: link is not followed (an index cannot point assay at local files); download the file and scan it by path"
    )]
    LocalLink {
        /// The URL.
        url: String,
    },
    /// The run's `--timeout-total` ran out before this request.
    #[error("{url}: not fetched: the run's total time limit of {limit:?} ran out")]
    RunDeadline {
        /// The URL.
        url: String,
        /// The limit.
        limit: Duration,
    },
    /// The body is larger than the configured cap.
    #[error("{url}: larger than the limit of {limit} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The cap.
        limit: u64,
    },
    /// The file does not match the index's digest: refused, not cached.
    #[error(
        "{filename}: {algorithm} digest mismatch (index says {expected}, got {actual}); the file was refused"
    )]
    HashMismatch {
        /// The file name.
        filename: String,
        /// The algorithm checked.
        algorithm: String,
        /// The index's digest.
        expected: String,
        /// The digest of what was received.
        actual: String,
    },
    /// A project page that cannot be parsed.
    #[error(transparent)]
    Page(#[from] PageError),
    /// The project JSON endpoint returned something that is not JSON.
    #[error("{url}: malformed project JSON: {detail}")]
    MalformedJson {
        /// The URL.
        url: String,
        /// The parse error.
        detail: String,
    },
    /// The cache failed.
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// A CA bundle that cannot be read.
    #[error("CA bundle {path}: {detail}")]
    Cert {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// A proxy URL ureq does not accept.
    #[error("invalid proxy {proxy:?}: {detail}")]
    Proxy {
        /// The proxy (credentials removed).
        proxy: String,
        /// What is wrong.
        detail: String,
    },
}

/// A project as listed by every configured index.
#[derive(Debug, Clone)]
pub struct ProjectListing {
    /// The normalised name.
    pub name: String,
    /// One page per index that has the project, main index first.
    pub pages: Vec<ProjectPage>,
}

impl ProjectListing {
    /// The indexes (URLs) that list the project.
    pub fn found_on(&self) -> Vec<&str> {
        self.pages.iter().map(|p| p.index_url.as_str()).collect()
    }

    /// True when more than one index lists the name: a dependency-confusion
    /// risk the caller should report.
    pub fn on_several_indexes(&self) -> bool {
        self.pages.len() > 1
    }

    /// Every file of every page, main index first.
    pub fn files(&self) -> Vec<&DistFile> {
        self.pages.iter().flat_map(|p| &p.files).collect()
    }

    /// Every version any file parses to, oldest first, without duplicates.
    pub fn versions(&self) -> Vec<pep440_rs::Version> {
        let set: std::collections::BTreeSet<&pep440_rs::Version> = self
            .files()
            .into_iter()
            .filter_map(|f| f.version.as_ref())
            .collect();
        set.into_iter().cloned().collect()
    }

    /// The files of one release, or [`IndexError::VersionNotFound`] (a
    /// version in a lockfile that the index no longer has is worth
    /// reporting: removed releases are often removed malware).
    pub fn release(&self, version: &pep440_rs::Version) -> Result<Vec<&DistFile>, IndexError> {
        let files: Vec<&DistFile> = self
            .files()
            .into_iter()
            .filter(|f| f.version.as_ref() == Some(version))
            .collect();
        if files.is_empty() {
            return Err(IndexError::VersionNotFound {
                name: self.name.clone(),
                version: version.to_string(),
                available: self.versions().iter().map(ToString::to_string).collect(),
            });
        }
        Ok(files)
    }

    /// Every file with the index (URL) that listed it, main index first.
    pub fn files_by_index(&self) -> Vec<(&str, &DistFile)> {
        self.pages
            .iter()
            .flat_map(|p| p.files.iter().map(move |f| (p.index_url.as_str(), f)))
            .collect()
    }
}

/// A downloaded (or cached) file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Their SHA-256 (lower-case hex).
    pub sha256: String,
    /// True when no network was used.
    pub from_cache: bool,
    /// True when the bytes matched a digest the index gave.
    pub verified: bool,
    /// The algorithm that was checked (`sha256`, ...), if any.
    pub algorithm: Option<String>,
}

/// One finished download, for progress reporting.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// The file.
    pub file: &'a DistFile,
    /// Downloads finished so far (including this one).
    pub done: usize,
    /// Downloads in total.
    pub total: usize,
    /// Whether it succeeded.
    pub ok: bool,
    /// Whether it came from the cache.
    pub from_cache: bool,
}

struct Fetched {
    final_url: String,
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// The index client. `Send + Sync`: share one between threads.
pub struct Client {
    config: IndexConfig,
    /// When the run's `--timeout-total` runs out.
    run_deadline: Option<Instant>,
    /// Bytes reserved by the downloads running now.
    in_flight: InFlight,
    cache: Option<Cache>,
    roots: RootCerts,
    agents: Mutex<HashMap<(Option<String>, bool), Agent>>,
    auth: Vec<(String, Credentials)>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

fn load_pem(path: &std::path::Path) -> Result<Vec<Certificate<'static>>, IndexError> {
    let err = |detail: String| IndexError::Cert {
        path: path.display().to_string(),
        detail,
    };
    let pem = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        if let ureq::tls::PemItem::Certificate(c) = item.map_err(|e| err(e.to_string()))? {
            certs.push(c);
        }
    }
    if certs.is_empty() {
        return Err(err("no certificate in the file".into()));
    }
    Ok(certs)
}

impl Client {
    /// A client for `config`, using `cache` when given.
    pub fn new(config: IndexConfig, cache: Option<Cache>) -> Result<Client, IndexError> {
        let roots = match &config.cert {
            Some(c) => RootCerts::new_with_certs(&load_pem(&c.value)?),
            None => SYSTEM_BUNDLES
                .iter()
                .find_map(|p| load_pem(std::path::Path::new(p)).ok())
                .map_or(RootCerts::WebPki, |c| RootCerts::new_with_certs(&c)),
        };
        for p in [&config.proxy.https, &config.proxy.http]
            .into_iter()
            .flatten()
        {
            ureq::Proxy::new(&p.value).map_err(|e| IndexError::Proxy {
                proxy: url::strip_credentials(&p.value).0,
                detail: e.to_string(),
            })?;
        }
        let auth = config
            .indexes()
            .filter_map(|i| {
                let c = i.value.credentials.as_ref()?;
                Some((url::host_port(&i.value.url)?, c.value.clone()))
            })
            .collect();
        Ok(Client {
            run_deadline: config.timeout_total.map(|t| Instant::now() + t),
            in_flight: InFlight::new(config.max_in_flight),
            config,
            cache,
            roots,
            agents: Mutex::new(HashMap::new()),
            auth,
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &IndexConfig {
        &self.config
    }

    /// The cache in use.
    pub fn cache(&self) -> Option<&Cache> {
        self.cache.as_ref()
    }

    fn agent(&self, target: &str) -> Result<Agent, IndexError> {
        let proxy = self.config.proxy.for_url(target).map(str::to_owned);
        let insecure = self.config.is_trusted_host(target);
        let key = (proxy.clone(), insecure);
        let mut agents = self.agents.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(a) = agents.get(&key) {
            return Ok(a.clone());
        }
        let proxy = match &proxy {
            Some(p) => Some(ureq::Proxy::new(p).map_err(|e| IndexError::Proxy {
                proxy: url::strip_credentials(p).0,
                detail: e.to_string(),
            })?),
            None => None,
        };
        let t = self.config.timeout.value;
        let tls = TlsConfig::builder()
            .root_certs(self.roots.clone())
            .disable_verification(insecure)
            .build();
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(t))
            .timeout_per_read(Some(t))
            .timeout_per_write(Some(t))
            .proxy(proxy)
            .tls_config(tls)
            .user_agent(concat!("assay/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        agents.insert(key, agent.clone());
        Ok(agent)
    }

    fn auth_header(&self, target: &str) -> Option<String> {
        let hp = url::host_port(target)?;
        let (_, c) = self.auth.iter().find(|(h, _)| *h == hp)?;
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", c.username, c.password));
        Some(format!("Basic {token}"))
    }

    /// GET with retries. 2xx and 404 are returned; other statuses are errors.
    fn get(
        &self,
        target: &str,
        accept: Option<&str>,
        limit: u64,
        raw: bool,
    ) -> Result<Fetched, IndexError> {
        let limit = limit.max(1);
        let attempts = self.config.retries.value.saturating_add(1);
        let mut n = 0;
        loop {
            n += 1;
            let (err, retryable) = match self.get_once(target, accept, limit, raw) {
                Ok(f) if f.status >= 500 => {
                    let e = IndexError::Status {
                        url: target.to_owned(),
                        status: f.status,
                        attempts: n,
                    };
                    (e, true)
                }
                Ok(f) if f.status == 404 || (200..300).contains(&f.status) => return Ok(f),
                Ok(f) => {
                    return Err(IndexError::Status {
                        url: target.to_owned(),
                        status: f.status,
                        attempts: n,
                    });
                }
                Err((e, retry)) => (e, retry),
            };
            if !retryable || n >= attempts {
                return Err(with_attempts(err, n));
            }
            let delay = self
                .config
                .backoff
                .saturating_mul(1 << (n - 1).min(6))
                .min(Duration::from_secs(30));
            std::thread::sleep(delay);
        }
    }

    fn get_once(
        &self,
        target: &str,
        accept: Option<&str>,
        limit: u64,
        raw: bool,
    ) -> Result<Fetched, (IndexError, bool)> {
        if target
            .get(..5)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("file:"))
        {
            return Err((
                IndexError::LocalLink {
                    url: target.to_owned(),
                },
                false,
            ));
        }
        let agent = self.agent(target).map_err(|e| (e, false))?;
        let deadline = self.request_deadline(target).map_err(|e| (e, false))?;
        let mut req = agent
            .get(target)
            .config()
            .timeout_global(Some(deadline))
            .build();
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        // Files are asked for as they are; pages may come gzipped, and are
        // decoded here within the same cap.
        req = req.header("Accept-Encoding", if raw { "identity" } else { "gzip" });
        if let Some(h) = self.auth_header(target) {
            req = req.header("Authorization", h);
        }
        let mut resp = req.call().map_err(|e| classify(target, e))?;
        let status = resp.status().as_u16();
        let final_url = resp.get_uri().to_string();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type");
        let encoding = header("content-encoding").filter(|e| !e.eq_ignore_ascii_case("identity"));
        // Pages are asked for with `Accept-Encoding: gzip`, files with
        // `identity`. Anything else was not asked for.
        if let Some(encoding) = &encoding
            && (raw || !encoding.trim().eq_ignore_ascii_case("gzip"))
        {
            return Err((
                IndexError::UnexpectedEncoding {
                    url: target.to_owned(),
                    encoding: encoding.clone(),
                },
                false,
            ));
        }
        let encoded = encoding.is_some();
        let expected = header("content-length").and_then(|v| v.trim().parse::<u64>().ok());
        if !(200..300).contains(&status) {
            // Error bodies are not used; drain a little so the connection can close cleanly.
            let _ = resp.body_mut().with_config().limit(64 << 10).read_to_vec();
            return Ok(Fetched {
                final_url,
                status,
                content_type,
                body: Vec::new(),
            });
        }
        if expected.is_some_and(|l| l > limit) {
            return Err((
                IndexError::TooLarge {
                    url: target.to_owned(),
                    limit,
                },
                false,
            ));
        }
        // The bytes this body may hold count against every download running
        // now; wait for room (no more than the per-download limit).
        let _reserved = self.in_flight.reserve(expected.unwrap_or(limit).min(limit));
        let body = resp
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => (
                    IndexError::TooLarge {
                        url: target.to_owned(),
                        limit,
                    },
                    false,
                ),
                other => match (expected, &other) {
                    (Some(exp), ureq::Error::Io(_) | ureq::Error::Protocol(_)) if !encoded => (
                        IndexError::Truncated {
                            url: target.to_owned(),
                            expected: exp,
                            received: None,
                        },
                        true,
                    ),
                    _ => classify(target, other),
                },
            })?;
        if let Some(exp) = expected
            && body.len() as u64 != exp
        {
            return Err((
                IndexError::Truncated {
                    url: target.to_owned(),
                    expected: exp,
                    received: Some(body.len() as u64),
                },
                true,
            ));
        }
        let body = if encoded {
            gunzip(&body, limit).map_err(|e| (e.for_url(target), false))?
        } else {
            body
        };
        Ok(Fetched {
            final_url,
            status,
            content_type,
            body,
        })
    }

    /// How long the next request may take: the per-request deadline, or
    /// what is left of the run's total, whichever is shorter.
    fn request_deadline(&self, target: &str) -> Result<Duration, IndexError> {
        let per_request = self.config.request_deadline;
        let Some(run) = self.run_deadline else {
            return Ok(per_request);
        };
        let left = run.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(IndexError::RunDeadline {
                url: target.to_owned(),
                limit: self.config.timeout_total.unwrap_or_default(),
            });
        }
        Ok(per_request.min(left))
    }

    /// The project on every configured index. [`IndexError::NotFound`] when
    /// no index has it. Any other failure of any index is an error: a
    /// missing answer could hide a dependency-confusion risk.
    pub fn project(&self, name: &str) -> Result<ProjectListing, IndexError> {
        let mut pages = Vec::new();
        let mut asked = Vec::new();
        for idx in self.config.indexes() {
            asked.push(idx.value.url.clone());
            if let Some(page) = self.project_on(&idx.value.url, name)? {
                pages.push(page);
            }
        }
        if pages.is_empty() {
            return Err(IndexError::NotFound {
                name: name.to_owned(),
                indexes: asked,
            });
        }
        Ok(ProjectListing {
            name: normalize_name(name),
            pages,
        })
    }

    /// The project page on one index; `None` on 404.
    pub fn project_on(
        &self,
        index_url: &str,
        name: &str,
    ) -> Result<Option<ProjectPage>, IndexError> {
        let page_url = simple::project_url(index_url, name);
        if let Some(cache) = &self.cache
            && let Some(c) = cache.get_page(&page_url)?
        {
            if c.not_found {
                return Ok(None);
            }
            if let Ok(page) = simple::parse_project_page(
                name,
                index_url,
                &c.url,
                c.content_type.as_deref(),
                c.body.as_bytes(),
            ) {
                return Ok(Some(page));
            }
        }
        let f = self.get(
            &page_url,
            Some(ACCEPT),
            MAX_PAGE.min(self.config.max_download_size.max(1 << 20)),
            false,
        )?;
        if f.status == 404 {
            if let Some(cache) = &self.cache {
                let cached = CachedPage {
                    url: f.final_url,
                    content_type: None,
                    body: String::new(),
                    not_found: true,
                };
                let _ = cache.put_page(&page_url, &cached);
            }
            return Ok(None);
        }
        let page = simple::parse_project_page(
            name,
            index_url,
            &f.final_url,
            f.content_type.as_deref(),
            &f.body,
        )?;
        if let (Some(cache), Ok(body)) = (&self.cache, String::from_utf8(f.body)) {
            let cached = CachedPage {
                url: f.final_url,
                content_type: f.content_type,
                body,
                not_found: false,
            };
            // A page that cannot be cached is still a good page.
            let _ = cache.put_page(&page_url, &cached);
        }
        Ok(Some(page))
    }

    /// The main index's project JSON document (`<root>/pypi/<name>/json`);
    /// `None` when the index has no such endpoint or no such project.
    pub fn project_json(&self, name: &str) -> Result<Option<serde_json::Value>, IndexError> {
        let Some(target) = simple::project_json_url(&self.config.index_url.value.url, name) else {
            return Ok(None);
        };
        let f = self.get(&target, Some("application/json"), MAX_PAGE, false)?;
        if f.status == 404 {
            return Ok(None);
        }
        if !f.content_type.as_deref().unwrap_or("").contains("json") {
            return Ok(None);
        }
        serde_json::from_slice(&f.body)
            .map(Some)
            .map_err(|e| IndexError::MalformedJson {
                url: target,
                detail: e.to_string(),
            })
    }

    /// Downloads a file (or takes it from the cache) and verifies it
    /// against the index's digest. A mismatch is an error and the bytes are
    /// neither returned nor cached; a file without any digest is returned
    /// with `verified: false`.
    pub fn download(&self, file: &DistFile) -> Result<Downloaded, IndexError> {
        // The index's declared size bounds what is read (PEP 700 `size`).
        let limit = file.size.map_or(self.config.max_download_size, |size| {
            size.min(self.config.max_download_size)
        });
        self.fetch_verified(&file.url, &file.hashes, &file.filename, false, limit)?
            .ok_or_else(|| IndexError::Status {
                url: file.url.clone(),
                status: 404,
                attempts: 1,
            })
    }

    /// The PEP 658 core metadata file of `file`, hash-checked; `None` if the
    /// index does not announce one or does not have it (404).
    pub fn core_metadata(&self, file: &DistFile) -> Result<Option<Vec<u8>>, IndexError> {
        let MetadataAvailability::Available { hashes } = &file.core_metadata else {
            return Ok(None);
        };
        let target = format!("{}.metadata", file.url);
        let name = format!("{}.metadata", file.filename);
        Ok(self
            .fetch_verified(&target, hashes, &name, true, MAX_METADATA)?
            .map(|d| d.bytes))
    }

    fn fetch_verified(
        &self,
        target: &str,
        hashes: &BTreeMap<String, String>,
        filename: &str,
        none_on_404: bool,
        limit: u64,
    ) -> Result<Option<Downloaded>, IndexError> {
        let expected = ALGORITHMS
            .iter()
            .find_map(|a| hashes.get(*a).map(|h| (*a, h.to_ascii_lowercase())));
        if let Some(cache) = &self.cache {
            // Cache trouble is never fatal: fall back to the network.
            let key = match hashes.get("sha256") {
                Some(s) => Some(s.to_ascii_lowercase()),
                None => cache.lookup_url(target).ok().flatten(),
            };
            let hit = key.and_then(|k| Some((cache.get_blob(&k).ok().flatten()?, k)));
            if let Some((bytes, sha256)) = hit {
                // get_blob checked the bytes against their SHA-256 already.
                let verdict = expected.as_ref().map(|(a, h)| match *a {
                    "sha256" => sha256 == *h,
                    _ => digest(a, &bytes) == *h,
                });
                if verdict != Some(false) {
                    return Ok(Some(Downloaded {
                        sha256,
                        bytes,
                        from_cache: true,
                        verified: verdict == Some(true) && is_strong(expected.as_ref()),
                        algorithm: expected.map(|(a, _)| a.to_owned()),
                    }));
                }
            }
        }
        let f = self.get(target, None, limit, true)?;
        if f.status == 404 {
            if none_on_404 {
                return Ok(None);
            }
            return Err(IndexError::Status {
                url: target.to_owned(),
                status: 404,
                attempts: 1,
            });
        }
        let bytes = f.body;
        if let Some((alg, want)) = &expected {
            let got = digest(alg, &bytes);
            if got != *want {
                return Err(IndexError::HashMismatch {
                    filename: filename.to_owned(),
                    algorithm: (*alg).to_owned(),
                    expected: want.clone(),
                    actual: got,
                });
            }
        }
        let sha256 = sha256_hex(&bytes);
        if let Some(cache) = &self.cache {
            // Best effort: a full disk must not stop a scan.
            if cache.put_blob(&bytes).is_ok() {
                let _ = cache.record_url(target, &sha256);
            }
        }
        Ok(Some(Downloaded {
            bytes,
            sha256,
            from_cache: false,
            verified: is_strong(expected.as_ref()),
            algorithm: expected.map(|(a, _)| a.to_owned()),
        }))
    }

    /// Downloads `files` with at most `jobs` in parallel; results are in the
    /// order of `files`. `progress` is called after each file.
    pub fn download_all(
        &self,
        files: &[DistFile],
        jobs: usize,
        progress: &(dyn Fn(Progress<'_>) + Sync),
    ) -> Vec<Result<Downloaded, IndexError>> {
        let total = files.len();
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let slots: Vec<Mutex<Option<Result<Downloaded, IndexError>>>> =
            files.iter().map(|_| Mutex::new(None)).collect();
        let slots = Arc::new(slots);
        std::thread::scope(|s| {
            for _ in 0..jobs.clamp(1, total.max(1)) {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(file) = files.get(i) else { break };
                        let r = self.download(file);
                        let d = done.fetch_add(1, Ordering::SeqCst) + 1;
                        progress(Progress {
                            file,
                            done: d,
                            total,
                            ok: r.is_ok(),
                            from_cache: r.as_ref().is_ok_and(|d| d.from_cache),
                        });
                        *slots[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
                    }
                });
            }
        });
        slots
            .iter()
            .zip(files)
            .map(|(slot, f)| {
                slot.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take()
                    .unwrap_or_else(|| {
                        Err(IndexError::Transport {
                            url: f.url.clone(),
                            attempts: 0,
                            detail: "download did not run".into(),
                        })
                    })
            })
            .collect()
    }
}

fn with_attempts(e: IndexError, n: u32) -> IndexError {
    match e {
        IndexError::Status { url, status, .. } => IndexError::Status {
            url,
            status,
            attempts: n,
        },
        IndexError::Timeout { url, detail, .. } => IndexError::Timeout {
            url,
            attempts: n,
            detail,
        },
        IndexError::Transport { url, detail, .. } => IndexError::Transport {
            url,
            attempts: n,
            detail,
        },
        other => other,
    }
}

/// Maps a ureq error to ours and says whether it is worth retrying.
fn classify(target: &str, e: ureq::Error) -> (IndexError, bool) {
    let url = target.to_owned();
    match e {
        ureq::Error::Timeout(t) => (
            IndexError::Timeout {
                url,
                attempts: 1,
                detail: t.to_string(),
            },
            true,
        ),
        ureq::Error::Io(ref io)
            if io.kind() == std::io::ErrorKind::TimedOut
                || io.kind() == std::io::ErrorKind::WouldBlock =>
        {
            (
                IndexError::Timeout {
                    url,
                    attempts: 1,
                    detail: e.to_string(),
                },
                true,
            )
        }
        ureq::Error::Io(_)
        | ureq::Error::ConnectionFailed
        | ureq::Error::HostNotFound
        | ureq::Error::Protocol(_) => (
            IndexError::Transport {
                url,
                attempts: 1,
                detail: e.to_string(),
            },
            true,
        ),
        other => (
            IndexError::Transport {
                url,
                attempts: 1,
                detail: other.to_string(),
            },
            false,
        ),
    }
}

/// Why a gzip page could not be decoded.
enum GunzipError {
    TooLarge(u64),
    Corrupt(String),
}

impl GunzipError {
    fn for_url(self, url: &str) -> IndexError {
        match self {
            GunzipError::TooLarge(limit) => IndexError::TooLarge {
                url: url.to_owned(),
                limit,
            },
            GunzipError::Corrupt(detail) => IndexError::Transport {
                url: url.to_owned(),
                attempts: 1,
                detail: format!("corrupt gzip body: {detail}"),
            },
        }
    }
}

/// Decodes a gzip body to at most `limit` bytes: the cap holds for what
/// the body expands to, not only for what was sent.
fn gunzip(body: &[u8], limit: u64) -> Result<Vec<u8>, GunzipError> {
    use std::io::Read as _;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(body)
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| GunzipError::Corrupt(e.to_string()))?;
    if out.len() as u64 > limit {
        return Err(GunzipError::TooLarge(limit));
    }
    Ok(out)
}

/// True when the digest that was checked is one whose match counts.
fn is_strong(expected: Option<&(&str, String)>) -> bool {
    expected.is_some_and(|(algorithm, _)| STRONG_ALGORITHMS.contains(algorithm))
}

/// Lower-case hex digest of `bytes` with `algorithm` (one of [`ALGORITHMS`]).
fn digest(algorithm: &str, bytes: &[u8]) -> String {
    match algorithm {
        "sha256" => sha256_hex(bytes),
        "sha384" => hex(&sha2::Sha384::digest(bytes)),
        "sha512" => hex(&sha2::Sha512::digest(bytes)),
        "md5" => hex(&md5::Md5::digest(bytes)),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Client>();
    }

    #[test]
    fn digests() {
        assert_eq!(digest("md5", b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(digest("sha256", b"").len(), 64);
        assert_eq!(digest("sha512", b"").len(), 128);
        assert_eq!(digest("sha384", b"").len(), 96);
    }
}
