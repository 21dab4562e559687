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
//!   given file, read into a [`Policy`] and index settings.
//!
//! The library never prints; events go to the sink given to
//! [`Gate::on_event`].

pub mod config;
mod escape;
mod gate;
mod inflight;
pub mod pages;
pub mod policy;
mod report_page;
mod server;

pub use gate::{Blocked, Event, FileOutcome, Gate, Judged, Stats, UpstreamFailure};
pub use policy::{Ignore, IgnoreError, Judgement, Policy, Subject};
pub use server::{ProxyServer, ServeError};
