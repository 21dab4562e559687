//! The gate: project listings from the upstream index, and for each file
//! one upstream fetch, one digest check and one scan, however many clients
//! ask; then the policy's decision.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use assay::{ArtifactReport, Limits, Scanner, VerdictLabel};
use assay_index::{Client, DistFile, IndexError, normalize_name};
use assay_pipeline::{Judgement, Lookup, Policy, Subject, VerdictStore};
use serde::Serialize;

use crate::inflight::Coalescer;

/// A file the gate refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocked {
    /// The project (normalised name).
    pub project: String,
    /// The file name.
    pub filename: String,
    /// The file's SHA-256, when its bytes were seen (not for a name on the
    /// deny list that was never fetched).
    pub sha256: Option<String>,
    /// Why, in one line (`malicious (AY104 exec-decoded-payload)`).
    pub reason: String,
}

/// The upstream index failed; nothing of the file is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamFailure {
    /// The status to answer with: 404, 502 or 504.
    pub status: u16,
    /// What happened, credentials removed.
    pub message: String,
}

/// The outcome of a file request.
#[derive(Debug, Clone)]
pub enum FileOutcome {
    /// Scanned and allowed: these exact bytes.
    Serve {
        /// The file's bytes, as fetched and checked.
        bytes: Arc<Vec<u8>>,
        /// Their SHA-256.
        sha256: String,
    },
    /// Refused by the policy.
    Blocked(Arc<Blocked>),
    /// Not available from upstream.
    Upstream(UpstreamFailure),
}

/// Something the gate did, for the log.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A file was served.
    Served {
        /// The project.
        project: &'a str,
        /// The file name.
        filename: &'a str,
        /// Its SHA-256.
        sha256: &'a str,
        /// Its verdict after suppressions.
        label: Option<VerdictLabel>,
        /// How many of its findings an ignore entry accepted.
        suppressed: usize,
    },
    /// A file was refused (logged once per file).
    Blocked(&'a Blocked),
    /// Upstream failed for a page or file.
    Failed {
        /// The project or file name.
        what: &'a str,
        /// The failure.
        failure: &'a UpstreamFailure,
    },
}

/// Counters, served as JSON at `/_assay/stats`.
#[derive(Debug, Default)]
struct Counters {
    page_requests: AtomicU64,
    file_requests: AtomicU64,
    upstream_downloads: AtomicU64,
    scans: AtomicU64,
    served: AtomicU64,
    blocked: AtomicU64,
    upstream_failures: AtomicU64,
}

/// A snapshot of the counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Stats {
    /// Project pages asked for.
    pub page_requests: u64,
    /// Files (and metadata files) asked for.
    pub file_requests: u64,
    /// Files fetched from upstream over the network (not from the cache).
    pub upstream_downloads: u64,
    /// Files scanned (not found in the verdict cache).
    pub scans: u64,
    /// File responses with the file.
    pub served: u64,
    /// File responses refused by the policy.
    pub blocked: u64,
    /// Page or file requests upstream could not answer.
    pub upstream_failures: u64,
}

/// A report and the policy's judgement of it, for the report page.
#[derive(Debug, Clone)]
pub struct Judged {
    /// The scan.
    pub report: Arc<ArtifactReport>,
    /// The decision.
    pub judgement: Judgement,
}

