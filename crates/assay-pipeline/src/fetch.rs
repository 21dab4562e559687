//! Fetching for one run: project pages (each looked up once), files read
//! while resolving (kept for the scan, so each is fetched once), and the
//! downloads of the scan, a few at a time.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use assay::artifact::{self, Limits};
use assay_index::{Client, DistFile, Downloaded, IndexError, ProjectListing, Version};

use crate::error::{ListingError, ReadError};
use crate::observer::Observer;

/// Most bytes of downloads kept in memory between resolution and scan; a
/// file beyond the budget is fetched again (only without a cache: with one,
/// the cache keeps it).
const KEEP_BYTES: usize = 256 << 20;

/// A download's outcome.
pub type Fetched = Result<Downloaded, Arc<IndexError>>;

/// Downloads made while resolving, by URL, with the digests they were
/// checked against: their bytes when there is no cache, and their failures
/// (a file that could not be fetched is not tried again in the same run).
#[derive(Default)]
struct Kept {
    files: HashMap<String, (BTreeMap<String, String>, Fetched)>,
    bytes: usize,
}

/// The fetching state of one run.
pub struct Fetcher<'a> {
    client: Client,
    limits: Limits,
    listings: Mutex<HashMap<String, Result<ProjectListing, ListingError>>>,
    kept: Mutex<Kept>,
    /// URLs this run downloaded from the network (while resolving): read
    /// back from the cache later, they are still downloads of this run.
    fetched: Mutex<HashSet<String>>,
    /// The PEP 658 metadata files read while resolving, by the URL of
    /// their wheel: the scan checks them against the wheel's `METADATA`.
    served: Mutex<HashMap<String, Vec<u8>>>,
    observer: &'a dyn Observer,
}

