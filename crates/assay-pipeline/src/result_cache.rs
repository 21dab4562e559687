//! The scan-result cache: one report per artifact digest, valid only for
//! the engine that wrote it, and trusted only when it carries a valid
//! authentication code.
//!
//! - **Key.** Results live under a namespace derived from the engine
//!   fingerprint (the crate version and a hash of the analysis code,
//!   computed by `build.rs`), the rule set, the reading limits and the
//!   user's YARA rules (their digest: the yara-x version, the rule files
//!   and what they include): a new engine, new rules, other limits or an
//!   edited YARA file never reuse an old verdict.
//! - **Authentication.** Each entry is stored with an HMAC-SHA256 over its
//!   namespace, the artifact's digest and the report, under a secret key
//!   kept outside the cache folder (in the user's configuration folder,
//!   created on first use). A cache restored from an untrusted source can
//!   delete entries, but cannot forge one: an entry whose code does not
//!   match is ignored, and the artifact is scanned again.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use assay::ArtifactReport;
use assay::artifact::Limits;
use assay_index::Cache;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// What makes one build's analysis differ from another's: the crate
/// version and a hash of the `assay` library's sources.
pub const ENGINE_FINGERPRINT: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "+",
    env!("ASSAY_ENGINE_FINGERPRINT")
);

/// The first line of every entry, before the authentication code.
const MAGIC: &[u8] = b"assay-result-v1 ";

/// The secret key's file name, in the configuration folder.
const KEY_FILE: &str = "result-cache.key";

/// Why the result cache cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ResultCacheError {
    #[error("no configuration folder: set XDG_CONFIG_HOME or HOME")]
    NoConfigDir,
    #[error("cannot read or create the result-cache key {path}: {source}")]
    Key {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot generate a result-cache key: {0}")]
    Random(String),
}

/// A cached result looked up.
#[derive(Debug)]
pub enum Lookup<T = ArtifactReport> {
    /// A result this engine wrote, authenticated.
    Hit(Box<T>),
    /// Nothing cached for this artifact and engine.
    Miss,
    /// An entry that failed authentication (or does not parse): ignored.
    Forged,
}

/// The note a report gets when its cached result was not trusted.
pub const FORGED_NOTE: &str = "the cached scan result for this file failed its authentication check (edited, or written with another key); it was ignored and the file scanned again";

/// The result cache of one run.
pub struct ResultCache {
    cache: Cache,
    namespace: String,
    key: [u8; 32],
}

impl ResultCache {
    /// Opens the result cache inside `cache` for results of this engine
    /// under `limits` and with the user's YARA rules of digest `yara`
    /// (`None` without any), with the key from the configuration folder
    /// (created on first use).
    pub fn open(
        cache: &Cache,
        limits: &Limits,
        yara: Option<&str>,
    ) -> Result<ResultCache, ResultCacheError> {
        Self::with_namespace(cache, namespace(ENGINE_FINGERPRINT, limits, yara))
    }

    /// The cache of wheels' `METADATA` files by wheel digest, so that a
    /// warm resolution reads no wheel; authenticated like the results (a
    /// forged entry could hide a dependency from the scan).
    pub fn wheel_metadata(cache: &Cache) -> Result<ResultCache, ResultCacheError> {
        Self::with_namespace(cache, "wheel-metadata-v1".to_owned())
    }

    fn with_namespace(cache: &Cache, namespace: String) -> Result<ResultCache, ResultCacheError> {
        let dir = config_dir().ok_or(ResultCacheError::NoConfigDir)?;
        let key = load_or_create_key(&dir.join(KEY_FILE))?;
        Ok(ResultCache {
            cache: cache.clone(),
            namespace,
            key,
        })
    }

    /// The cached result for an artifact of digest `sha256`.
    pub fn get(&self, sha256: &str) -> Lookup {
        match self.get_bytes(sha256) {
            Lookup::Hit(bytes) => match serde_json::from_slice::<ArtifactReport>(&bytes) {
                Ok(report) => Lookup::Hit(Box::new(report)),
                Err(_) => Lookup::Forged,
            },
            Lookup::Miss => Lookup::Miss,
            Lookup::Forged => Lookup::Forged,
        }
    }

