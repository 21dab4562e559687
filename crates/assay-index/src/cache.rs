//! A content-addressed cache on disk.
//!
//! Layout under the cache directory:
//!
//! ```text
//! blobs/sha256/ab/abcdef…     downloaded files and metadata files, by SHA-256
//! urls/<sha256(url)>          the SHA-256 of the blob last fetched from that URL
//! pages/<sha256(url)>.json    project pages (and 404s), reused while younger than the TTL
//! results/<ruleset>/ab/<sha>.json   scan results per artifact and rule set
//! tmp/                        files being written (renamed into place)
//! ```
//!
//! Every write goes to `tmp/` first and is renamed into place, so readers
//! never see half a file. A blob whose content no longer matches its name is
//! deleted on read.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long a cached project page is reused without asking the index.
pub const DEFAULT_PAGE_TTL: Duration = Duration::from_secs(600);

/// A cache failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// A file operation failed.
    #[error("cache {}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// No cache directory could be derived (no `XDG_CACHE_HOME` or `HOME`).
    #[error("no cache directory: set XDG_CACHE_HOME or HOME, or pass --cache-dir")]
    NoDefaultDir,
    /// A key that is not a SHA-256 hex digest.
    #[error("invalid cache key {0:?}: expected 64 hex digits")]
    InvalidKey(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CacheError + '_ {
    move |source| CacheError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What [`Cache::clean`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CleanStats {
    /// Files removed.
    pub files: u64,
    /// Bytes freed.
    pub bytes: u64,
}

/// A cached project page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CachedPage {
    /// The URL the page was finally fetched from.
    pub url: String,
    /// The response's content type.
    pub content_type: Option<String>,
    /// The body.
    pub body: String,
    /// True when the index answered 404 (the project is not there).
    #[serde(default)]
    pub not_found: bool,
}

/// The on-disk cache. Cheap to clone; safe to share between threads and
/// processes (writes are atomic renames).
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
    page_ttl: Duration,
}

/// Lower-case hex of a SHA-256 digest.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn check_key(sha256: &str) -> Result<&str, CacheError> {
    if sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        Ok(sha256)
    } else {
        Err(CacheError::InvalidKey(sha256.to_owned()))
    }
}