impl<'a> Fetcher<'a> {
    /// Fetches through `client`, reading archives within `limits`.
    pub fn new(client: Client, limits: Limits, observer: &'a dyn Observer) -> Fetcher<'a> {
        Fetcher {
            client,
            limits,
            listings: Mutex::default(),
            kept: Mutex::default(),
            fetched: Mutex::default(),
            served: Mutex::default(),
            observer,
        }
    }

    /// The index client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The reading limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The PEP 658 metadata file of the wheel `file`, hash-checked
    /// (`None` when the index serves none), kept for
    /// [`Fetcher::served_metadata`].
    pub fn core_metadata(&self, file: &DistFile) -> Result<Option<Vec<u8>>, IndexError> {
        let served = self.client.core_metadata(file)?;
        if let Some(bytes) = &served {
            self.served
                .lock()
                .expect("served lock")
                .insert(file.url.clone(), bytes.clone());
        }
        Ok(served)
    }

    /// The PEP 658 metadata file this run read for the file at `url`.
    pub fn served_metadata(&self, url: &str) -> Option<Vec<u8>> {
        self.served.lock().expect("served lock").get(url).cloned()
    }

    /// The project's files on every configured index, fetched once per run.
    pub fn listing(&self, name: &str) -> Result<ProjectListing, ListingError> {
        let key = assay_index::normalize_name(name);
        if let Some(found) = self.listings.lock().expect("listing lock").get(&key) {
            return found.clone();
        }
        self.observer.looking_up(self.looked_up(), name);
        let found = self.client.project(name).map_err(Arc::new);
        self.listings
            .lock()
            .expect("listing lock")
            .insert(key, found.clone());
        found
    }

    /// The projects this run found on the index (normalised names).
    pub fn found_names(&self) -> Vec<String> {
        self.listings
            .lock()
            .expect("listing lock")
            .iter()
            .filter(|(_, listing)| listing.is_ok())
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// How many project pages were looked up.
    pub fn looked_up(&self) -> usize {
        self.listings.lock().expect("listing lock").len()
    }

    /// The newest versions on the index of a project already looked up,
    /// newest last (`2.31.0, 2.32.0, 2.32.3`), with the count of older ones.
    pub fn available_versions(&self, name: &str) -> Option<String> {
        const SHOWN: usize = 10;
        let listings = self.listings.lock().expect("listing lock");
        let listing = listings
            .get(&assay_index::normalize_name(name))?
            .as_ref()
            .ok()?;
        let mut versions: Vec<&Version> = listing
            .files()
            .into_iter()
            .filter_map(|f| f.version.as_ref())
            .collect();
        versions.sort();
        versions.dedup();
        if versions.is_empty() {
            return Some("none".to_owned());
        }
        let older = versions.len().saturating_sub(SHOWN);
        let newest: Vec<String> = versions[older..].iter().map(ToString::to_string).collect();
        Some(if older > 0 {
            format!("{} (and {older} older)", newest.join(", "))
        } else {
            newest.join(", ")
        })
    }

    /// Downloads a file for resolution (a wheel's METADATA, an sdist to
    /// read statically) and reads it into memory. Failures are kept for
    /// [`Fetcher::download`] to hand to the scan, and so are the bytes
    /// when there is no cache (within [`KEEP_BYTES`]).
    pub fn read(&self, file: &DistFile) -> Result<artifact::Package, ReadError> {
        self.observer.reading(self.looked_up(), &file.filename);
        let downloaded = self.client.download(file).map_err(Arc::new);
        if downloaded.as_ref().is_ok_and(|d| !d.from_cache) {
            self.fetched
                .lock()
                .expect("fetched lock")
                .insert(file.url.clone());
        }
        let mut kept = self.kept.lock().expect("kept lock");
        let size = downloaded.as_ref().map_or(0, |d| d.bytes.len());
        let keep = !kept.files.contains_key(&file.url)
            && (downloaded.is_err()
                || (self.client.cache().is_none() && kept.bytes + size <= KEEP_BYTES));
        let bytes = match downloaded {
            Ok(d) if keep => {
                let bytes = d.bytes.clone();
                kept.bytes += size;
                kept.files
                    .insert(file.url.clone(), (file.hashes.clone(), Ok(d)));
                bytes
            }
            Ok(d) => d.bytes,
            Err(error) => {
                if keep {
                    kept.files
                        .insert(file.url.clone(), (file.hashes.clone(), Err(error.clone())));
                }
                return Err(ReadError::Download(error));
            }
        };
        drop(kept);
        artifact::open_bytes(&file.filename, bytes, &self.limits).map_err(|source| {
            ReadError::Open {
                filename: file.filename.clone(),
                source,
            }
        })
    }

    /// Downloads `files`, `jobs` at a time (default 4, at most 8). Files
    /// already fetched while resolving (checked against the same digests)
    /// are not fetched again: their bytes, or their failure, are taken
    /// from memory, or from the cache.
    pub fn download(&self, files: &[&DistFile], jobs: Option<NonZeroUsize>) -> Vec<Fetched> {
        let mut kept = std::mem::take(&mut *self.kept.lock().expect("kept lock"));
        let mut results: Vec<Option<Fetched>> = files
            .iter()
            .map(|file| {
                kept.files
                    .remove(&file.url)
                    .filter(|(hashes, _)| *hashes == file.hashes)
                    .map(|(_, downloaded)| downloaded)
            })
            .collect();
        drop(kept);
        let missing: Vec<usize> = (0..files.len()).filter(|&i| results[i].is_none()).collect();
        let to_fetch: Vec<DistFile> = missing.iter().map(|&i| files[i].clone()).collect();
        self.observer.downloading(to_fetch.len());
        let jobs = jobs.map_or(4, NonZeroUsize::get).clamp(1, 8);
        let earlier = self.fetched.lock().expect("fetched lock").clone();
        let fetched = self.client.download_all(&to_fetch, jobs, &|done| {
            self.observer
                .downloaded(&done, earlier.contains(&done.file.url));
        });
        self.observer.downloads_done();
        for (i, result) in missing.into_iter().zip(fetched) {
            results[i] = Some(result.map_err(Arc::new));
        }
        results
            .into_iter()
            .map(|r| r.expect("every planned file has a result"))
            .collect()
    }
}
