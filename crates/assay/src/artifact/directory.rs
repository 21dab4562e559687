//! Folders on disk: walked without following symlinks, and read through the
//! same entry rules and limits as archives.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::entries::{Collector, Entry, EntryType, Step};
use super::{ArtifactError, ArtifactKind, ContainerFormat, Limits, Package};

/// Folders that hold tooling state, not the package: never walked.
const SKIPPED_FOLDERS: [&str; 6] = [
    ".git",
    "__pycache__",
    ".tox",
    ".venv",
    "venv",
    "node_modules",
];

/// One item found by the walk.
struct Found {
    /// Relative to the root, `/`-separated.
    rel: String,
    path: PathBuf,
    kind: EntryType,
    size: u64,
    mode: Option<u32>,
}

/// Reads a folder as a package. Paths are relative to `root`, sorted.
pub(super) fn open(root: &Path, limits: &Limits) -> Result<Package, ArtifactError> {
    let top = fs::read_dir(root).map_err(|source| ArtifactError::Io {
        path: root.to_owned(),
        source,
    })?;
    let mut collector = Collector::new(limits);
    let mut found = walk(top, limits, &mut collector);
    found.sort_by(|a, b| a.rel.cmp(&b.rel));

    let size = found
        .iter()
        .filter(|f| f.kind == EntryType::File)
        .map(|f| f.size)
        .fold(0u64, u64::saturating_add);
    for item in found {
        let entry = Entry {
            raw_name: &item.rel,
            kind: item.kind,
            declared_size: item.size,
            mode: item.mode,
        };
        let mut body = LazyFile {
            path: &item.path,
            file: None,
        };
        match collector.add(entry, &mut body) {
            Step::Continue => {}
            Step::Stop => break,
            Step::ReadFailed(error) => collector.error(format!("{}: {error}", item.rel)),
        }
    }
    Ok(collector.into_package(
        root,
        ArtifactKind::Directory,
        ContainerFormat::Directory,
        None,
        size,
    ))
}

/// Walks the tree depth first without recursion, stopping once it has found
/// one item more than `max_entries` (the collector then reports the limit).
/// Folders are listed when their turn comes, so few are open at once.
fn walk(top: fs::ReadDir, limits: &Limits, collector: &mut Collector<'_>) -> Vec<Found> {
    let mut found = Vec::new();
    let mut pending: Vec<(String, PathBuf)> = Vec::new();
    let mut next = Some((String::new(), top));
    while let Some((prefix, listing)) = next.take().or_else(|| open_next(&mut pending, collector)) {
        let mut children: Vec<(String, PathBuf)> = Vec::new();
        for child in listing {
            match child {
                Ok(child) => {
                    let name = child.file_name().to_string_lossy().into_owned();
                    children.push((format!("{prefix}{name}"), child.path()));
                }
                Err(error) => collector.error(format!("{prefix}: cannot list folder: {error}")),
            }
        }
        children.sort();
        for (rel, path) in children {
            if found.len() > limits.max_entries {
                return found;
            }
            let meta = match fs::symlink_metadata(&path) {
                Ok(meta) => meta,
                Err(error) => {
                    collector.error(format!("{rel}: {error}"));
                    continue;
                }
            };
            let file_type = meta.file_type();
            let kind = if file_type.is_symlink() {
                let target = fs::read_link(&path)
                    .map(|t| t.to_string_lossy().into_owned())
                    .unwrap_or_default();
                EntryType::Symlink { target }
            } else if file_type.is_dir() {
                let name = rel.rsplit('/').next().unwrap_or(&rel);
                if SKIPPED_FOLDERS.contains(&name) {
                    continue;
                }
                pending.push((format!("{rel}/"), path.clone()));
                EntryType::Directory
            } else if file_type.is_file() {
                EntryType::File
            } else {
                EntryType::Special(special_kind(&file_type))
            };
            found.push(Found {
                rel,
                path,
                kind,
                size: meta.len(),
                mode: mode(&meta),
            });
        }
    }
    found
}

/// Lists the next pending folder that can be listed.
fn open_next(
    pending: &mut Vec<(String, PathBuf)>,
    collector: &mut Collector<'_>,
) -> Option<(String, fs::ReadDir)> {
    while let Some((prefix, dir)) = pending.pop() {
        match fs::read_dir(&dir) {
            Ok(listing) => return Some((prefix, listing)),
            Err(error) => collector.error(format!("{prefix}: cannot list folder: {error}")),
        }
    }
    None
}

