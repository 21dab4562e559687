//! Scanning what is about to be installed: names on an index, requirements
//! files, pyproject.toml and lockfiles. Resolution is static (assay-deps),
//! downloads are hash-checked and cached (assay-index), and every artifact's
//! report says why it was scanned.
//!
//! Nothing here runs package code: dependencies come from wheel metadata,
//! PEP 658 files, or the static reading of an sdist.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use assay::artifact::{self, Limits};
use assay::scan::Provenance;
use assay::{ArtifactReport, Scanner};
use assay_deps::pep508_rs::{MarkerEnvironment, PackageName};
use assay_deps::{
    Candidate, DistDeps, InputKind, LockedPackage, PackageSource, Parsed, Requirement,
    ResolveOptions, Source, SourceError,
};
use assay_index::{
    Cache, Client, DistFile, DistKind, Downloaded, IndexConfig, IndexError, IndexOverrides,
    MetadataAvailability, ProjectListing, Selection, Tag, Version,
};
use indicatif::ProgressBar;

use crate::Status;
use crate::args::{CacheAction, CacheArgs, ScanArgs};
use crate::output::Output;
use crate::progress::{self, Progress};
use crate::result_cache::{self, Lookup, ResultCache};

/// What a command-line target is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A package file or folder, scanned as it is.
    Path(PathBuf),
    /// A dependency list or lockfile.
    Input(PathBuf, InputKind),
    /// A requirement on the index (`name`, `name==1.2`).
    Requirement(String),
    /// A text file given as a package to scan that reads as a list of
    /// requirements: it needs `-r`.
    RequirementsWithoutFlag(PathBuf),
}

/// Sorts a command-line argument: an existing path is a file to scan or a
/// dependency input (by its name); anything else that reads as a
/// requirement is looked up on the index.
pub fn classify(arg: &Path) -> Target {
    if arg.exists() {
        return match InputKind::detect(arg) {
            Some(kind) if arg.is_file() => Target::Input(arg.to_path_buf(), kind),
            None if arg.is_file() && reads_as_requirements(arg) => {
                Target::RequirementsWithoutFlag(arg.to_path_buf())
            }
            _ => Target::Path(arg.to_path_buf()),
        };
    }
    let text = arg.to_string_lossy();
    // A file name (an archive, a dependency file) that is not there is a
    // missing file, not a project called `requirements-txt`.
    let looks_like_path = text.contains(['/', '\\'])
        || InputKind::detect(arg).is_some()
        || [
            ".whl", ".tar.gz", ".zip", ".egg", ".tgz", ".tar.bz2", ".tar.xz", ".txt", ".in",
            ".lock", ".toml", ".cfg", ".py",
        ]
        .iter()
        .any(|ext| text.to_ascii_lowercase().ends_with(ext));
    if !looks_like_path && parse_requirement(&text, "command line").is_ok() {
        Target::Requirement(text.into_owned())
    } else {
        Target::Path(arg.to_path_buf())
    }
}

/// Whether a `.txt` or `.in` file parses as a requirements file with at
/// least one requirement.
fn reads_as_requirements(path: &Path) -> bool {
    let name = path.to_string_lossy().to_ascii_lowercase();
    if !(name.ends_with(".txt") || name.ends_with(".in")) {
        return false;
    }
    matches!(
        assay_deps::parse_input(path, InputKind::Requirements),
        Ok(Parsed::Unresolved(u)) if !u.requirements.is_empty()
    )
}

fn parse_requirement(text: &str, origin: &str) -> Result<Requirement> {
    let req = assay_deps::pep508_rs::Requirement::from_str(text)
        .map_err(|e| anyhow!("`{text}` is not a requirement: {e}"))?;
    Ok(Requirement {
        req,
        hashes: Vec::new(),
        origin: assay_deps::Origin::new(origin, 0),
        source: Source::Index,
    })
}

/// One file to download and scan, and why.
#[derive(Debug, Clone)]
struct Planned {
    file: DistFile,
    index: Option<String>,
    required_by: Vec<String>,
    notes: Vec<String>,
    /// Digests the user's input pins the file to (`--hash`, lockfiles):
    /// the download must match one of them.
    pinned: Vec<assay_deps::Hash>,
    pinned_by: Option<String>,
}

/// Everything the index-backed scan needs.
struct Remote {
    client: Client,
    tags: Vec<Tag>,
    env: MarkerEnvironment,
    limits: Limits,
    all_files: bool,
    listings: Mutex<HashMap<String, std::result::Result<ProjectListing, String>>>,
    /// Says which name is being looked up (a spinner on a terminal).
    status: ProgressBar,
    /// Files fetched while resolving, kept for the scan so that each file
    /// is fetched once per run.
    kept: Mutex<Kept>,
    /// Releases whose dependencies could not be read because their files
    /// could not be (`name==version` → why).
    unread: Mutex<BTreeMap<String, String>>,
    /// Wheels' `METADATA` by wheel digest: a warm resolution reads no
    /// wheel. `None` without a cache.
    wheel_metadata: Option<ResultCache>,
    /// URLs this run downloaded from the network (while resolving): read
    /// back from the cache later, they are still downloads of this run.
    fetched: Mutex<std::collections::HashSet<String>>,
}

