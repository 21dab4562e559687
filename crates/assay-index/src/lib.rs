//! The package index side of assay: where packages come from.
//!
//! - [`config`]: which indexes to use, read as pip and uv read it.
//! - [`simple`]: the simple repository API (PEP 503/691/658/700) parsed into
//!   [`ProjectPage`]s of [`DistFile`]s.
//! - [`client`]: fetching pages and files with retries, timeouts, size caps
//!   and digest verification; parallel downloads.
//! - [`cache`]: a content-addressed download cache and scan-result store.
//! - [`select`]: which files of a release to scan on this platform.
//!
//! This crate never runs package code: archives are fetched into memory and
//! handed to the caller.

pub mod cache;
pub mod client;
pub mod config;
pub mod dist;
mod html;
mod ini;
mod local_pip;
mod netrc;
pub mod select;
pub mod simple;
mod url;

pub use cache::{Cache, CacheError, CachedPage, CleanStats};
pub use client::{Client, Downloaded, IndexError, ProjectListing};
pub use config::{
    ConfigError, Credentials, Environment, IndexConfig, IndexOverrides, IndexUrl, Source, Sourced,
};
pub use dist::{DistFile, DistKind, MetadataAvailability, Tag, normalize_name, parse_filename};
pub use select::{Libc, Os, Platform, Selection, compatible_tags, latest_version, select_files};
pub use simple::{PageError, ProjectPage};
