//! What a pipeline run tells whoever shows progress. The library never
//! prints: the command line draws these events, a server ignores them.

use std::path::Path;

/// The stage a run enters before its first download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Resolving requirements.
    Resolving,
    /// Finding the files of locked packages.
    LookingUpLocked,
}

/// Receives a run's progress. Every method does nothing by default.
pub trait Observer: Sync {
    /// Resolution or lookup starts.
    fn stage(&self, _stage: Stage) {}
    /// A project page is being fetched; `looked_up` pages are known.
    fn looking_up(&self, _looked_up: usize, _project: &str) {}
    /// A file is being read for its dependencies.
    fn reading(&self, _looked_up: usize, _filename: &str) {}
    /// Resolution and lookup are over.
    fn resolved(&self) {}
    /// `files` files are about to be downloaded.
    fn downloading(&self, _files: usize) {}
    /// One download finished. `earlier` is true when this run fetched it
    /// already (while resolving), so a read from the cache is no cache hit.
    fn downloaded(&self, _done: &assay_index::Progress<'_>, _earlier: bool) {}
    /// Every download finished.
    fn downloads_done(&self) {}
    /// `more` artifacts are going to be scanned.
    fn expect(&self, _more: usize) {}
    /// Scanning starts.
    fn scanning(&self) {}
    /// One artifact was scanned (or its verdict found in the cache).
    fn scanned(&self, _target: &Path) {}
}

/// Shows nothing.
impl Observer for () {}
