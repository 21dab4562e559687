//! Tar and zip containers, streamed into memory. (Skeleton: being written.)

use std::path::Path;

use super::{ArtifactError, Limits, Package};

pub(super) fn open(path: &Path, limits: &Limits) -> Result<Package, ArtifactError> {
    let data = std::fs::read(path).map_err(|source| ArtifactError::Io {
        path: path.to_owned(),
        source,
    })?;
    open_bytes(path, data, limits)
}

pub(super) fn open_bytes(
    path: &Path,
    _data: Vec<u8>,
    _limits: &Limits,
) -> Result<Package, ArtifactError> {
    Err(ArtifactError::Unrecognized {
        path: path.to_owned(),
        reason: "archive reading is not written yet".into(),
    })
}