impl Cache {
    /// Opens (creating if needed) a cache rooted at `dir`.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Cache, CacheError> {
        let root = dir.into();
        for sub in ["blobs/sha256", "urls", "pages", "results", "tmp"] {
            let p = root.join(sub);
            std::fs::create_dir_all(&p).map_err(io(&p))?;
        }
        let tag = root.join("CACHEDIR.TAG");
        if !tag.exists() {
            let _ = std::fs::write(
                &tag,
                "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by assay.\n",
            );
        }
        Ok(Cache {
            root,
            page_ttl: DEFAULT_PAGE_TTL,
        })
    }

    /// Sets how long project pages are reused (zero disables page reuse).
    pub fn with_page_ttl(mut self, ttl: Duration) -> Cache {
        self.page_ttl = ttl;
        self
    }

    /// The cache directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `$XDG_CACHE_HOME/assay`, else `~/.cache/assay`, from the process environment.
    pub fn default_dir() -> Result<PathBuf, CacheError> {
        let env = crate::config::Environment::from_process();
        Self::default_dir_in(&env)
    }

    /// [`Cache::default_dir`] for an explicit environment.
    pub fn default_dir_in(env: &crate::config::Environment) -> Result<PathBuf, CacheError> {
        if let Some(x) = env
            .var("XDG_CACHE_HOME")
            .filter(|x| Path::new(x).is_absolute())
        {
            return Ok(Path::new(x).join("assay"));
        }
        env.home
            .as_ref()
            .map(|h| h.join(".cache").join("assay"))
            .ok_or(CacheError::NoDefaultDir)
    }

    fn blob_path(&self, sha256: &str) -> PathBuf {
        self.root
            .join("blobs/sha256")
            .join(&sha256[..2])
            .join(sha256)
    }

    fn write_atomic(&self, dest: &Path, bytes: &[u8]) -> Result<(), CacheError> {
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let tmp_dir = self.root.join("tmp");
        let mut tmp = tempfile::NamedTempFile::new_in(&tmp_dir).map_err(io(&tmp_dir))?;
        tmp.write_all(bytes).map_err(io(tmp.path()))?;
        tmp.persist(dest).map_err(|e| CacheError::Io {
            path: dest.to_owned(),
            source: e.error,
        })?;
        Ok(())
    }

    fn read_opt(path: &Path) -> Result<Option<Vec<u8>>, CacheError> {
        match std::fs::read(path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(path)(e)),
        }
    }

    /// The blob with this SHA-256, verified. A blob whose content does not
    /// match is deleted and reported as missing.
    pub fn get_blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, CacheError> {
        let key = sha256.to_ascii_lowercase();
        let path = self.blob_path(check_key(&key)?);
        let Some(bytes) = Self::read_opt(&path)? else {
            return Ok(None);
        };
        if sha256_hex(&bytes) != key {
            let _ = std::fs::remove_file(&path);
            return Ok(None);
        }
        Ok(Some(bytes))
    }

    /// Stores bytes (replacing whatever was there, so a damaged blob is
    /// repaired); returns their SHA-256.
    pub fn put_blob(&self, bytes: &[u8]) -> Result<String, CacheError> {
        let sha = sha256_hex(bytes);
        self.write_atomic(&self.blob_path(&sha), bytes)?;
        Ok(sha)
    }

    fn url_key(url: &str) -> String {
        sha256_hex(url.as_bytes())
    }

    /// The SHA-256 of what was last fetched from `url`, if recorded.
    pub fn lookup_url(&self, url: &str) -> Result<Option<String>, CacheError> {
        let path = self.root.join("urls").join(Self::url_key(url));
        let Some(bytes) = Self::read_opt(&path)? else {
            return Ok(None);
        };
        let text = String::from_utf8_lossy(&bytes).trim().to_owned();
        Ok(check_key(&text).ok().map(str::to_owned))
    }

    /// Records that `url` served the blob `sha256`.
    pub fn record_url(&self, url: &str, sha256: &str) -> Result<(), CacheError> {
        check_key(sha256)?;
        let path = self.root.join("urls").join(Self::url_key(url));
        self.write_atomic(&path, sha256.as_bytes())
    }

    /// A project page fetched less than the TTL ago.
    pub fn get_page(&self, url: &str) -> Result<Option<CachedPage>, CacheError> {
        if self.page_ttl.is_zero() {
            return Ok(None);
        }
        let path = self
            .root
            .join("pages")
            .join(format!("{}.json", Self::url_key(url)));
        let fresh = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age < self.page_ttl);
        if !fresh {
            return Ok(None);
        }
        let Some(bytes) = Self::read_opt(&path)? else {
            return Ok(None);
        };
        Ok(serde_json::from_slice(&bytes).ok())
    }

    /// Stores a project page fetched from `url` (the request URL).
    pub fn put_page(&self, url: &str, page: &CachedPage) -> Result<(), CacheError> {
        let path = self
            .root
            .join("pages")
            .join(format!("{}.json", Self::url_key(url)));
        let bytes = serde_json::to_vec(page).map_err(|e| io(&path)(std::io::Error::other(e)))?;
        self.write_atomic(&path, &bytes)
    }

    fn result_path(
        &self,
        artifact_sha256: &str,
        ruleset_version: &str,
    ) -> Result<PathBuf, CacheError> {
        let key = check_key(artifact_sha256)?;
        let safe = !ruleset_version.is_empty()
            && ruleset_version.len() <= 64
            && ruleset_version
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+'))
            && !ruleset_version.starts_with('.');
        let dir = if safe {
            ruleset_version.to_owned()
        } else {
            sha256_hex(ruleset_version.as_bytes())
        };
        Ok(self
            .root
            .join("results")
            .join(dir)
            .join(&key[..2])
            .join(format!("{key}.json")))
    }

    /// Stores a scan result for an artifact under a rule-set version.
    pub fn put_result(
        &self,
        artifact_sha256: &str,
        ruleset_version: &str,
        json: &[u8],
    ) -> Result<(), CacheError> {
        let path = self.result_path(artifact_sha256, ruleset_version)?;
        self.write_atomic(&path, json)
    }

    /// A stored scan result, if any.
    pub fn get_result(
        &self,
        artifact_sha256: &str,
        ruleset_version: &str,
    ) -> Result<Option<Vec<u8>>, CacheError> {
        let path = self.result_path(artifact_sha256, ruleset_version)?;
        Self::read_opt(&path)
    }

    /// Removes everything the cache holds; keeps the (empty) directory.
    pub fn clean(&self) -> Result<CleanStats, CacheError> {
        let mut stats = CleanStats::default();
        for sub in ["blobs", "urls", "pages", "results", "tmp"] {
            let p = self.root.join(sub);
            remove_tree(&p, &mut stats)?;
        }
        for sub in ["blobs/sha256", "urls", "pages", "results", "tmp"] {
            let p = self.root.join(sub);
            std::fs::create_dir_all(&p).map_err(io(&p))?;
        }
        Ok(stats)
    }
}