    /// The authenticated bytes stored for digest `sha256`.
    pub fn get_bytes(&self, sha256: &str) -> Lookup<Vec<u8>> {
        let Ok(Some(bytes)) = self.cache.get_result(sha256, &self.namespace) else {
            return Lookup::Miss;
        };
        let Some((tag, json)) = split_entry(&bytes) else {
            return Lookup::Forged;
        };
        if self.mac(sha256, json).verify_slice(&tag).is_err() {
            return Lookup::Forged;
        }
        Lookup::Hit(Box::new(json.to_vec()))
    }

    /// Stores the result for an artifact of digest `sha256`. Failures are
    /// ignored: the cache is an optimisation.
    pub fn put(&self, sha256: &str, report: &ArtifactReport) {
        if let Ok(json) = serde_json::to_vec(report) {
            self.put_bytes(sha256, &json);
        }
    }

    /// Stores `json` (any bytes) for digest `sha256`, authenticated.
    pub fn put_bytes(&self, sha256: &str, json: &[u8]) {
        let tag = self.mac(sha256, json).finalize().into_bytes();
        let mut entry = Vec::with_capacity(MAGIC.len() + 65 + json.len());
        entry.extend_from_slice(MAGIC);
        entry.extend_from_slice(hex(&tag).as_bytes());
        entry.push(b'\n');
        entry.extend_from_slice(json);
        let _ = self.cache.put_result(sha256, &self.namespace, &entry);
    }

    fn mac(&self, sha256: &str, json: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(self.namespace.as_bytes());
        mac.update(&[0]);
        mac.update(sha256.as_bytes());
        mac.update(&[0]);
        mac.update(json);
        mac
    }
}