/// Most bytes of downloads kept in memory between resolution and scan; a
/// file beyond the budget is fetched again (only without a cache: with one,
/// the cache keeps it).
const KEEP_BYTES: usize = 256 << 20;

/// Downloads made while resolving, by URL, with the digests they were
/// checked against: their bytes when there is no cache, and their failures
/// (a file that could not be fetched is not tried again in the same run).
#[derive(Default)]
struct Kept {
    files: HashMap<String, (BTreeMap<String, String>, Fetched)>,
    bytes: usize,
}

/// A download's outcome.
type Fetched = std::result::Result<Downloaded, IndexError>;

/// What [`scan`] found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// One report per downloaded file, and per target that could not be
    /// looked up or resolved.
    pub reports: Vec<ArtifactReport>,
    /// Local paths named by the inputs (editable and path requirements),
    /// to be scanned from disk.
    pub local: Vec<PathBuf>,
    /// What the user should know that is in no report: a requirements
    /// file's `--index-url` overridden by the command line, notes of the
    /// inputs, resolution warnings of a release none of whose files is in
    /// the reports.
    pub warnings: Vec<String>,
    /// Resolution warnings (a dependency not resolved from the index, so
    /// not scanned) that are in the provenance notes of the artifacts of
    /// the release that declares the dependency.
    pub noted: Vec<String>,
}

/// Scans the index-backed targets and dependency inputs, showing progress
/// (resolving, downloading, scanning) on `progress`.
pub fn scan(
    args: &ScanArgs,
    scanner: &Scanner,
    requirements: &[String],
    inputs: &[(PathBuf, InputKind)],
    progress: &Progress,
) -> Result<Outcome> {
    let mut outcome = Outcome::default();
    let mut roots = Vec::new();
    let mut constraints = Vec::new();
    let mut locked: Vec<LockedPackage> = Vec::new();
    let mut extra_indexes: Vec<String> = Vec::new();
    let mut index_from_input: Option<(String, PathBuf)> = None;
    let mut pre = args.pre;
    for text in requirements {
        roots.push(parse_requirement(text, "command line")?);
    }
    for path in &args.constraints {
        match assay_deps::parse_input(path, InputKind::Requirements) {
            Ok(Parsed::Unresolved(u)) => {
                constraints.extend(u.requirements);
                constraints.extend(u.constraints);
                outcome.warnings.extend(u.notes.iter().map(note_text));
            }
            Ok(Parsed::Locked(_)) => outcome.reports.push(ArtifactReport::unreadable(
                path,
                "a lockfile is not a constraints file".to_owned(),
            )),
            Err(error) => outcome
                .reports
                .push(ArtifactReport::unreadable(path, error.to_string())),
        }
    }
    let target = crate::platform::scan_target(args)?;
    let options = crate::platform::parse_options(args, &target);
    for (path, kind) in inputs {
        match assay_deps::parse_input_with(path, *kind, &options) {
            Ok(Parsed::Unresolved(u)) => {
                roots.extend(u.requirements);
                constraints.extend(u.constraints);
                extra_indexes.extend(u.index.extra_index_urls);
                if index_from_input.is_none() {
                    index_from_input = u.index.index_url.map(|url| (url, path.clone()));
                }
                pre |= u.index.pre;
                outcome.warnings.extend(u.notes.iter().map(note_text));
            }
            Ok(Parsed::Locked(l)) => {
                locked.extend(l.packages);
                outcome.warnings.extend(l.notes.iter().map(note_text));
            }
            Err(error) => outcome
                .reports
                .push(ArtifactReport::unreadable(path, error.to_string())),
        }
    }
    if roots.is_empty() && locked.is_empty() {
        return Ok(outcome);
    }
    if let (Some(flag), Some((url, path))) = (&args.index_url, &index_from_input)
        && flag != url
    {
        outcome.warnings.push(format!(
            "{} sets --index-url {}; the command line's --index-url {} is used instead (pip would use the file's)",
            path.display(),
            assay_index::without_credentials(url),
            assay_index::without_credentials(flag),
        ));
    }

    let status = progress.spinner(if roots.is_empty() {
        "looking up locked packages"
    } else {
        "resolving"
    });
    let remote = Remote::new(
        args,
        target,
        index_from_input.map(|(url, _)| url),
        extra_indexes,
        status.clone(),
    )?;
    let mut plan: Vec<Planned> = Vec::new();
    if !roots.is_empty() {
        remote.plan_resolved(
            &roots,
            &constraints,
            args.no_deps,
            pre,
            &mut plan,
            &mut outcome,
        );
    }
    for package in &locked {
        remote.plan_locked(package, &mut plan, &mut outcome);
    }
    status.finish_and_clear();

    // Identical files once: the same URL, or the same published digest.
    let mut merged: Vec<Planned> = Vec::new();
    for item in plan {
        let same = merged.iter_mut().find(|m| {
            m.file.url == item.file.url
                || (m.file.sha256().is_some() && m.file.sha256() == item.file.sha256())
        });
        match same {
            Some(m) => {
                for chain in item.required_by {
                    if !m.required_by.contains(&chain) {
                        m.required_by.push(chain);
                    }
                }
                m.pinned.extend(item.pinned);
            }
            None => merged.push(item),
        }
    }

    let cache = if args.no_cache {
        None
    } else {
        remote.client.cache()
    };
    let results = match cache.map(|cache| ResultCache::open(cache, &remote.limits)) {
        Some(Ok(results)) => Some(results),
        Some(Err(error)) => {
            outcome
                .warnings
                .push(format!("scan results are not cached: {error}"));
            None
        }
        None => None,
    };
    // A file whose published (or locked) digest has a trusted result for
    // this engine is not read at all: its verdict is the cached one.
    let mut answered = Vec::new();
    let mut to_fetch = Vec::new();
    for item in merged {
        let hit = results
            .as_ref()
            .and_then(|results| cached_verdict(results, &item));
        match hit {
            Some(report) => answered.push(finish_report(report, item, Vec::new())),
            None => to_fetch.push(item),
        }
    }
    let downloads = remote.download(&to_fetch, args.jobs, progress);
    progress.expect(answered.len() + to_fetch.len());
    progress.show_scanning();
    for report in &answered {
        progress.scanned(&report.target);
    }
    let scanned: Vec<ArtifactReport> = {
        use rayon::prelude::*;
        to_fetch
            .into_par_iter()
            .zip(downloads)
            .map(|(item, download)| {
                let report =
                    scan_download(scanner, &remote.limits, results.as_ref(), item, download);
                progress.scanned(&report.target);
                report
            })
            .collect()
    };
    outcome.reports.extend(answered);
    outcome.reports.extend(scanned);
    Ok(outcome)
}

