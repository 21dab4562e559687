//! The package index side of assay: where packages come from.
//!
//! - [`config`]: which indexes to use, read as pip and uv read it.
//! - [`simple`]: the simple repository API (PEP 503/691/658/700) parsed into
//!   [`ProjectPage`]s of [`DistFile`]s.
//! - [`client`]: fetching pages and files with retries, timeouts, size caps
//!   and digest verification; parallel downloads.
//! - [`cache`]: a content-addressed download cache and scan-result store.
//! - [`select`]: which files of a release to scan on this platform.
//! - [`local_python`]: the `python3` the user would run, through pyenv shims.
//!
//! This crate never runs package code: archives are fetched into memory and
//! handed to the caller.
//!
//! ```no_run
//! use assay_index::{Cache, Client, IndexConfig, IndexOverrides, Platform, Selection};
//! use assay_index::{compatible_tags, latest_version, select_files};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let overrides = IndexOverrides {
//!     index_url: Some("https://mirror.example/simple".into()),
//!     ..IndexOverrides::default()
//! };
//! let config = IndexConfig::discover(&overrides)?;
//! let client = Client::new(config, Some(Cache::open(Cache::default_dir()?)?))?;
//! let listing = client.project("requests")?;
//! if listing.on_several_indexes() {
//!     // report a dependency-confusion risk: listing.found_on()
//! }
//! let files: Vec<_> = listing.files().into_iter().cloned().collect();
//! let version = latest_version(&files, false).ok_or("no release")?;
//! let tags = compatible_tags((3, 12), &Platform::host());
//! let chosen: Vec<_> = select_files(&files, &version, &tags, Selection::default())
//!     .into_iter()
//!     .cloned()
//!     .collect();
//! for result in client.download_all(&chosen, 4, &|_progress| {}) {
//!     let downloaded = result?; // HashMismatch, Truncated, Timeout, ... are errors
//!     let _bytes = downloaded.bytes; // hand to the scanner, in memory
//! }
//! # Ok(())
//! # }
//! ```

pub mod cache;
pub mod client;
pub mod config;
pub mod dist;
mod html;
mod in_flight;
mod local_pip;
pub mod local_python;
mod netrc;
pub mod select;
pub mod simple;
mod target;
mod url;

pub use cache::{Cache, CacheError, CachedPage, CleanStats};
pub use client::{Client, Downloaded, IndexError, Progress, ProjectListing};
pub use config::{
    ConfigError, Credentials, Environment, IndexConfig, IndexOverrides, IndexUrl, Source, Sourced,
};
pub use dist::{DistFile, DistKind, MetadataAvailability, Tag, normalize_name, parse_filename};
pub use select::{Libc, Os, Platform, Selection, compatible_tags, latest_version, select_files};
pub use simple::{PageError, ProjectPage};
pub use target::TARGET_NAMES;
pub use url::without_credentials;

/// PEP 440 versions, as used in [`DistFile::version`].
pub use pep440_rs::Version;
