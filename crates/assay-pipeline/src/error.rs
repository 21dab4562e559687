//! What can stop the pipeline before any artifact is scanned. Failures of
//! one project or one file are not errors: they become reports of that
//! artifact, and the scan goes on.

use std::sync::Arc;

use assay_index::IndexError;

/// The pipeline cannot be set up: no index, an unreadable configuration or
/// cache, a requirement on the command line that does not parse.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// No index is configured anywhere, and pip cannot be asked.
    #[error(
        "no package index is configured: pass --index-url URL (the simple API root) or set PIP_INDEX_URL"
    )]
    NoIndex(#[source] assay_index::ConfigError),
    /// The index configuration (pip.conf, environment) is malformed.
    #[error("cannot read the index configuration")]
    IndexConfig(#[source] assay_index::ConfigError),
    /// The download cache cannot be opened.
    #[error(transparent)]
    Cache(#[from] assay_index::CacheError),
    /// The HTTP client cannot be built (TLS roots, proxy settings).
    #[error("cannot set up the index client")]
    Client(#[source] IndexError),
    /// The Python version to resolve for is not one.
    #[error(transparent)]
    Python(assay_deps::ResolveError),
    /// A requirement given by the user does not parse.
    #[error("`{text}` is not a requirement: {detail}")]
    Requirement {
        /// The text given.
        text: String,
        /// The parser's message.
        detail: String,
    },
}

/// A project page that could not be had. Kept per project for the run, so
/// shared.
pub type ListingError = Arc<IndexError>;

/// Whether a listing failure means the index has no such project (as
/// opposed to the index failing).
pub fn is_not_found(error: &IndexError) -> bool {
    matches!(error, IndexError::NotFound { .. })
}

/// A file read for resolution (a wheel's METADATA, an sdist read
/// statically) that could not be.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The download failed.
    #[error(transparent)]
    Download(Arc<IndexError>),
    /// The bytes are not a readable archive.
    #[error("{filename}: {source}")]
    Open {
        /// The file name.
        filename: String,
        /// What is wrong with it.
        source: assay::artifact::ArtifactError,
    },
}