/// The cached report of a planned file, found by the digest its index
/// page or lockfile declares, when that digest satisfies the file's pins.
/// The bytes are not read: a verdict is about bytes of that digest, and
/// any read of the file checks it against the same digest.
fn cached_verdict(results: &ResultCache, item: &Planned) -> Option<ArtifactReport> {
    let declared = item
        .file
        .sha256()
        .map(str::to_ascii_lowercase)
        .or_else(|| {
            item.pinned
                .iter()
                .find(|h| h.algorithm == "sha256")
                .map(|h| h.digest.to_ascii_lowercase())
        })?;
    let pins_agree = item.pinned.is_empty()
        || item
            .pinned
            .iter()
            .any(|h| h.algorithm == "sha256" && h.digest.eq_ignore_ascii_case(&declared));
    if !pins_agree {
        return None;
    }
    match results.get(&declared) {
        Lookup::Hit(report) => Some(*report),
        // Scanned again when downloaded, with the note.
        Lookup::Miss | Lookup::Forged => None,
    }
}

/// An input's note as one line: `requirements.txt:3: message`.
fn note_text(note: &assay_deps::Note) -> String {
    format!("{}: {}", note.origin, note.message)
}

fn scan_download(
    scanner: &Scanner,
    limits: &Limits,
    results: Option<&ResultCache>,
    item: Planned,
    download: Fetched,
) -> ArtifactReport {
    let target = PathBuf::from(&item.file.filename);
    let mut notes = Vec::new();
    let report = match download {
        Err(error) => ArtifactReport::unreadable(&target, format!("download refused: {error}")),
        Ok(download) => {
            if !download.verified {
                notes.push(
                    "the index published no sha256 (or stronger) digest for this file, so the download could not be checked"
                        .to_owned(),
                );
            }
            let pin_ok = item.pinned.is_empty()
                || item.pinned.iter().any(|h| {
                    h.algorithm == "sha256" && h.digest.eq_ignore_ascii_case(&download.sha256)
                });
            if !pin_ok {
                ArtifactReport::unreadable(
                    &target,
                    format!(
                        "refused: the file's sha256 is {}, but {} expects {}",
                        download.sha256,
                        item.pinned_by.as_deref().unwrap_or("the input"),
                        expected_hashes(&item.pinned),
                    ),
                )
            } else {
                let cached = match results.map(|r| r.get(&download.sha256)) {
                    Some(Lookup::Hit(report)) => Some(*report),
                    Some(Lookup::Forged) => {
                        notes.push(result_cache::FORGED_NOTE.to_owned());
                        None
                    }
                    Some(Lookup::Miss) | None => None,
                };
                match cached {
                    Some(report) => report,
                    None => {
                        let sha256 = download.sha256.clone();
                        let size = download.bytes.len() as u64;
                        let mut report =
                            match artifact::open_bytes(&item.file.filename, download.bytes, limits)
                            {
                                Ok(package) => scanner.scan_package(&package),
                                Err(error) => {
                                    ArtifactReport::unreadable(&target, error.to_string())
                                }
                            };
                        report.sha256 = Some(sha256.clone());
                        report.size = Some(size);
                        if let Some(results) = results {
                            results.put(&sha256, &report);
                        }
                        report
                    }
                }
            }
        }
    };
    finish_report(report, item, notes)
}