/// Removes a tree without following symbolic links, counting files.
fn remove_tree(path: &Path, stats: &mut CleanStats) -> Result<(), CacheError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(path)(e)),
    };
    if meta.is_dir() {
        for entry in std::fs::read_dir(path).map_err(io(path))? {
            let entry = entry.map_err(io(path))?;
            remove_tree(&entry.path(), stats)?;
        }
        std::fs::remove_dir(path).map_err(io(path))?;
    } else {
        std::fs::remove_file(path).map_err(io(path))?;
        stats.files += 1;
        stats.bytes += meta.len();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_urls_results_and_clean() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path()).expect("open");
        let sha = cache.put_blob(b"hello").expect("put");
        assert_eq!(sha, sha256_hex(b"hello"));
        assert_eq!(
            cache.get_blob(&sha).expect("get").as_deref(),
            Some(&b"hello"[..])
        );
        assert!(
            dir.path()
                .join("blobs/sha256")
                .join(&sha[..2])
                .join(&sha)
                .is_file()
        );

        cache
            .record_url("https://mirror.example/a.whl", &sha)
            .expect("record");
        assert_eq!(
            cache
                .lookup_url("https://mirror.example/a.whl")
                .expect("lookup"),
            Some(sha.clone())
        );
        assert_eq!(
            cache
                .lookup_url("https://mirror.example/b.whl")
                .expect("lookup"),
            None
        );

        cache
            .put_result(&sha, "rules-1.0", b"{}")
            .expect("put result");
        assert_eq!(
            cache.get_result(&sha, "rules-1.0").expect("get").as_deref(),
            Some(&b"{}"[..])
        );
        assert_eq!(cache.get_result(&sha, "rules-2.0").expect("get"), None);
        cache
            .put_result(&sha, "../../evil", b"x")
            .expect("hashed dir name");
        assert!(cache.put_result("../x", "r", b"x").is_err());
        assert!(cache.get_blob("zz").is_err());

        let stats = cache.clean().expect("clean");
        assert!(stats.files >= 4, "{stats:?}");
        assert_eq!(cache.get_blob(&sha).expect("get"), None);
        assert!(dir.path().join("tmp").is_dir());
    }

    #[test]
    fn corrupt_blob_is_deleted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path()).expect("open");
        let sha = cache.put_blob(b"genuine").expect("put");
        let path = dir.path().join("blobs/sha256").join(&sha[..2]).join(&sha);
        std::fs::write(&path, b"tampered").expect("write");
        assert_eq!(cache.get_blob(&sha).expect("get"), None);
        assert!(!path.exists());
    }

    #[test]
    fn pages_expire() {
        let dir = tempfile::tempdir().expect("tempdir");
        let page = CachedPage {
            url: "u".into(),
            content_type: None,
            body: "b".into(),
            not_found: false,
        };
        let cache = Cache::open(dir.path()).expect("open");
        cache.put_page("u", &page).expect("put");
        assert_eq!(cache.get_page("u").expect("get"), Some(page));
        let no_ttl = cache.with_page_ttl(Duration::ZERO);
        assert_eq!(no_ttl.get_page("u").expect("get"), None);
    }

    #[test]
    fn default_dir_follows_xdg() {
        let mut env = crate::config::Environment::default();
        assert!(Cache::default_dir_in(&env).is_err());
        env.home = Some(PathBuf::from("/home/u"));
        assert_eq!(
            Cache::default_dir_in(&env).expect("dir"),
            PathBuf::from("/home/u/.cache/assay")
        );
        env.vars.insert("XDG_CACHE_HOME".into(), "/xdg".into());
        assert_eq!(
            Cache::default_dir_in(&env).expect("dir"),
            PathBuf::from("/xdg/assay")
        );
    }
}