type EventSink = Box<dyn Fn(Event<'_>) + Send + Sync>;

/// The scanning gate in front of an index. `Send + Sync`: one per proxy.
pub struct Gate {
    client: Client,
    scanner: Scanner,
    limits: Limits,
    policy: Policy,
    hide_blocked: bool,
    /// Project → the files its page listed last.
    listings: Mutex<HashMap<String, Vec<DistFile>>>,
    /// SHA-256 → scan report: the verdict cache, shared with `assay scan`
    /// on disk, bounded in memory.
    verdicts: VerdictStore,
    /// Every blocked file, once each, in the order blocked.
    blocked: Mutex<Vec<Arc<Blocked>>>,
    fetches: Coalescer<FileOutcome>,
    counters: Counters,
    events: EventSink,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate")
            .field("client", &self.client)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Maps an index error to what the client is told; `None` for errors that
/// mean the file cannot be scanned (the policy decides those).
fn upstream_failure(error: &IndexError) -> Option<UpstreamFailure> {
    let status = match error {
        IndexError::TooLarge { .. } => return None,
        IndexError::NotFound { .. }
        | IndexError::Status { status: 404, .. }
        | IndexError::VersionNotFound { .. } => 404,
        IndexError::Timeout { .. } => 504,
        _ => 502,
    };
    let message = match error {
        IndexError::HashMismatch { .. } => format!(
            "upstream file refused: it does not match the digest its index publishes: {error}"
        ),
        _ => format!("upstream index: {error}"),
    };
    Some(UpstreamFailure {
        status,
        message: assay_index::without_credentials(&message),
    })
}

impl Gate {
    /// A gate fetching through `client` (its configured indexes are the
    /// upstream; its cache, if any, keeps downloads), keeping scan reports
    /// in `verdicts`.
    pub fn new(
        client: Client,
        limits: Limits,
        policy: Policy,
        hide_blocked: bool,
        verdicts: VerdictStore,
    ) -> Gate {
        Gate {
            client,
            scanner: Scanner::new().limits(limits),
            limits,
            policy,
            hide_blocked,
            listings: Mutex::default(),
            verdicts,
            blocked: Mutex::default(),
            fetches: Coalescer::default(),
            counters: Counters::default(),
            events: Box::new(|_| {}),
        }
    }

    /// Calls `sink` for every event (the library never prints).
    pub fn on_event(mut self, sink: impl Fn(Event<'_>) + Send + Sync + 'static) -> Gate {
        self.events = Box::new(sink);
        self
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The upstream indexes, credentials removed.
    pub fn upstreams(&self) -> Vec<String> {
        self.client
            .config()
            .indexes()
            .map(|i| assay_index::without_credentials(&i.value.url))
            .collect()
    }

    /// Every file blocked so far, once each.
    pub fn blocked(&self) -> Vec<Arc<Blocked>> {
        lock(&self.blocked).clone()
    }

    /// The counters now.
    pub fn stats(&self) -> Stats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::SeqCst);
        Stats {
            page_requests: get(&c.page_requests),
            file_requests: get(&c.file_requests),
            upstream_downloads: get(&c.upstream_downloads),
            scans: get(&c.scans),
            served: get(&c.served),
            blocked: get(&c.blocked),
            upstream_failures: get(&c.upstream_failures),
        }
    }

    fn fail(&self, what: &str, failure: UpstreamFailure) -> UpstreamFailure {
        self.counters
            .upstream_failures
            .fetch_add(1, Ordering::SeqCst);
        (self.events)(Event::Failed {
            what,
            failure: &failure,
        });
        failure
    }

    /// The files of `project` on every upstream index, main index first,
    /// without those known to be blocked when `hide_blocked` is on.
    pub fn project_files(&self, project: &str) -> Result<Vec<DistFile>, UpstreamFailure> {
        self.counters.page_requests.fetch_add(1, Ordering::SeqCst);
        let files = self.fetch_listing(project)?;
        if !self.hide_blocked {
            return Ok(files);
        }
        let name = normalize_name(project);
        if self.policy.denies(&name) {
            return Ok(Vec::new());
        }
        Ok(files
            .into_iter()
            .filter(|f| !self.known_blocked(&name, f))
            .collect())
    }

    fn fetch_listing(&self, project: &str) -> Result<Vec<DistFile>, UpstreamFailure> {
        let listing = match self.client.project(project) {
            Ok(listing) => listing,
            Err(error) => {
                let failure = upstream_failure(&error).unwrap_or(UpstreamFailure {
                    status: 502,
                    message: format!("upstream index: {error}"),
                });
                return Err(self.fail(project, failure));
            }
        };
        // Main index first; a file name listed twice keeps its first entry.
        let mut files: Vec<DistFile> = Vec::new();
        for file in listing.files() {
            if !files.iter().any(|f| f.filename == file.filename) {
                files.push(file.clone());
            }
        }
        lock(&self.listings).insert(normalize_name(project), files.clone());
        Ok(files)
    }

    /// Is this file known (by its listed SHA-256) to be blocked?
    fn known_blocked(&self, project: &str, file: &DistFile) -> bool {
        let Some(sha256) = file.sha256() else {
            return lock(&self.blocked)
                .iter()
                .any(|b| b.project == project && b.filename == file.filename);
        };
        self.cached_report(sha256)
            .is_some_and(|report| self.judge(project, file, sha256, &report).blocked.is_some())
    }

    fn find_file(&self, project: &str, filename: &str) -> Result<DistFile, UpstreamFailure> {
        let name = normalize_name(project);
        let listed = |files: &[DistFile]| files.iter().find(|f| f.filename == filename).cloned();
        if let Some(file) = lock(&self.listings).get(&name).and_then(|f| listed(f)) {
            return Ok(file);
        }
        let files = self.fetch_listing(&name)?;
        listed(&files).ok_or_else(|| UpstreamFailure {
            status: 404,
            message: format!("{name} lists no file {filename}"),
        })
    }

    /// The PEP 658 metadata of a listed file, digest-checked.
    pub fn metadata(&self, project: &str, filename: &str) -> Result<Vec<u8>, UpstreamFailure> {
        self.counters.file_requests.fetch_add(1, Ordering::SeqCst);
        let file = self.find_file(project, filename)?;
        match self.client.core_metadata(&file) {
            Ok(Some(bytes)) => Ok(bytes),
            Ok(None) => Err(UpstreamFailure {
                status: 404,
                message: format!("no metadata file for {filename}"),
            }),
            Err(error) => {
                let failure = upstream_failure(&error).unwrap_or(UpstreamFailure {
                    status: 502,
                    message: format!("upstream index: {error}"),
                });
                Err(self.fail(filename, failure))
            }
        }
    }

    /// A file of `project`: fetched, checked, scanned and judged once, then
    /// served or refused.
    pub fn file(&self, project: &str, filename: &str) -> FileOutcome {
        self.counters.file_requests.fetch_add(1, Ordering::SeqCst);
        let name = normalize_name(project);
        let outcome = if self.policy.denies(&name) {
            FileOutcome::Blocked(self.record_block(Blocked {
                project: name,
                filename: filename.to_owned(),
                sha256: None,
                reason: "the project is on the deny list".to_owned(),
            }))
        } else {
            match self.find_file(&name, filename) {
                Err(failure) => FileOutcome::Upstream(failure),
                Ok(file) => self
                    .fetches
                    .run(&file.url, || self.fetch_and_judge(&name, &file)),
            }
        };
        match &outcome {
            FileOutcome::Serve { .. } => self.counters.served.fetch_add(1, Ordering::SeqCst),
            FileOutcome::Blocked(_) => self.counters.blocked.fetch_add(1, Ordering::SeqCst),
            FileOutcome::Upstream(_) => 0,
        };
        outcome
    }

    fn fetch_and_judge(&self, project: &str, file: &DistFile) -> FileOutcome {
        let downloaded = match self.client.download(file) {
            Ok(downloaded) => downloaded,
            Err(error) => {
                return match upstream_failure(&error) {
                    Some(failure) => FileOutcome::Upstream(self.fail(&file.filename, failure)),
                    // Over the size limit: it cannot be scanned, so it is
                    // blocked whatever `allow_unscannable` says (there are
                    // no bytes to serve).
                    None => FileOutcome::Blocked(self.record_block(Blocked {
                        project: project.to_owned(),
                        filename: file.filename.clone(),
                        sha256: file.sha256().map(str::to_owned),
                        reason: format!("could not be scanned ({error})"),
                    })),
                };
            }
        };
        if !downloaded.from_cache {
            self.counters
                .upstream_downloads
                .fetch_add(1, Ordering::SeqCst);
        }
        let sha256 = downloaded.sha256.clone();
        let bytes = Arc::new(downloaded.bytes);
        let report = self.report_for(file, &sha256, &bytes);
        let judgement = self.judge(project, file, &sha256, &report);
        match judgement.blocked {
            Some(reason) => FileOutcome::Blocked(self.record_block(Blocked {
                project: project.to_owned(),
                filename: file.filename.clone(),
                sha256: Some(sha256),
                reason,
            })),
            None => {
                (self.events)(Event::Served {
                    project,
                    filename: &file.filename,
                    sha256: &sha256,
                    label: judgement.label,
                    suppressed: judgement.suppressed.len(),
                });
                FileOutcome::Serve { bytes, sha256 }
            }
        }
    }

    fn judge(
        &self,
        project: &str,
        file: &DistFile,
        sha256: &str,
        report: &ArtifactReport,
    ) -> Judgement {
        let version = file.version.as_ref().map(ToString::to_string);
        let subject = Subject {
            project: Some(project),
            version: version.as_deref().or(report.version.as_deref()),
            sha256: Some(sha256),
        };
        self.policy.judge(&subject, report)
    }

    fn record_block(&self, blocked: Blocked) -> Arc<Blocked> {
        let mut all = lock(&self.blocked);
        if let Some(known) = all.iter().find(|b| ***b == blocked) {
            return known.clone();
        }
        let blocked = Arc::new(blocked);
        all.push(blocked.clone());
        drop(all);
        (self.events)(Event::Blocked(&blocked));
        blocked
    }

    /// The verdict cache: memory, then the authenticated result store on
    /// disk. An entry that fails authentication is no verdict: the file is
    /// scanned again.
    fn cached_report(&self, sha256: &str) -> Option<Arc<ArtifactReport>> {
        match self.verdicts.get(sha256) {
            Lookup::Hit(report) => Some(*report),
            Lookup::Miss | Lookup::Forged => None,
        }
    }

    fn report_for(&self, file: &DistFile, sha256: &str, bytes: &[u8]) -> Arc<ArtifactReport> {
        if let Some(report) = self.cached_report(sha256) {
            return report;
        }
        self.counters.scans.fetch_add(1, Ordering::SeqCst);
        let report = Arc::new(assay_pipeline::scan_bytes(
            &self.scanner,
            &self.limits,
            &file.filename,
            bytes.to_vec(),
            sha256,
        ));
        // Best effort on disk: a full disk must not stop the proxy.
        self.verdicts.put(sha256, report.clone());
        report
    }

    /// The report and judgement of a file seen by its SHA-256, for the
    /// report page.
    pub fn report(&self, sha256: &str) -> Option<Judged> {
        let report = self.cached_report(sha256)?;
        let (project, file) = self.listed_by_sha(sha256).unzip();
        let version = file
            .as_ref()
            .and_then(|f| f.version.as_ref().map(ToString::to_string));
        let subject = Subject {
            project: project.as_deref(),
            version: version.as_deref().or(report.version.as_deref()),
            sha256: Some(sha256),
        };
        let judgement = self.policy.judge(&subject, &report);
        Some(Judged { report, judgement })
    }

    fn listed_by_sha(&self, sha256: &str) -> Option<(String, DistFile)> {
        if let Some(b) = lock(&self.blocked)
            .iter()
            .find(|b| b.sha256.as_deref() == Some(sha256))
        {
            let listings = lock(&self.listings);
            let file = listings
                .get(&b.project)
                .and_then(|files| files.iter().find(|f| f.filename == b.filename))?;
            return Some((b.project.clone(), file.clone()));
        }
        lock(&self.listings).iter().find_map(|(project, files)| {
            files
                .iter()
                .find(|f| f.sha256() == Some(sha256))
                .map(|f| (project.clone(), f.clone()))
        })
    }
}
