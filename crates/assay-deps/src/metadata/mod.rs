//! Static dependency metadata of one release.

mod build_system;
mod core;
mod disagreement;
mod sdist;
mod setup_py;

pub use self::core::deps_from_core_metadata;
pub use build_system::{build_requires, build_requires_of_folder, build_requires_of_sdist};
pub use disagreement::metadata_disagreement;
pub use sdist::deps_from_sdist;

use pep440_rs::VersionSpecifiers;

use crate::model::Requirement;

/// What is statically known of a release's dependencies.
#[derive(Clone, Debug)]
pub enum DistDeps {
    /// The dependencies are known (requirements carry `extra == "…"`
    /// markers for optional ones, as in core metadata).
    Known {
        /// `Requires-Dist`, or its equivalent.
        requires: Vec<Requirement>,
        /// `Requires-Python`, when declared.
        requires_python: Option<VersionSpecifiers>,
        /// Partial knowledge: what could not be read (e.g. dynamic extras,
        /// unparsable entries that were skipped).
        note: Option<String>,
    },
    /// Nothing reliable could be read; `reason` says what was missing.
    Unknown {
        /// Why, e.g. "setup.py: install_requires is computed by a call to
        /// `get_requirements` (line 12)".
        reason: String,
    },
}

impl DistDeps {
    /// Known dependencies with nothing to add.
    pub fn known(requires: Vec<Requirement>) -> Self {
        Self::Known {
            requires,
            requires_python: None,
            note: None,
        }
    }

    /// Unknown, with a reason.
    pub fn unknown(reason: impl Into<String>) -> Self {
        Self::Unknown {
            reason: reason.into(),
        }
    }

    /// The note of partial knowledge, or the reason of unknown.
    pub fn note(&self) -> Option<&str> {
        match self {
            Self::Known { note, .. } => note.as_deref(),
            Self::Unknown { reason } => Some(reason),
        }
    }
}
