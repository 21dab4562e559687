//! Folders on disk. (Skeleton: being written.)

use std::path::Path;

use super::{ArtifactError, Limits, Package};

pub(super) fn open(path: &Path, _limits: &Limits) -> Result<Package, ArtifactError> {
    Err(ArtifactError::Unrecognized {
        path: path.to_owned(),
        reason: "directory reading is not written yet".into(),
    })
}
