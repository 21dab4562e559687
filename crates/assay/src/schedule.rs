//! Which artifacts of a batch are scanned at once, so that peak memory is
//! set by the largest artifact rather than by the largest few that happen
//! to overlap.
//!
//! A batch is scanned by one artifact thread per worker of the rayon pool,
//! each taking the next artifact in turn; the analysis inside an artifact
//! runs on the pool. Artifact threads are not pool threads: a pool thread
//! that waits for its share of one artifact's files may steal any queued
//! job, and when the artifacts themselves were pool jobs it would start a
//! whole new artifact on top of the one it was helping. Here it can only
//! help with files, so at most one artifact per artifact thread is in
//! memory.
//!
//! Large artifacts are scanned alone: those large on disk before they
//! are read (their entries are read into memory), and those whose kept
//! files turn out large once read (a generated SDK with 140 MB of Python
//! costs six times that while it is analysed). Every other artifact shares
//! the machine with the others in flight. A large artifact found only once
//! read waits with its files in memory for the others to finish (std's
//! lock on Linux makes new readers wait behind a waiting writer, so no new
//! artifact starts meanwhile).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::artifact::Package;

/// Stack size of every thread that analyses Python (artifact threads and
/// the rayon pool's workers): the analysis recurses on deeply nested
/// Python.
pub const WORKER_STACK_BYTES: usize = 64 << 20;

/// Artifact files at least this large are scanned alone from before they
/// are read.
const HEAVY_FILE_BYTES: u64 = 64 << 20;

/// Artifacts whose kept files total at least this many bytes are scanned
/// alone once read.
const HEAVY_KEPT_BYTES: u64 = 48 << 20;

/// Who may be in memory at once: any number of small artifacts, or one
/// large one.
#[derive(Debug, Default)]
pub(crate) struct HeavyLane {
    lane: RwLock<()>,
}

/// An artifact's place while it is in memory, given up when dropped.
#[derive(Debug)]
pub(crate) enum LanePlace<'a> {
    /// Beside other small artifacts.
    Shared(#[allow(dead_code, reason = "held for its drop")] RwLockReadGuard<'a, ()>),
    /// Alone.
    Alone(#[allow(dead_code, reason = "held for its drop")] RwLockWriteGuard<'a, ()>),
}

impl HeavyLane {
    /// The place of the artifact at `path` while it is read: alone when
    /// the file is large on disk, shared otherwise (a folder, a path that
    /// cannot be read: the reader reports that).
    pub fn before_reading(&self, path: &Path) -> LanePlace<'_> {
        let large = std::fs::metadata(path)
            .is_ok_and(|meta| meta.is_file() && meta.len() >= HEAVY_FILE_BYTES);
        if large { self.alone() } else { self.shared() }
    }

    /// The place of `package` while it is analysed: alone when it kept
    /// many bytes (waiting for the others to finish), else the place it
    /// was read in.
    pub fn after_reading<'a>(&'a self, package: &Package, place: LanePlace<'a>) -> LanePlace<'a> {
        match place {
            LanePlace::Shared(_) if kept_bytes(package) >= HEAVY_KEPT_BYTES => {
                // Given up first: two large artifacts each waiting for the
                // other to leave would wait for ever.
                drop(place);
                self.alone()
            }
            place => place,
        }
    }

    // The lane holds no data, so a lock poisoned by a panic (caught and
    // reported on its artifact) is still good.
    fn shared(&self) -> LanePlace<'_> {
        LanePlace::Shared(self.lane.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn alone(&self) -> LanePlace<'_> {
        LanePlace::Alone(self.lane.write().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Bytes of every file a package kept.
fn kept_bytes(package: &Package) -> u64 {
    package.files.iter().map(|f| f.data.len() as u64).sum()
}

/// Runs `scan` on every path from one artifact thread per rayon worker,
/// handing each result to `sink` with its index in `paths`.
pub(crate) fn each_path<R>(
    paths: &[PathBuf],
    scan: impl Fn(&Path, &HeavyLane) -> R + Sync,
    sink: impl Fn(usize, R) + Sync,
) {
    let next = AtomicUsize::new(0);
    let lane = HeavyLane::default();
    let work = || {
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(path) = paths.get(index) else { break };
            sink(index, scan(path, &lane));
        }
    };
    let threads = rayon::current_num_threads().clamp(1, paths.len().max(1));
    std::thread::scope(|scope| {
        let started = (0..threads)
            .filter(|_| {
                std::thread::Builder::new()
                    .name("assay-artifact".to_owned())
                    .stack_size(WORKER_STACK_BYTES)
                    .spawn_scoped(scope, work)
                    .is_ok()
            })
            .count();
        // No thread could be started: scan here, one artifact at a time.
        if started == 0 {
            work();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::PackageFile;
    use std::sync::Mutex;

    fn package(bytes: usize) -> Package {
        let file = PackageFile {
            path: "pkg/data.bin".to_owned(),
            data: vec![0; bytes].into(),
            mode: None,
        };
        Package::from_files(PathBuf::from("pkg"), vec![file])
    }

    fn is_alone(place: &LanePlace<'_>) -> bool {
        matches!(place, LanePlace::Alone(_))
    }

    #[test]
    fn large_packages_are_scanned_alone_once_read() {
        let lane = HeavyLane::default();
        let small = lane.after_reading(&package(10), lane.shared());
        assert!(!is_alone(&small));
        // Small ones share the lane.
        let other = lane.shared();
        drop((small, other));
        let large = lane.after_reading(&package(HEAVY_KEPT_BYTES as usize), lane.shared());
        assert!(is_alone(&large));
        // While it is in, nobody else gets in.
        assert!(lane.lane.try_read().is_err());
        drop(large);
        assert!(lane.lane.try_read().is_ok());
    }

    #[test]
    fn a_large_file_is_alone_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small.tar.gz");
        std::fs::write(&small, b"x").unwrap();
        let large = dir.path().join("large.tar.gz");
        std::fs::File::create(&large)
            .unwrap()
            .set_len(HEAVY_FILE_BYTES)
            .unwrap();
        let lane = HeavyLane::default();
        for path in [small, dir.path().to_owned(), dir.path().join("missing")] {
            assert!(!is_alone(&lane.before_reading(&path)), "{}", path.display());
        }
        let place = lane.before_reading(&large);
        assert!(is_alone(&place));
        // A place alone stays alone, whatever the package.
        assert!(is_alone(&lane.after_reading(&package(10), place)));
    }

    #[test]
    fn every_path_is_scanned_once_with_its_index() {
        let paths: Vec<PathBuf> = (0..50).map(|i| PathBuf::from(i.to_string())).collect();
        let seen = Mutex::new(Vec::new());
        each_path(
            &paths,
            |path, _| path.to_string_lossy().into_owned(),
            |index, name| seen.lock().unwrap().push((index, name)),
        );
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        let expected: Vec<(usize, String)> = (0..50).map(|i| (i, i.to_string())).collect();
        assert_eq!(seen, expected);
    }
}
