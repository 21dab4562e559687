//! One computation per key, however many threads ask at once: the first
//! asker runs it, the others wait on a condition variable and share its
//! result. A leader that panics hands the work to the waiters instead of
//! leaving them blocked.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

enum State<V> {
    Running,
    Done(V),
    Abandoned,
}

struct Slot<V> {
    state: Mutex<State<V>>,
    ready: Condvar,
}

/// Requests in flight, by key.
pub struct Coalescer<V> {
    slots: Mutex<HashMap<String, Arc<Slot<V>>>>,
}

impl<V> Default for Coalescer<V> {
    fn default() -> Self {
        Coalescer {
            slots: Mutex::new(HashMap::new()),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Publishes the leader's outcome (or its absence) when dropped.
struct Leader<'a, V> {
    coalescer: &'a Coalescer<V>,
    key: &'a str,
    slot: Arc<Slot<V>>,
    outcome: Option<V>,
}

impl<V> Drop for Leader<'_, V> {
    fn drop(&mut self) {
        // Remove the key first: a later asker starts afresh (and finds the
        // caller's own caches warm) instead of reading a finished slot.
        lock(&self.coalescer.slots).remove(self.key);
        let mut state = lock(&self.slot.state);
        *state = match self.outcome.take() {
            Some(value) => State::Done(value),
            None => State::Abandoned,
        };
        self.slot.ready.notify_all();
    }
}

impl<V: Clone> Coalescer<V> {
    /// Runs `work` for `key` unless it is already running, in which case
    /// waits for that run and returns a copy of its result.
    pub fn run(&self, key: &str, work: impl FnOnce() -> V) -> V {
        let (slot, leads) = {
            let mut slots = lock(&self.slots);
            match slots.get(key) {
                Some(slot) => (slot.clone(), false),
                None => {
                    let slot = Arc::new(Slot {
                        state: Mutex::new(State::Running),
                        ready: Condvar::new(),
                    });
                    slots.insert(key.to_owned(), slot.clone());
                    (slot, true)
                }
            }
        };
        if leads {
            let mut leader = Leader {
                coalescer: self,
                key,
                slot,
                outcome: None,
            };
            let value = work();
            leader.outcome = Some(value.clone());
            return value;
        }
        let mut state = lock(&slot.state);
        loop {
            match &*state {
                State::Running => {
                    state = slot
                        .ready
                        .wait(state)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
                State::Done(value) => return value.clone(),
                State::Abandoned => {
                    drop(state);
                    return work();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn concurrent_askers_share_one_run() {
        let coalescer = Coalescer::<usize>::default();
        let runs = AtomicUsize::new(0);
        let started = Barrier::new(2);
        let release = Barrier::new(2);
        let results: Vec<usize> = std::thread::scope(|s| {
            let leader = s.spawn(|| {
                coalescer.run("k", || {
                    started.wait();
                    release.wait();
                    runs.fetch_add(1, Ordering::SeqCst) + 41
                })
            });
            started.wait();
            // The leader is inside its work: every other asker must wait.
            let followers: Vec<_> = (0..8)
                .map(|_| s.spawn(|| coalescer.run("k", || runs.fetch_add(1, Ordering::SeqCst))))
                .collect();
            // The map, the leader, eight followers, and the copy this check
            // itself holds.
            while Arc::strong_count(coalescer_slot(&coalescer, "k").as_ref().unwrap()) < 11 {
                std::thread::yield_now();
            }
            release.wait();
            let mut all = vec![leader.join().unwrap()];
            all.extend(followers.into_iter().map(|f| f.join().unwrap()));
            all
        });
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(results.iter().all(|&r| r == 41), "{results:?}");
        assert!(lock(&coalescer.slots).is_empty());
    }

    fn coalescer_slot(c: &Coalescer<usize>, key: &str) -> Option<Arc<Slot<usize>>> {
        lock(&c.slots).get(key).cloned()
    }

    #[test]
    fn a_panicking_leader_hands_the_work_over() {
        let coalescer = Coalescer::<u8>::default();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            coalescer.run("k", || panic!("boom"))
        }));
        assert!(panicked.is_err());
        assert_eq!(coalescer.run("k", || 7), 7);
    }

    #[test]
    fn different_keys_run_separately() {
        let coalescer = Coalescer::<&str>::default();
        assert_eq!(coalescer.run("a", || "a"), "a");
        assert_eq!(coalescer.run("b", || "b"), "b");
    }
}
