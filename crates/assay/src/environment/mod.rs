//! Installed environments: find an environment's site-packages without
//! running anything when the layout allows it, list its distributions and
//! the files no distribution owns, and read each distribution's files from
//! disk as a [`Package`](crate::Package) of kind
//! [`ArtifactKind::Installed`](crate::artifact::ArtifactKind::Installed), its
//! `RECORD` checked against the files.
//!
//! Nothing of the environment is executed or imported. Only when a Python
//! interpreter is given and the folders around it do not say where its
//! packages are is the interpreter itself started, with `-I -S` (isolated,
//! no `site`), so that no `.pth` file or `sitecustomize` of the environment
//! runs. Paths a distribution lists are never followed outside the
//! environment's prefix, and symbolic links are not followed out of it.
//!
//! The design notes are in `docs/environments.md`.

use std::path::PathBuf;

use serde::Serialize;

pub(crate) mod commands;
mod interpreter;
mod inventory;
mod locate;
mod paths;
mod read;

pub use inventory::{DistFormat, Distribution, Inventory, inventory};
pub use locate::locate;
pub use read::{open_distribution, open_unowned};

/// How an environment's site-packages folder was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocatedBy {
    /// A virtual environment: `pyvenv.cfg` and the folders beside it.
    PyvenvCfg,
    /// The standard layout around a prefix or interpreter
    /// (`lib/pythonX.Y/site-packages`, `Lib/site-packages`), no `pyvenv.cfg`.
    Layout,
    /// The path given is a site-packages folder.
    SitePackages,
    /// The interpreter was asked (`python -I -S -c …`,
    /// `sysconfig.get_paths()`).
    Interpreter,
}

impl LocatedBy {
    /// The kebab-case name used in reports (`pyvenv-cfg`).
    pub const fn as_str(self) -> &'static str {
        match self {
            LocatedBy::PyvenvCfg => "pyvenv-cfg",
            LocatedBy::Layout => "layout",
            LocatedBy::SitePackages => "site-packages",
            LocatedBy::Interpreter => "interpreter",
        }
    }

    /// How it was found, in words, for people.
    pub const fn describe(self) -> &'static str {
        match self {
            LocatedBy::PyvenvCfg => "found from pyvenv.cfg",
            LocatedBy::Layout => "found from the folder layout",
            LocatedBy::SitePackages => "given directly",
            LocatedBy::Interpreter => "reported by the interpreter (-I -S)",
        }
    }
}

/// One site-packages folder of an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SitePackages {
    /// The folder, absolute (symbolic links in it not resolved).
    pub path: PathBuf,
    /// The environment's prefix: nothing outside it is ever read. For a
    /// site-packages folder given alone whose prefix the layout does not
    /// show, the folder itself.
    pub prefix: PathBuf,
    pub located_by: LocatedBy,
}

/// Where an installed artifact comes from, carried on its report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct InstalledOrigin {
    /// The site-packages folder; finding paths are relative to it.
    pub site_packages: PathBuf,
    /// The environment's prefix.
    pub prefix: PathBuf,
    pub located_by: LocatedBy,
    /// The distribution's metadata folder relative to site-packages
    /// (`requests-2.32.3.dist-info`); `None` for the files no distribution
    /// owns.
    pub metadata_dir: Option<String>,
}

/// Why an environment could not be scanned at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnvironmentError {
    #[error("{path}: no such file or folder, and no interpreter of that name on PATH")]
    NotFound { path: PathBuf },
    #[error("{path}: not a Python environment: {reason}")]
    NotAnEnvironment { path: PathBuf, reason: String },
    #[error("{path}: could not learn the interpreter's site-packages: {reason}")]
    Interpreter { path: PathBuf, reason: String },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
