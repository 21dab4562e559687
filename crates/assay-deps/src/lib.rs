//! Dependency inputs and static resolution for assay.
//!
//! Three parts, none of which ever runs package code:
//!
//! - [`input`]: detect and parse what users hold — requirements files,
//!   `pyproject.toml`, `uv.lock`, `poetry.lock`, `pylock.toml`,
//!   `Pipfile.lock` — into one model ([`Parsed`]).
//! - [`metadata`]: the dependencies of one release, read statically from
//!   core metadata (`METADATA`, `PKG-INFO`, PEP 658 files) or from an
//!   sdist's files (`PKG-INFO`, `pyproject.toml`, `setup.cfg`, and a static
//!   evaluation of `setup.py`) — [`DistDeps`].
//! - [`resolve`]: a PubGrub resolution of unresolved requirements against a
//!   [`PackageSource`] (the index client lives elsewhere).
//!
//! See `docs/dependencies.md` for the choices made and where the result can
//! differ from pip's.

pub mod error;
mod excerpt;
pub mod input;
pub mod metadata;
pub mod model;
mod pep508_guard;
mod reqline;
pub mod resolve;
pub mod scope;

pub use error::InputError;
pub use input::{ParseOptions, parse_input, parse_input_with};
pub use metadata::{
    DistDeps, build_requires, build_requires_of_folder, build_requires_of_sdist,
    deps_from_core_metadata, deps_from_sdist, metadata_disagreement,
};
pub use model::{
    Hash, IndexOptions, InputKind, Locked, LockedFile, LockedPackage, Note, Origin, Parsed,
    Requirement, Source, Unresolved,
};
pub use resolve::{
    Candidate, PackageSource, Platform, Resolution, ResolveError, ResolveOptions, Resolved,
    SourceError, host_marker_environment, marker_environment, resolve,
};
pub use scope::Scope;

/// Re-exported so callers use the same PEP 440 / PEP 508 types.
pub use pep440_rs;
pub use pep508_rs;
/// PEP 508 parsing that refuses what makes `pep508_rs` panic.
pub use reqline::parse_pep508;
