//! Core metadata (`PKG-INFO`, `METADATA`): which file holds it. It is read
//! by `assay_packaging::CoreMetadata`, the parser the resolver uses too.

pub use assay_packaging::CoreMetadata;

use super::{ArtifactKind, PackageFile};

/// The file holding a package's core metadata, if it has one:
///
/// - wheel: `NAME.dist-info/METADATA` at depth 1;
/// - egg: `EGG-INFO/PKG-INFO`;
/// - sdist: the shallowest `PKG-INFO` at depth 0 or 1 (`name-1.0/PKG-INFO`),
///   else the shallowest `*.egg-info/PKG-INFO` at depth 1 to 3;
/// - installed: `*.dist-info/METADATA`, else `*.egg-info/PKG-INFO`, at depth 1
///   (the environment reader sets the metadata itself; this is a fallback);
/// - directory: `PKG-INFO` at the root, else `*.egg-info/PKG-INFO` or
///   `*.dist-info/METADATA` at depth 1 (then `src/*.egg-info/PKG-INFO`).
///
/// Ties go to the first file in archive order.
pub(super) fn locate(kind: ArtifactKind, files: &[PackageFile]) -> Option<&PackageFile> {
    let depth = |f: &PackageFile| f.path.matches('/').count();
    let shallowest = |filter: &dyn Fn(&PackageFile) -> bool| {
        files.iter().filter(|f| filter(f)).min_by_key(|f| depth(f))
    };
    let parent_ends = |f: &PackageFile, name: &str, suffix: &str| {
        f.path
            .strip_suffix(name)
            .and_then(|p| p.strip_suffix('/'))
            .is_some_and(|parent| {
                parent
                    .rsplit('/')
                    .next()
                    .is_some_and(|dir| dir.ends_with(suffix))
            })
    };
    let egg_info = |f: &PackageFile, max_depth: usize| {
        depth(f) <= max_depth && parent_ends(f, "PKG-INFO", ".egg-info")
    };
    let dist_info = |f: &PackageFile| depth(f) == 1 && parent_ends(f, "METADATA", ".dist-info");
    let is_pkg_info = |f: &PackageFile| f.path == "PKG-INFO" || f.path.ends_with("/PKG-INFO");

    match kind {
        ArtifactKind::Wheel => shallowest(&dist_info),
        ArtifactKind::Egg => files.iter().find(|f| f.path == "EGG-INFO/PKG-INFO"),
        ArtifactKind::Sdist => shallowest(&|f| is_pkg_info(f) && depth(f) <= 1)
            .or_else(|| shallowest(&|f| egg_info(f, 3))),
        ArtifactKind::Installed => {
            shallowest(&dist_info).or_else(|| shallowest(&|f| egg_info(f, 1)))
        }
        ArtifactKind::Directory => files
            .iter()
            .find(|f| f.path == "PKG-INFO")
            .or_else(|| shallowest(&|f| egg_info(f, 1) || dist_info(f)))
            .or_else(|| shallowest(&|f| f.path.starts_with("src/") && egg_info(f, 2))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(paths: &[&str]) -> Vec<PackageFile> {
        paths
            .iter()
            .map(|p| PackageFile {
                path: (*p).to_owned(),
                data: Vec::new().into(),
                mode: None,
            })
            .collect()
    }

    #[test]
    fn locates_the_right_file_per_kind() {
        let sdist = files(&["a-1/x/PKG-INFO", "a-1/a.egg-info/PKG-INFO", "a-1/PKG-INFO"]);
        let found = locate(ArtifactKind::Sdist, &sdist).map(|f| f.path.as_str());
        assert_eq!(found, Some("a-1/PKG-INFO"));

        let sdist = files(&["a-1/src/a.egg-info/PKG-INFO", "a-1/setup.py"]);
        let found = locate(ArtifactKind::Sdist, &sdist).map(|f| f.path.as_str());
        assert_eq!(found, Some("a-1/src/a.egg-info/PKG-INFO"));

        let wheel = files(&["a/METADATA", "a-1.dist-info/METADATA"]);
        let found = locate(ArtifactKind::Wheel, &wheel).map(|f| f.path.as_str());
        assert_eq!(found, Some("a-1.dist-info/METADATA"));

        let egg = files(&["EGG-INFO/PKG-INFO"]);
        assert!(locate(ArtifactKind::Egg, &egg).is_some());
        assert!(locate(ArtifactKind::Wheel, &egg).is_none());

        let dir = files(&["a.egg-info/PKG-INFO", "PKG-INFO"]);
        let found = locate(ArtifactKind::Directory, &dir).map(|f| f.path.as_str());
        assert_eq!(found, Some("PKG-INFO"));
    }
}
