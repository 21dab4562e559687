//! Settings of a pipeline run: where packages come from and what is kept
//! on disk ([`IndexOptions`], shared by `scan`, `proxy` and `install`), and
//! what a scan of an index resolves and reads ([`ScanOptions`]).

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use assay::Limits;
use assay_index::{Cache, Client, IndexConfig, IndexOverrides};

use crate::config;
use crate::error::SetupError;

/// The index settings every command shares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexOptions {
    /// The simple API root (default: pip's configuration).
    pub index_url: Option<String>,
    /// Further indexes.
    pub extra_index_urls: Vec<String>,
    /// Per-request timeout before a retry.
    pub timeout: Option<Duration>,
    /// What all requests of the run may take together.
    pub timeout_total: Option<Duration>,
    /// Retries after a failed request.
    pub retries: Option<u32>,
    /// The cache folder (default: the user's cache folder).
    pub cache_dir: Option<PathBuf>,
    /// Keep nothing on disk.
    pub no_cache: bool,
    /// The configuration file's `index-url`: used when neither the
    /// command line nor an input (a requirements file's `--index-url`)
    /// names an index.
    pub configured_index_url: Option<String>,
}

impl IndexOptions {
    /// These options, with the configuration file's index settings where
    /// none were given: its `index-url` below the command line's and an
    /// input's, and its `extra-index-url` unless an index was given on the
    /// command line (a command-line `--index-url` replaces the file's
    /// indexes as a whole).
    pub fn or_config(mut self, file: &config::Options) -> IndexOptions {
        if self.index_url.is_none() {
            self.extra_index_urls
                .extend(file.extra_index_url.iter().flatten().cloned());
            self.configured_index_url.clone_from(&file.index_url);
        }
        self
    }

    /// The index configuration: these options over the environment and
    /// pip's files; `input_index` (a requirements file's `--index-url`)
    /// when no index was given on the command line, else the
    /// configuration file's; and `input_extras` added.
    pub fn index_config(
        &self,
        input_index: Option<String>,
        input_extras: Vec<String>,
    ) -> Result<IndexConfig, SetupError> {
        let mut overrides = IndexOverrides {
            index_url: self
                .index_url
                .clone()
                .or(input_index)
                .or_else(|| self.configured_index_url.clone()),
            extra_index_urls: self.extra_index_urls.clone(),
            timeout: self.timeout,
            timeout_total: self.timeout_total,
            retries: self.retries,
            ..IndexOverrides::default()
        };
        overrides.extra_index_urls.extend(input_extras);
        match IndexConfig::discover(&overrides) {
            Ok(config) => Ok(config),
            Err(assay_index::ConfigError::NoIndex { .. }) => {
                IndexConfig::from_local_pip(&overrides).map_err(SetupError::NoIndex)
            }
            Err(error) => Err(SetupError::IndexConfig(error)),
        }
    }

    /// The download cache, unless `no_cache`.
    pub fn cache(&self) -> Result<Option<Cache>, SetupError> {
        Ok(match (&self.cache_dir, self.no_cache) {
            (_, true) => None,
            (Some(dir), false) => Some(Cache::open(dir.clone())?),
            (None, false) => Some(Cache::open(Cache::default_dir()?)?),
        })
    }
}

/// Builds the index client for `config` with `cache`.
pub fn client(config: IndexConfig, cache: Option<Cache>) -> Result<Client, SetupError> {
    Client::new(config, cache).map_err(SetupError::Client)
}

/// What a scan of names, requirements files and lockfiles resolves and
/// reads.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Where packages come from.
    pub index: IndexOptions,
    /// Constraints files (pip's format).
    pub constraints: Vec<PathBuf>,
    /// The full Python version to resolve for (`3.12.4`).
    pub python_version: String,
    /// The named packages only, not their dependencies.
    pub no_deps: bool,
    /// Every file of each release, not only what this platform installs.
    pub all_files: bool,
    /// Allow pre-releases.
    pub pre: bool,
    /// Downloads at once (default 4, at most 8).
    pub jobs: Option<NonZeroUsize>,
    /// Reading limits per artifact.
    pub limits: Limits,
    /// The platform to scan for (`--platform`); `None` is this host.
    pub platform: Option<assay_index::Platform>,
    /// The extras and dependency groups of projects and locks.
    pub scope: assay_deps::Scope,
}
