//! The assay pipeline: fetch → resolve → scan, shared by `assay scan`, the
//! scanning proxy and `assay install`.
//!
//! - [`scan()`]: scans names on an index, requirements files and lockfiles,
//!   resolving statically and downloading each file once ([`fetch`],
//!   [`resolve`], [`plan`], [`inputs`]).
//! - [`VerdictStore`]: reports by artifact SHA-256, a bounded memory LRU
//!   in front of the authenticated [`ResultCache`] on disk.
//! - [`config`] and [`policy`]: `[tool.assay]` / `assay.toml` and what it
//!   decides (threshold, deny list, suppressions); [`Suppressor`] marks
//!   accepted findings (ignore entries, a `--baseline` report) in scan
//!   reports.
//! - [`IndexOptions`]: the index settings every command shares.
//!
//! The library never prints: progress goes to an [`Observer`]; errors that
//! stop a run are [`SetupError`]s, and failures of one artifact are reports
//! of that artifact.

pub mod config;
pub mod error;
pub mod fetch;
pub mod inputs;
pub mod observer;
pub mod options;
pub mod plan;
pub mod platform;
pub mod policy;
pub mod resolve;
pub mod result_cache;
pub mod scan;
mod served_metadata;
pub mod suggest;
pub mod suppress;
pub mod target;
pub mod verdicts;

pub use error::{ReadError, SetupError};
pub use observer::{Observer, Stage};
pub use options::{IndexOptions, ScanOptions};
pub use policy::{Ignore, IgnoreError, Judgement, Policy, Subject};
pub use result_cache::{Lookup, ResultCache, ResultCacheError};
pub use scan::{Outcome, scan, scan_bytes};
pub use suppress::{Baseline, BaselineError, Suppressor};
pub use target::{Target, classify};
pub use verdicts::VerdictStore;