/// `expected sha256 ab12…` for each digest, joined with "or".
fn expected_hashes(pinned: &[assay_deps::Hash]) -> String {
    let texts: Vec<String> = pinned
        .iter()
        .map(|h| format!("{} {}", h.algorithm, h.digest))
        .collect();
    texts.join(" or ")
}

/// A report with the planned file's name and provenance, and `notes`
/// after the plan's own.
fn finish_report(mut report: ArtifactReport, item: Planned, notes: Vec<String>) -> ArtifactReport {
    let mut all_notes = item.notes;
    all_notes.extend(notes);
    report.target = PathBuf::from(&item.file.filename);
    report.provenance = Some(Provenance {
        url: Some(item.file.url),
        index: item.index,
        required_by: item.required_by,
        notes: all_notes,
    });
    report
}

impl Remote {
    fn new(
        args: &ScanArgs,
        target: crate::platform::ScanTarget,
        input_index: Option<String>,
        extra: Vec<String>,
        status: ProgressBar,
    ) -> Result<Remote> {
        let mut overrides = IndexOverrides {
            index_url: args.index_url.clone().or(input_index),
            extra_index_urls: args.extra_index_url.clone(),
            timeout: args.timeout.map(Duration::from_secs),
            timeout_total: args.timeout_total.map(Duration::from_secs),
            ..IndexOverrides::default()
        };
        overrides.extra_index_urls.extend(extra);
        let config = match IndexConfig::discover(&overrides) {
            Ok(config) => config,
            Err(assay_index::ConfigError::NoIndex { .. }) => IndexConfig::from_local_pip(&overrides)
                .context("no package index is configured: pass --index-url URL (the simple API root) or set PIP_INDEX_URL")?,
            Err(error) => return Err(error).context("cannot read the index configuration"),
        };
        let cache = match (&args.cache_dir, args.no_cache) {
            (_, true) => None,
            (Some(dir), false) => Some(Cache::open(dir.clone())?),
            (None, false) => Some(Cache::open(Cache::default_dir()?)?),
        };
        let wheel_metadata = cache
            .as_ref()
            .and_then(|cache| ResultCache::wheel_metadata(cache).ok());
        let client = Client::new(config, cache).context("cannot set up the index client")?;
        Ok(Remote {
            client,
            tags: target.tags,
            env: target.env,
            limits: args.limits.to_limits(),
            all_files: args.all_files,
            listings: Mutex::new(HashMap::new()),
            status,
            kept: Mutex::default(),
            unread: Mutex::default(),
            fetched: Mutex::default(),
            wheel_metadata,
        })
    }