#[cfg(unix)]
fn special_kind(file_type: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_char_device() {
        "character device"
    } else if file_type.is_block_device() {
        "block device"
    } else if file_type.is_fifo() {
        "FIFO"
    } else if file_type.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_file_type: &fs::FileType) -> &'static str {
    "special file"
}

#[cfg(unix)]
fn mode(meta: &fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode())
}

#[cfg(not(unix))]
fn mode(_meta: &fs::Metadata) -> Option<u32> {
    None
}

/// A file opened only when first read, so files the rules skip are never
/// opened.
struct LazyFile<'a> {
    path: &'a Path,
    file: Option<File>,
}

impl Read for LazyFile<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(File::open(self.path)?),
        };
        file.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::AnomalyKind;

    fn write(root: &Path, rel: &str, data: &[u8]) {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(path, data).expect("write");
    }

    fn paths(package: &Package) -> Vec<&str> {
        package.files.iter().map(|f| f.path.as_str()).collect()
    }

    #[test]
    fn reads_a_tree_sorted_skipping_tool_folders() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(root, "setup.py", b"setup()");
        write(root, "PKG-INFO", b"Name: demo\nVersion: 2.0\n");
        write(root, "demo/b.py", b"");
        write(root, "demo/a.py", b"a");
        write(root, "demo/__pycache__/a.cpython-312.pyc", b"x");
        write(root, ".git/config", b"x");
        write(root, "node_modules/x/index.js", b"x");
        write(root, "sub/venv/lib.py", b"x");
        fs::create_dir(root.join("empty")).expect("mkdir");

        let package = open(root, &Limits::default()).expect("opens");
        assert_eq!(package.kind, ArtifactKind::Directory);
        assert_eq!(package.format, ContainerFormat::Directory);
        assert_eq!(package.sha256, None);
        assert_eq!(package.size, 8 + 24);
        assert_eq!(
            paths(&package),
            ["PKG-INFO", "demo/a.py", "demo/b.py", "setup.py"]
        );
        assert!(package.anomalies.is_empty() && package.errors.is_empty());
        assert_eq!(
            package.metadata.and_then(|m| m.name).as_deref(),
            Some("demo")
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_anomalies_and_never_followed() {
        let outside = tempfile::tempdir().expect("tempdir");
        write(outside.path(), "secret.py", b"secret");
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(root, "pkg/ok.py", b"");
        std::os::unix::fs::symlink(outside.path(), root.join("pkg/outside")).expect("symlink");
        std::os::unix::fs::symlink("/etc/passwd", root.join("passwd")).expect("symlink");

        let package = open(root, &Limits::default()).expect("opens");
        assert_eq!(paths(&package), ["pkg/ok.py"]);
        let anomalies: Vec<_> = package
            .anomalies
            .iter()
            .map(|a| (a.path.as_str(), a.kind, a.detail.as_str()))
            .collect();
        let target = outside.path().to_string_lossy();
        assert_eq!(
            anomalies,
            [
                ("passwd", AnomalyKind::Symlink, "/etc/passwd"),
                ("pkg/outside", AnomalyKind::Symlink, target.as_ref()),
            ]
        );
    }

    #[test]
    fn limits_apply_to_folders_too() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(root, "a.py", &[b'#'; 100]);
        write(root, "b.py", b"");
        write(root, "c.py", b"");
        write(root, "d.py", b"");
        let limits = Limits {
            max_file_bytes: 10,
            max_entries: 3,
            ..Limits::default()
        };
        let package = open(root, &limits).expect("opens");
        assert_eq!(paths(&package), ["b.py", "c.py"]);
        let kinds: Vec<_> = package
            .anomalies
            .iter()
            .map(|a| (a.path.as_str(), a.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("a.py", AnomalyKind::LimitExceeded),
                ("d.py", AnomalyKind::LimitExceeded)
            ]
        );
        assert_eq!(
            package.errors,
            [
                "a.py: not read (over the per-file limit of 10 bytes); the artifact was not \
                 fully scanned",
                "stopped reading: more than 3 entries"
            ]
        );
    }

    #[test]
    fn a_folder_without_python_is_still_a_package() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "README.md", b"hello");
        let package = open(dir.path(), &Limits::default()).expect("opens");
        assert_eq!(paths(&package), ["README.md"]);
        assert!(package.metadata.is_none() && package.errors.is_empty());
    }

    #[test]
    fn a_missing_folder_is_an_io_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("nope");
        let error = open(&missing, &Limits::default()).expect_err("missing");
        assert!(matches!(error, ArtifactError::Io { .. }), "{error}");
        let error = crate::artifact::open(&missing, &Limits::default()).expect_err("missing");
        assert!(matches!(error, ArtifactError::Io { .. }), "{error}");
    }
}
