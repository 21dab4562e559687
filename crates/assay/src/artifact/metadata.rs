//! Core metadata (`PKG-INFO`, `METADATA`): the email-header format of the
//! core metadata specification. (Skeleton: being written.)

use serde::Serialize;

/// The fields of core metadata that assay uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CoreMetadata {
    pub metadata_version: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub maintainer: Option<String>,
    pub maintainer_email: Option<String>,
    pub home_page: Option<String>,
    pub download_url: Option<String>,
    /// `Project-URL` entries as (label, url).
    pub project_urls: Vec<(String, String)>,
    pub requires_dist: Vec<String>,
    pub requires_python: Option<String>,
    /// `Dynamic` fields (metadata 2.2+): fields an sdist's build may change.
    pub dynamic: Vec<String>,
}

impl CoreMetadata {
    /// Parses core metadata; never fails (unknown or malformed lines are skipped).
    pub fn parse(_text: &str) -> CoreMetadata {
        CoreMetadata::default()
    }
}