    /// Downloads a file for resolution (a wheel's METADATA, an sdist to
    /// read statically) and reads it into memory. Failures are kept for
    /// [`Remote::download`] to hand to the scan, and so are the bytes
    /// when there is no cache (within [`KEEP_BYTES`]).
    fn read(&self, file: &DistFile) -> std::result::Result<artifact::Package, String> {
        self.status.set_message(format!(
            "resolving: {} · reading the dependencies in {}",
            self.looked_up(),
            assay::report::printable(&file.filename, 60)
        ));
        let downloaded = self.client.download(file);
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
                let text = error.to_string();
                if keep {
                    kept.files
                        .insert(file.url.clone(), (file.hashes.clone(), Err(error)));
                }
                return Err(text);
            }
        };
        drop(kept);
        artifact::open_bytes(&file.filename, bytes, &self.limits)
            .map_err(|e| format!("{}: {e}", file.filename))
    }

    /// Downloads every planned file, `--jobs` at a time (at most 8), with a
    /// bar on `progress`. Files already fetched while resolving (checked
    /// against the same digests) are not fetched again: their bytes, or
    /// their failure, are taken from memory, or from the cache.
    fn download(
        &self,
        plan: &[Planned],
        jobs: Option<std::num::NonZeroUsize>,
        progress: &Progress,
    ) -> Vec<Fetched> {
        let mut kept = std::mem::take(&mut *self.kept.lock().expect("kept lock"));
        let mut results: Vec<Option<Fetched>> = plan
            .iter()
            .map(|item| {
                kept.files
                    .remove(&item.file.url)
                    .filter(|(hashes, _)| *hashes == item.file.hashes)
                    .map(|(_, downloaded)| downloaded)
            })
            .collect();
        drop(kept);
        let missing: Vec<usize> = (0..plan.len()).filter(|&i| results[i].is_none()).collect();
        let files: Vec<DistFile> = missing.iter().map(|&i| plan[i].file.clone()).collect();
        let bar = progress.bar("downloading", files.len() as u64);
        if !files.is_empty() {
            progress.show(&bar);
        }
        let jobs = jobs.map_or(4, |n| n.get()).clamp(1, 8);
        let earlier = self.fetched.lock().expect("fetched lock").clone();
        let fetched_this_run = |url: &str| earlier.contains(url);
        let fetched = self.client.download_all(
            &files,
            jobs,
            &progress::on_download(&bar, &fetched_this_run),
        );
        bar.finish_and_clear();
        for (i, result) in missing.into_iter().zip(fetched) {
            results[i] = Some(result);
        }
        results
            .into_iter()
            .map(|r| r.expect("every planned file has a result"))
            .collect()
    }

    /// `12 projects looked up`, for the spinner.
    fn looked_up(&self) -> String {
        let count = self.listings.lock().expect("listing lock").len();
        format!(
            "{count} project{} looked up",
            if count == 1 { "" } else { "s" }
        )
    }

    /// The newest versions on the index of a project already looked up,
    /// newest last (`2.31.0, 2.32.0, 2.32.3`), with the count of older ones.
    fn available_versions(&self, name: &str) -> Option<String> {
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

    fn listing(&self, name: &str) -> std::result::Result<ProjectListing, String> {
        let key = assay_index::normalize_name(name);
        if let Some(found) = self.listings.lock().expect("listing lock").get(&key) {
            return found.clone();
        }
        self.status.set_message(format!(
            "resolving: {} · looking up {}",
            self.looked_up(),
            assay::report::printable(name, 60)
        ));
        let found = self.client.project(name).map_err(|e| e.to_string());
        self.listings
            .lock()
            .expect("listing lock")
            .insert(key, found.clone());
        found
    }

    fn plan_resolved(
        &self,
        roots: &[Requirement],
        constraints: &[Requirement],
        no_deps: bool,
        pre: bool,
        plan: &mut Vec<Planned>,
        outcome: &mut Outcome,
    ) {
        let Outcome {
            reports,
            local,
            warnings,
            noted,
        } = outcome;
        let options = ResolveOptions {
            no_deps,
            prereleases: pre,
        };
        let resolution = match assay_deps::resolve(roots, constraints, &self.env, self, options) {
            Ok(resolution) => resolution,
            Err(error) => {
                let what: Vec<String> = roots.iter().map(|r| r.req.to_string()).collect();
                let mut message = format!("cannot resolve: {error}");
                if matches!(error, assay_deps::ResolveError::Conflict(_)) {
                    for root in roots {
                        if let Some(versions) = self.available_versions(root.name().as_ref()) {
                            message.push_str(&format!(
                                " Available versions of {}: {versions}.",
                                root.name()
                            ));
                        }
                    }
                }
                reports.push(ArtifactReport::unreadable(
                    Path::new(&what.join(" ")),
                    message,
                ));
                return;
            }
        };
        // Each warning goes into the notes of the release that raised it;
        // those of releases with no file in the scan are told apart.
        let mut unattached = resolution.warnings.clone();
        for direct in &resolution.direct {
            match &direct.source {
                Source::LocalPath(path) | Source::Editable(path) => local.push(path.clone()),
                Source::Url(url) | Source::Vcs(url) => reports.push(ArtifactReport::unreadable(
                    Path::new(url),
                    format!(
                        "{}: a URL or VCS requirement is not on an index and was not fetched; scan the archive or checkout itself",
                        direct.label()
                    ),
                )),
                Source::Index => {}
            }
        }
        if roots.iter().any(|r| !r.hashes.is_empty()) {
            for root in roots.iter().filter(|r| r.hashes.is_empty()) {
                warnings.push(format!(
                    "{}: pip will refuse this file: a --hash on any line puts pip in hash-checking mode, where every requirement needs a --hash, and `{}` has none",
                    root.origin, root.req
                ));
            }
        }
        let pins: HashMap<String, &Requirement> = roots
            .iter()
            .filter(|r| !r.hashes.is_empty())
            .map(|r| (assay_index::normalize_name(r.name().as_ref()), r))
            .collect();
        for resolved in &resolution.packages {
            let name = resolved.name.as_ref();
            let listing = match self.listing(name) {
                Ok(listing) => listing,
                Err(error) => {
                    reports.push(ArtifactReport::unreadable(Path::new(name), error));
                    continue;
                }
            };
            let exact = roots.iter().any(|r| {
                r.name() == &resolved.name
                    && r.specifiers()
                        .is_some_and(|s| s.iter().any(|s| s.operator().to_string() == "=="))
            });
            let files: Vec<DistFile> = listing.files().into_iter().cloned().collect();
            let selection = Selection {
                all_files: self.all_files,
                include_yanked: exact,
            };
            let chosen =
                assay_index::select_files(&files, &resolved.version, &self.tags, selection);
            if chosen.is_empty() {
                reports.push(ArtifactReport::unreadable(
                    Path::new(&format!("{name}=={}", resolved.version)),
                    "no file of this release can be scanned for this platform".to_owned(),
                ));
                continue;
            }
            let mut notes = Vec::new();
            if listing.on_several_indexes() {
                notes.push(format!(
                    "`{name}` exists on more than one configured index ({}): a dependency-confusion risk; make sure the one you install from is the one you mean",
                    listing.found_on().join(", ")
                ));
            }
            if let Some(note) = &resolved.deps_note {
                notes.push(format!("dependencies not known statically: {note}"));
            }
            for warning in &resolved.warnings {
                notes.push(format!("dependency not scanned: {warning}"));
                unattached.retain(|w| w != warning);
                noted.push(warning.clone());
            }
            let pin = pins.get(&assay_index::normalize_name(name));
            // pip's hash-checking mode installs only a file whose digest
            // is pinned: the others of the release are not candidates.
            // When the index gives no digest to choose by, every file is
            // kept and checked once downloaded.
            let matches_pin = |file: &DistFile| {
                pin.is_none_or(|pin| {
                    file.sha256().is_none_or(|sha| {
                        pin.hashes
                            .iter()
                            .any(|h| h.algorithm == "sha256" && h.digest.eq_ignore_ascii_case(sha))
                    })
                })
            };
            let (chosen, unpinned): (Vec<&DistFile>, Vec<&DistFile>) =
                if chosen.iter().any(|f| matches_pin(f)) {
                    chosen.into_iter().partition(|f| matches_pin(f))
                } else {
                    (chosen, Vec::new())
                };
            if let (Some(pin), false) = (pin, unpinned.is_empty()) {
                let names: Vec<&str> = unpinned.iter().map(|f| f.filename.as_str()).collect();
                warnings.push(format!(
                    "{}: not scanned: {} (no --hash on this line matches, so pip would not install {})",
                    pin.origin,
                    names.join(", "),
                    if names.len() == 1 { "it" } else { "them" }
                ));
            }
            for file in chosen {
                let mut notes = notes.clone();
                if let Some(reason) = &file.yanked {
                    notes.push(if reason.is_empty() {
                        "this release is yanked".to_owned()
                    } else {
                        format!("this release is yanked: {reason}")
                    });
                }
                plan.push(Planned {
                    file: file.clone(),
                    index: index_of(&listing, file),
                    required_by: resolved.via.iter().map(|chain| chain.join(" → ")).collect(),
                    notes,
                    pinned: pin.map(|r| r.hashes.clone()).unwrap_or_default(),
                    pinned_by: pin.map(|r| r.origin.to_string()),
                });
            }
        }
        warnings.extend(unattached);
        // A release whose dependencies could not be read: what it requires
        // is missing from the scan, which is therefore incomplete.
        let unread = self.unread.lock().expect("unread lock");
        for resolved in &resolution.packages {
            let key = release_key(resolved.name.as_ref(), &resolved.version);
            if let Some(reason) = unread.get(&key) {
                reports.push(ArtifactReport::unreadable(
                    Path::new(&key),
                    format!(
                        "its dependencies could not be read, so they are not in this scan: {reason}"
                    ),
                ));
            }
        }
    }

    fn plan_locked(&self, package: &LockedPackage, plan: &mut Vec<Planned>, outcome: &mut Outcome) {
        let Outcome { reports, local, .. } = outcome;
        let name = package.name.as_ref();
        let why = format!(
            "{} {name} {}",
            package.origin,
            display_version(package.version.as_ref())
        );
        match &package.source {
            Source::LocalPath(path) | Source::Editable(path) => {
                local.push(path.clone());
                return;
            }
            Source::Url(url) | Source::Vcs(url)
                if package.files.iter().all(|f| f.url.is_none()) =>
            {
                reports.push(ArtifactReport::unreadable(
                    Path::new(url),
                    format!("{why}: a URL or VCS source is not on an index and was not fetched"),
                ));
                return;
            }
            _ => {}
        }
        let pinned_hashes = |file: &assay_deps::LockedFile| file.hashes.clone();
        let with_urls: Vec<&assay_deps::LockedFile> =
            package.files.iter().filter(|f| f.url.is_some()).collect();
        if !with_urls.is_empty() {
            let mut candidates: Vec<(DistFile, &assay_deps::LockedFile)> = Vec::new();
            for locked in with_urls {
                let url = locked.url.clone().unwrap_or_default();
                let filename = locked
                    .filename
                    .clone()
                    .unwrap_or_else(|| url.rsplit('/').next().unwrap_or(&url).to_owned());
                let filename = filename
                    .split(['#', '?'])
                    .next()
                    .unwrap_or(&filename)
                    .to_owned();
                let parsed = assay_index::parse_filename(&filename, name);
                let hashes: BTreeMap<String, String> = locked
                    .hashes
                    .iter()
                    .map(|h| (h.algorithm.clone(), h.digest.clone()))
                    .collect();
                let file = DistFile {
                    filename,
                    url,
                    hashes,
                    requires_python: None,
                    yanked: None,
                    core_metadata: MetadataAvailability::default(),
                    upload_time: None,
                    size: None,
                    version: parsed.version.or_else(|| package.version.clone()),
                    kind: parsed.kind,
                };
                candidates.push((file, locked));
            }
            // What this platform and Python would install, as for names
            // (--all-files: every file the lock lists).
            let files: Vec<DistFile> = candidates.iter().map(|(f, _)| f.clone()).collect();
            let chosen: Vec<&DistFile> = match &package.version {
                Some(version) if !self.all_files => assay_index::select_files(
                    &files,
                    version,
                    &self.tags,
                    Selection {
                        all_files: false,
                        include_yanked: true,
                    },
                ),
                _ => files.iter().collect(),
            };
            // A lock whose files none fits this platform: all are scanned
            // rather than none.
            let chosen: Vec<&str> = if chosen.is_empty() {
                files.iter().map(|f| f.url.as_str()).collect()
            } else {
                chosen.iter().map(|f| f.url.as_str()).collect()
            };
            for (file, locked) in &candidates {
                if !chosen.contains(&file.url.as_str()) {
                    continue;
                }
                plan.push(Planned {
                    file: file.clone(),
                    index: package.index.clone(),
                    required_by: vec![why.clone()],
                    notes: Vec::new(),
                    pinned: pinned_hashes(locked),
                    pinned_by: Some(package.origin.to_string()),
                });
            }
            return;
        }
        // Lockfiles that name files (or only digests) but no URLs: find
        // them on the index by name and digest.
        let listing = match self.listing(name) {
            Ok(listing) => listing,
            Err(error) => {
                let removed = if error.contains("no project named") {
                    " — it is locked but no longer on the index; removed packages are often removed malware"
                } else {
                    ""
                };
                reports.push(ArtifactReport::unreadable(
                    Path::new(name),
                    format!("{why}: {error}{removed}"),
                ));
                return;
            }
        };
        let Some(version) = &package.version else {
            reports.push(ArtifactReport::unreadable(
                Path::new(name),
                format!("{why}: the lockfile gives no version"),
            ));
            return;
        };
        let release = match listing.release(version) {
            Ok(files) => files,
            Err(error) => {
                reports.push(ArtifactReport::unreadable(
                    Path::new(name),
                    format!("{why}: {error} — it is locked but no longer on the index; removed releases are often removed malware"),
                ));
                return;
            }
        };
        let digests: Vec<&assay_deps::Hash> =
            package.files.iter().flat_map(|f| &f.hashes).collect();
        let names: Vec<&str> = package
            .files
            .iter()
            .filter_map(|f| f.filename.as_deref())
            .collect();
        let mut any = false;
        for file in release {
            let by_name = names.contains(&file.filename.as_str());
            let by_digest = digests.iter().any(|h| {
                file.hashes
                    .get(&h.algorithm)
                    .is_some_and(|d| d.eq_ignore_ascii_case(&h.digest))
            });
            let default_choice = assay_index::select_files(
                std::slice::from_ref(file),
                version,
                &self.tags,
                Selection {
                    all_files: self.all_files,
                    include_yanked: true,
                },
            )
            .len()
                == 1;
            // The lock's files (by name or digest), narrowed to what this
            // platform would install (--all-files: all of them).
            let wanted = (by_name || by_digest) && default_choice;
            if !wanted {
                continue;
            }
            any = true;
            plan.push(Planned {
                file: file.clone(),
                index: index_of(&listing, file),
                required_by: vec![why.clone()],
                notes: Vec::new(),
                pinned: digests.iter().map(|h| (*h).clone()).collect(),
                pinned_by: Some(package.origin.to_string()),
            });
        }
        if !any {
            reports.push(ArtifactReport::unreadable(
                Path::new(name),
                format!("{why}: no file on the index matches the lockfile's digests"),
            ));
        }
    }

    /// The dependencies of one release, read without running anything:
    /// PEP 658 metadata, else a wheel's METADATA, else the sdist read
    /// statically.
    fn release_dependencies(
        &self,
        name: &str,
        version: &Version,
    ) -> std::result::Result<DistDeps, SourceError> {
        let listing = self.listing(name).map_err(SourceError::Other)?;
        let files = listing
            .release(version)
            .map_err(|e| SourceError::Other(e.to_string()))?;
        let mut wheels: Vec<&DistFile> = files
            .iter()
            .copied()
            .filter(|f| matches!(f.kind, DistKind::Wheel { .. }))
            .collect();
        // A wheel for this platform first, pure ones next.
        wheels.sort_by_key(|f| match &f.kind {
            DistKind::Wheel { tags, .. } => self
                .tags
                .iter()
                .position(|t| tags.contains(t))
                .unwrap_or(usize::MAX),
            _ => usize::MAX,
        });
        // What could not be read, file by file: the next source is tried.
        let mut failures = Vec::new();
        if let Some(wheel) = wheels.first() {
            if let Ok(Some(metadata)) = self.client.core_metadata(wheel) {
                return Ok(assay_deps::deps_from_core_metadata(&metadata));
            }
            let remembered = self.wheel_metadata.as_ref().zip(wheel.sha256());
            if let Some((cache, sha256)) = remembered
                && let Lookup::Hit(metadata) = cache.get_bytes(&sha256.to_ascii_lowercase())
            {
                return Ok(assay_deps::deps_from_core_metadata(&metadata));
            }
            match self.read(wheel) {
                Ok(package) => {
                    let metadata = package.files.iter().find(|f| {
                        f.path.ends_with(".dist-info/METADATA") && f.path.matches('/').count() == 1
                    });
                    if let (Some((cache, sha256)), Some(file)) = (remembered, metadata) {
                        cache.put_bytes(&sha256.to_ascii_lowercase(), &file.data);
                    }
                    return Ok(match metadata {
                        Some(file) => assay_deps::deps_from_core_metadata(&file.data),
                        None => DistDeps::unknown(format!("{} has no METADATA", wheel.filename)),
                    });
                }
                Err(error) => failures.push(error),
            }
        }
        if let Some(sdist) = files.iter().find(|f| matches!(f.kind, DistKind::Sdist)) {
            match self.read(sdist) {
                Ok(package) => {
                    let files: Vec<(&str, &[u8])> = package
                        .files
                        .iter()
                        .map(|f| (f.path.as_str(), f.data.as_slice()))
                        .collect();
                    return Ok(assay_deps::deps_from_sdist(&files));
                }
                Err(error) => failures.push(error),
            }
        }
        if failures.is_empty() {
            return Ok(DistDeps::unknown(
                "the release has neither a wheel nor an sdist",
            ));
        }
        // Resolution goes on without them: one release's unreadable files
        // must not stop the scan of everything else. The scan reports the
        // release as not fully covered (see plan_resolved).
        let reason = failures.join("; ");
        self.unread
            .lock()
            .expect("unread lock")
            .insert(release_key(name, version), reason.clone());
        Ok(DistDeps::unknown(format!(
            "its files could not be read: {reason}"
        )))
    }
}

