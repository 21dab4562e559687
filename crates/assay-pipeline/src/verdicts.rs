//! The verdict store: scan reports by artifact SHA-256, in a bounded
//! in-memory LRU in front of the authenticated result cache on disk. The
//! scan and the proxy share it, so a file either one scanned is not
//! scanned again by the other.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use assay::ArtifactReport;
use lru::LruCache;

use crate::result_cache::{Lookup, ResultCache};

/// Reports by SHA-256: memory first, then disk.
pub struct VerdictStore {
    disk: Option<ResultCache>,
    /// `None` when nothing is kept in memory.
    memory: Option<Mutex<LruCache<String, Arc<ArtifactReport>>>>,
}

impl std::fmt::Debug for VerdictStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerdictStore")
            .field("disk", &self.disk.is_some())
            .field("memory", &self.memory.as_ref().map(|m| lock(m).cap().get()))
            .finish()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl VerdictStore {
    /// A store over `disk` (if any) keeping at most `in_memory` reports in
    /// memory, the least recently used dropped first (0: none).
    pub fn new(disk: Option<ResultCache>, in_memory: usize) -> VerdictStore {
        VerdictStore {
            disk,
            memory: NonZeroUsize::new(in_memory).map(|n| Mutex::new(LruCache::new(n))),
        }
    }

    /// Whether results are kept on disk.
    pub fn has_disk(&self) -> bool {
        self.disk.is_some()
    }

    /// The report of the artifact of digest `sha256` (lower-case hex).
    pub fn get(&self, sha256: &str) -> Lookup<Arc<ArtifactReport>> {
        if let Some(memory) = &self.memory
            && let Some(report) = lock(memory).get(sha256)
        {
            return Lookup::Hit(Box::new(report.clone()));
        }
        let Some(disk) = &self.disk else {
            return Lookup::Miss;
        };
        match disk.get(sha256) {
            Lookup::Hit(report) => {
                let report = Arc::new(*report);
                self.remember(sha256, report.clone());
                Lookup::Hit(Box::new(report))
            }
            Lookup::Miss => Lookup::Miss,
            Lookup::Forged => Lookup::Forged,
        }
    }

    /// Stores the report of the artifact of digest `sha256`. Disk failures
    /// are ignored: the store is an optimisation.
    pub fn put(&self, sha256: &str, report: Arc<ArtifactReport>) {
        if let Some(disk) = &self.disk {
            disk.put(sha256, &report);
        }
        self.remember(sha256, report);
    }

    fn remember(&self, sha256: &str, report: Arc<ArtifactReport>) {
        if let Some(memory) = &self.memory {
            lock(memory).put(sha256.to_owned(), report);
        }
    }

    /// How many reports are in memory.
    pub fn in_memory(&self) -> usize {
        self.memory.as_ref().map_or(0, |m| lock(m).len())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn report(name: &str) -> Arc<ArtifactReport> {
        Arc::new(ArtifactReport::unreadable(Path::new(name), "x".into()))
    }

    #[test]
    fn memory_keeps_the_most_recently_used_reports_only() {
        let store = VerdictStore::new(None, 2);
        store.put("a", report("a"));
        store.put("b", report("b"));
        // `a` is used, so `b` is the least recently used when `c` comes.
        assert!(matches!(store.get("a"), Lookup::Hit(_)));
        store.put("c", report("c"));
        assert_eq!(store.in_memory(), 2);
        assert!(matches!(store.get("b"), Lookup::Miss));
        assert!(matches!(store.get("a"), Lookup::Hit(_)));
        assert!(matches!(store.get("c"), Lookup::Hit(_)));
    }

    #[test]
    fn without_memory_or_disk_nothing_is_kept() {
        let store = VerdictStore::new(None, 0);
        store.put("a", report("a"));
        assert_eq!(store.in_memory(), 0);
        assert!(matches!(store.get("a"), Lookup::Miss));
    }
}
