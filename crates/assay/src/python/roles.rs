//! Which files are Python, and what role each plays.

use crate::artifact::Package;
use crate::rules::FileKind;

use super::FileRole;

/// The role of every file of one package.
#[derive(Debug, Default)]
pub struct Roles {}

impl Roles {
    pub fn of(_package: &Package) -> Roles {
        Roles {}
    }

    /// The role of a file, or `None` when it is not Python.
    pub fn role(&self, _path: &str, kind: FileKind) -> Option<FileRole> {
        match kind {
            FileKind::Python => Some(FileRole::Module),
            FileKind::Pth => Some(FileRole::Pth),
            _ => None,
        }
    }
}