/// `name==version`, normalised.
fn release_key(name: &str, version: &Version) -> String {
    format!("{}=={version}", assay_index::normalize_name(name))
}

impl PackageSource for Remote {
    fn versions(&self, name: &PackageName) -> std::result::Result<Vec<Candidate>, SourceError> {
        let listing = match self.listing(name.as_ref()) {
            Ok(listing) => listing,
            Err(error) if error.contains("no project named") => {
                return Err(SourceError::NotFound(name.to_string()));
            }
            Err(error) => return Err(SourceError::Other(error)),
        };
        let mut by_version: BTreeMap<Version, (bool, Option<String>)> = BTreeMap::new();
        for file in listing.files() {
            let Some(version) = &file.version else {
                continue;
            };
            let entry = by_version
                .entry(version.clone())
                .or_insert((true, file.requires_python.clone()));
            entry.0 &= file.yanked.is_some();
        }
        Ok(by_version
            .into_iter()
            .map(|(version, (yanked, requires_python))| Candidate {
                version,
                yanked,
                requires_python: requires_python.and_then(|r| r.parse().ok()),
            })
            .collect())
    }

    fn dependencies(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> std::result::Result<DistDeps, SourceError> {
        self.release_dependencies(name.as_ref(), version)
    }
}

fn index_of(listing: &ProjectListing, file: &DistFile) -> Option<String> {
    listing
        .files_by_index()
        .into_iter()
        .find(|(_, f)| f.url == file.url)
        .map(|(index, _)| index.to_owned())
}

fn display_version(version: Option<&Version>) -> String {
    version.map_or_else(|| "(no version)".to_owned(), ToString::to_string)
}

/// `assay cache clean` and `assay cache dir`.
pub fn cache_command(args: &CacheArgs) -> Result<Status> {
    let dir = match &args.cache_dir {
        Some(dir) => dir.clone(),
        None => Cache::default_dir()?,
    };
    let mut output = Output::open(None, crate::args::ColorWhen::Never)?;
    let line = match args.action {
        CacheAction::Dir => dir.display().to_string(),
        CacheAction::Clean => {
            if !dir.exists() {
                format!("{}: nothing to clean", dir.display())
            } else {
                let stats = Cache::open(dir.clone())?.clean()?;
                format!("{}: removed {stats:?}", dir.display())
            }
        }
    };
    let written = writeln!(output.writer(), "{line}");
    output.finish(written)?;
    Ok(Status::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_sorted_by_what_they_are() {
        let dir = std::env::temp_dir();
        assert_eq!(classify(&dir), Target::Path(dir.clone()));
        assert_eq!(
            classify(Path::new("requests==2.32.3")),
            Target::Requirement("requests==2.32.3".into())
        );
        assert_eq!(
            classify(Path::new("six")),
            Target::Requirement("six".into())
        );
        assert_eq!(
            classify(Path::new("missing/evil-1.0.tar.gz")),
            Target::Path("missing/evil-1.0.tar.gz".into())
        );
        assert_eq!(
            classify(Path::new("evil-1.0.whl")),
            Target::Path("evil-1.0.whl".into())
        );
    }

    #[test]
    fn a_missing_dependency_file_is_a_missing_file_not_a_project() {
        for name in [
            "requirements.txt",
            "dev-requirements.txt",
            "uv.lock",
            "poetry.lock",
            "pyproject.toml",
            "reqs.in",
        ] {
            assert_eq!(
                classify(Path::new(name)),
                Target::Path(name.into()),
                "{name}"
            );
        }
    }

    #[test]
    fn a_txt_argument_that_parses_as_requirements_needs_dash_r() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("dev-requirements.txt");
        std::fs::write(&list, "requests==2.32.3\nsix\n").unwrap();
        assert_eq!(
            classify(&list),
            Target::RequirementsWithoutFlag(list.clone())
        );
        let notes = dir.path().join("notes.txt");
        std::fs::write(&notes, "Remember: the tests need a server.\n").unwrap();
        assert_eq!(classify(&notes), Target::Path(notes.clone()));
    }
}
