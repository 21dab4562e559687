//! The assay gate: a PEP 503/691 index proxy that scans every file before
//! a client gets it, and the policy that decides what is blocked.
//!
//! - [`Gate`]: project listings from the upstream indexes (through
//!   [`assay_index::Client`]) and, per file, one fetch, one digest check and
//!   one scan however many clients ask, with a verdict cache by SHA-256.
//! - [`Policy`]: the threshold, deny list, ignore entries and whether a file
//!   that cannot be scanned may pass (it may not, by default).
//! - [`ProxyServer`]: the HTTP server in front of a gate.
//! - [`config`]: `[tool.assay]` in `pyproject.toml`, `assay.toml`, or a
//!   given file, read into a [`Policy`] and index settings (both from
//!   `assay-pipeline`, which `assay scan` shares).
//!
//! Scans go through [`assay_pipeline::scan_bytes`] and their reports into
//! an [`assay_pipeline::VerdictStore`]: the same authenticated result cache
//! `assay scan` uses, behind a bounded in-memory LRU.
//!
//! The library never prints; events go to the sink given to
//! [`Gate::on_event`].

mod escape;
mod gate;
mod inflight;
pub mod pages;
mod report_page;
mod server;

pub use assay_pipeline::{Ignore, IgnoreError, Judgement, Policy, Subject};
pub use assay_pipeline::{config, policy};
pub use gate::{Blocked, Event, FileOutcome, Gate, Judged, Stats, UpstreamFailure};
pub use server::{ProxyServer, ServeError};