/// The folder results of `engine` under `limits` with the YARA rules of
/// digest `yara` are kept in: the version, then a hash of everything that
/// changes a verdict (the engine fingerprint, the rule set, the limits,
/// the user's rules).
pub fn namespace(engine: &str, limits: &Limits, yara: Option<&str>) -> String {
    let mut hasher = Sha256::new();
    for part in [
        engine,
        &assay::report::rule_set_version(),
        &format!("{limits:?}"),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    // Without user rules the namespace is the one it always was.
    if let Some(digest) = yara {
        hasher.update(b"yara ");
        hasher.update(digest.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let version = env!("CARGO_PKG_VERSION");
    format!("{version}+{}", hex(&digest[..12]))
}

/// The authentication code and the report of an entry.
fn split_entry(bytes: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let newline = rest.iter().position(|&b| b == b'\n')?;
    let (tag, json) = rest.split_at(newline);
    Some((unhex(tag)?, &json[1..]))
}

/// `$XDG_CONFIG_HOME/assay`, else `~/.config/assay`.
fn config_dir() -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    std::env::var_os("XDG_CONFIG_HOME")
        .and_then(absolute)
        .or_else(|| {
            std::env::var_os("HOME")
                .and_then(absolute)
                .map(|h| h.join(".config"))
        })
        .map(|dir| dir.join("assay"))
}

/// Reads the 32-byte key at `path`, or creates it (readable by the user
/// only). Two processes creating it at once agree: the key is written to a
/// temporary file and linked into place only if none is there yet.
fn load_or_create_key(path: &Path) -> Result<[u8; 32], ResultCacheError> {
    let error = |source| ResultCacheError::Key {
        path: path.to_owned(),
        source,
    };
    if let Some(key) = read_key(path).map_err(error)? {
        return Ok(key);
    }
    let dir = path.parent().expect("the key file is inside a folder");
    fs::create_dir_all(dir).map_err(error)?;
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| ResultCacheError::Random(e.to_string()))?;
    let temporary = dir.join(format!("{KEY_FILE}.{}.tmp", std::process::id()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(&temporary)
        .and_then(|mut file| file.write_all(hex(&key).as_bytes()).and(file.sync_all()));
    let linked = written.and_then(|()| fs::hard_link(&temporary, path));
    let _ = fs::remove_file(&temporary);
    match linked {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key(path)
            .map_err(error)?
            .ok_or_else(|| error(std::io::Error::other("the key file is not 64 hex digits"))),
        Err(e) => Err(error(e)),
    }
}

/// The key in `path`, `None` when there is no such file.
fn read_key(path: &Path) -> std::io::Result<Option<[u8; 32]>> {
    match fs::read(path) {
        Ok(text) => unhex(text.trim_ascii())
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .map(Some)
            .ok_or_else(|| std::io::Error::other("the key file is not 64 hex digits")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_result_key_changes_with_the_engine_and_the_limits() {
        let limits = Limits::default();
        let key = namespace(ENGINE_FINGERPRINT, &limits, None);
        assert_eq!(key, namespace(ENGINE_FINGERPRINT, &limits, None));
        // The old key was the rule set's version alone: the same for a
        // new engine, or for other limits.
        assert_ne!(key, namespace("0.1.0+another-engine", &limits, None));
        let smaller = Limits {
            max_file_bytes: 1 << 20,
            ..limits
        };
        assert_ne!(key, namespace(ENGINE_FINGERPRINT, &smaller, None));
        // The cache accepts it as a folder name.
        assert!(key.len() <= 64 && !key.contains('/'));
    }

    #[test]
    fn the_result_key_changes_with_the_user_rules() {
        let limits = Limits::default();
        let without = namespace(ENGINE_FINGERPRINT, &limits, None);
        let rules = namespace(ENGINE_FINGERPRINT, &limits, Some(&"1".repeat(64)));
        let edited = namespace(ENGINE_FINGERPRINT, &limits, Some(&"2".repeat(64)));
        assert_ne!(without, rules);
        assert_ne!(rules, edited);
        assert_eq!(
            rules,
            namespace(ENGINE_FINGERPRINT, &limits, Some(&"1".repeat(64)))
        );
    }

    #[test]
    fn the_engine_fingerprint_hashes_the_analysis_code() {
        let (version, hash) = ENGINE_FINGERPRINT.split_once('+').unwrap();
        assert_eq!(version, env!("CARGO_PKG_VERSION"));
        assert_eq!(hash.len(), 16, "{hash}");
        assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    fn report() -> ArtifactReport {
        ArtifactReport::unreadable(Path::new("x-1.0.tar.gz"), "unreadable".into())
    }

    #[test]
    fn an_edited_cache_entry_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path().join("cache")).unwrap();
        let key = load_or_create_key(&dir.path().join("config/key")).unwrap();
        let results = ResultCache {
            cache: cache.clone(),
            namespace: namespace(ENGINE_FINGERPRINT, &Limits::default(), None),
            key,
        };
        let sha = "ab".repeat(32);
        results.put(&sha, &report());
        assert!(matches!(results.get(&sha), Lookup::Hit(_)));
        let stored = cache.get_result(&sha, &results.namespace).unwrap().unwrap();
        let edited = String::from_utf8(stored)
            .unwrap()
            .replace("unreadable\"", "readable\"");
        cache
            .put_result(&sha, &results.namespace, edited.as_bytes())
            .unwrap();
        assert!(matches!(results.get(&sha), Lookup::Forged));
        // Another key (another machine, an attacker) is not trusted either.
        let other = ResultCache {
            key: [7; 32],
            ..results
        };
        other.put(&sha, &report());
        let results = ResultCache { key, ..other };
        assert!(matches!(results.get(&sha), Lookup::Forged));
        assert!(matches!(results.get(&"cd".repeat(32)), Lookup::Miss));
    }

    #[test]
    fn the_key_is_created_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("assay/key");
        let first = load_or_create_key(&path).unwrap();
        assert_eq!(load_or_create_key(&path).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "readable by others: {mode:o}");
        }
        fs::write(&path, "not a key").unwrap();
        assert!(load_or_create_key(&path).is_err());
    }
}
