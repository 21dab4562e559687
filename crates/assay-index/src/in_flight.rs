//! A byte budget shared by parallel downloads: each reserves what its body
//! may hold before reading it and waits while the others hold too much, so
//! eight endless bodies cannot each take the per-download limit at once.

use std::sync::{Condvar, Mutex};

/// The budget.
#[derive(Debug)]
pub(crate) struct InFlight {
    limit: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

/// Bytes reserved until dropped.
#[derive(Debug)]
pub(crate) struct Reservation<'a> {
    budget: &'a InFlight,
    bytes: u64,
}

impl InFlight {
    pub fn new(limit: u64) -> InFlight {
        InFlight {
            limit: limit.max(1),
            used: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Reserves `bytes` (at most the whole budget), waiting while other
    /// reservations leave too little. One reservation alone always fits.
    pub fn reserve(&self, bytes: u64) -> Reservation<'_> {
        let bytes = bytes.min(self.limit);
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        while *used > 0 && used.saturating_add(bytes) > self.limit {
            used = self.freed.wait(used).unwrap_or_else(|p| p.into_inner());
        }
        *used += bytes;
        Reservation {
            budget: self,
            bytes,
        }
    }

    #[cfg(test)]
    fn used(&self) -> u64 {
        *self.used.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut used = self.budget.used.lock().unwrap_or_else(|p| p.into_inner());
        *used -= self.bytes;
        self.budget.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::InFlight;

    #[test]
    fn parallel_downloads_share_one_budget() {
        let budget = InFlight::new(100);
        let first = budget.reserve(70);
        assert_eq!(budget.used(), 70);
        std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                let second = budget.reserve(70);
                // Only possible once the first is released.
                assert_eq!(budget.used(), 70);
                drop(second);
            });
            drop(first);
            waiter.join().expect("second reservation");
        });
        assert_eq!(budget.used(), 0);
        // A reservation larger than the budget is cut to it.
        let all = budget.reserve(1000);
        assert_eq!(budget.used(), 100);
        drop(all);
    }
}
