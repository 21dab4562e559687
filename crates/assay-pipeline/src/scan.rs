//! Scanning what is about to be installed: names on an index,
//! requirements files, pyproject.toml and lockfiles. Resolution is static
//! (assay-deps), downloads are hash-checked and cached (assay-index), and
//! every artifact's report says why it was scanned.
//!
//! Nothing here runs package code: dependencies come from wheel metadata,
//! PEP 658 files, or the static reading of an sdist.

use std::path::PathBuf;
use std::sync::Arc;

use assay::artifact::{self, Limits};
use assay::scan::Provenance;
use assay::{ArtifactReport, Scanner};
use assay_deps::InputKind;

use crate::error::SetupError;
use crate::fetch::{Fetched, Fetcher};
use crate::inputs::gather;
use crate::observer::{Observer, Stage};
use crate::options::{self, ScanOptions};
use crate::plan::{Planned, merge_identical};
use crate::resolve::Resolver;
use crate::result_cache::{self, Lookup, ResultCache};
use crate::served_metadata;
use crate::verdicts::VerdictStore;

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

/// Scans the index-backed targets (`requirements`, as texts) and
/// dependency `inputs`, telling `observer` how it goes (resolving,
/// downloading, scanning).
pub fn scan(
    options: &ScanOptions,
    scanner: &Scanner,
    requirements: &[String],
    inputs: &[(PathBuf, InputKind)],
    observer: &dyn Observer,
) -> Result<Outcome, SetupError> {
    let mut outcome = Outcome::default();
    let target = crate::platform::scan_target(options)?;
    let gathered = gather(
        requirements,
        &options.constraints,
        inputs,
        &crate::platform::parse_options(options, &target),
        options.pre,
        &mut outcome,
    )?;
    if gathered.roots.is_empty() && gathered.locked.is_empty() {
        return Ok(outcome);
    }
    if let (Some(flag), Some((url, path))) = (&options.index.index_url, &gathered.index_from_input)
        && flag != url
    {
        outcome.warnings.push(format!(
            "{} sets --index-url {}; the command line's --index-url {} is used instead (pip would use the file's)",
            path.display(),
            assay_index::without_credentials(url),
            assay_index::without_credentials(flag),
        ));
    }

    observer.stage(if gathered.roots.is_empty() {
        Stage::LookingUpLocked
    } else {
        Stage::Resolving
    });
    let config = options.index.index_config(
        gathered.index_from_input.map(|(url, _)| url),
        gathered.extra_indexes,
    )?;
    let cache = options.index.cache()?;
    let wheel_metadata = cache
        .as_ref()
        .and_then(|cache| ResultCache::wheel_metadata(cache).ok());
    let client = options::client(config, cache)?;
    let crate::platform::ScanTarget { env, tags } = target;
    let fetcher = Fetcher::new(client, options.limits, observer);
    let resolver = Resolver::new(&fetcher, tags, env, options.all_files, wheel_metadata);
    let mut plan: Vec<Planned> = Vec::new();
    if !gathered.roots.is_empty() {
        resolver.plan_resolved(
            &gathered.roots,
            &gathered.constraints,
            options.no_deps,
            gathered.pre,
            &mut plan,
            &mut outcome,
        );
    }
    for package in &gathered.locked {
        resolver.plan_locked(package, &mut plan, &mut outcome);
    }
    plan_build_dependencies(&resolver, gathered.pre, options, &mut plan, &mut outcome);
    observer.resolved();
    let merged = merge_identical(plan);

    let cache = if options.index.no_cache {
        None
    } else {
        fetcher.client().cache()
    };
    let yara = scanner.yara_rules().map(|rules| rules.digest());
    let results = match cache.map(|cache| ResultCache::open(cache, &options.limits, yara)) {
        Some(Ok(results)) => Some(results),
        Some(Err(error)) => {
            outcome
                .warnings
                .push(format!("scan results are not cached: {error}"));
            None
        }
        None => None,
    };
    let verdicts = VerdictStore::new(results, 0);
    // A file whose published (or locked) digest has a trusted result for
    // this engine is not read at all: its verdict is the cached one.
    let mut answered = Vec::new();
    let mut to_fetch = Vec::new();
    // A wheel whose PEP 658 metadata the resolver read is downloaded even
    // then: its METADATA is checked against that file.
    for item in merged {
        let served = fetcher.served_metadata(&item.file.url).is_some();
        match cached_verdict(&verdicts, &item).filter(|_| !served) {
            Some(report) => answered.push(finish_report(report, item, Vec::new())),
            None => to_fetch.push(item),
        }
    }
    let files: Vec<&assay_index::DistFile> = to_fetch.iter().map(|item| &item.file).collect();
    let downloads = fetcher.download(&files, options.jobs);
    observer.expect(answered.len() + to_fetch.len());
    observer.scanning();
    for report in &answered {
        observer.scanned(&report.target);
    }
    let scanned: Vec<ArtifactReport> = {
        use rayon::prelude::*;
        to_fetch
            .into_par_iter()
            .zip(downloads)
            .map(|(item, download)| {
                let served = fetcher.served_metadata(&item.file.url);
                let report = scan_download(
                    scanner,
                    &options.limits,
                    &verdicts,
                    item,
                    download,
                    served.as_deref(),
                );
                observer.scanned(&report.target);
                report
            })
            .collect()
    };
    outcome.reports.extend(answered);
    outcome.reports.extend(scanned);
    Ok(outcome)
}

/// Most rounds of build dependencies of build dependencies followed.
const BUILD_ROUNDS: usize = 3;

/// Plans the build dependencies of what is built from source when
/// installed: the releases resolved from their sdist (they have no wheel)
/// and the local projects. Each project's `[build-system] requires` (or
/// pip's setuptools fallback) is resolved on its own, as an installer's
/// isolated build environment is, and planned with a note saying it is a
/// build dependency. Their own sdist-only releases are followed in turn,
/// up to [`BUILD_ROUNDS`] rounds.
fn plan_build_dependencies(
    resolver: &Resolver<'_, '_>,
    pre: bool,
    options: &ScanOptions,
    plan: &mut Vec<Planned>,
    outcome: &mut Outcome,
) {
    if options.no_deps {
        return;
    }
    let mut pending = resolver.take_build_requires();
    for local in &outcome.local {
        if local.is_dir() {
            let built = local.display().to_string();
            let origin = assay_deps::Origin::new(format!("{built} build-system.requires"), 0);
            let (requires, _) = assay_deps::build_requires_of_folder(local, &origin);
            pending.push(crate::resolve::BuildRequires { built, requires });
        }
    }
    let mut seen: std::collections::HashSet<Vec<String>> = std::collections::HashSet::new();
    for _ in 0..BUILD_ROUNDS {
        if pending.is_empty() {
            break;
        }
        for build in std::mem::take(&mut pending) {
            let mut key: Vec<String> = build.requires.iter().map(|r| r.req.to_string()).collect();
            key.sort();
            if build.requires.is_empty() || !seen.insert(key) {
                continue;
            }
            let before = plan.len();
            let mut sub = Outcome::default();
            resolver.plan_resolved(&build.requires, &[], false, pre, plan, &mut sub);
            for item in &mut plan[before..] {
                item.notes.push(format!(
                    "build dependency: installed and run when {} is built from source",
                    build.built
                ));
            }
            // What cannot be resolved or found is said, but is not an
            // error of the scan: the project itself was scanned.
            for report in sub.reports {
                outcome.warnings.push(format!(
                    "build dependencies of {} not scanned: {}: {}",
                    build.built,
                    report.target.display(),
                    report.errors.join("; ")
                ));
            }
            outcome.local.extend(sub.local);
            outcome.warnings.extend(sub.warnings);
            outcome.noted.extend(sub.noted);
        }
        pending = resolver.take_build_requires();
    }
}

/// The cached report of a planned file, found by the digest its index
/// page or lockfile declares, when that digest satisfies the file's pins.
/// The bytes are not read: a verdict is about bytes of that digest, and
/// any read of the file checks it against the same digest.
fn cached_verdict(verdicts: &VerdictStore, item: &Planned) -> Option<ArtifactReport> {
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
    match verdicts.get(&declared) {
        Lookup::Hit(report) => Some(Arc::unwrap_or_clone(*report)),
        // Scanned again when downloaded, with the note.
        Lookup::Miss | Lookup::Forged => None,
    }
}

/// Scans the bytes of a file named `filename` whose SHA-256 is `sha256`:
/// the report, with the digest and size set. A file that cannot be opened
/// is an unreadable report.
pub fn scan_bytes(
    scanner: &Scanner,
    limits: &Limits,
    filename: &str,
    bytes: Vec<u8>,
    sha256: &str,
) -> ArtifactReport {
    open_and_scan(scanner, limits, filename, bytes, sha256, |_| ()).0
}

/// [`scan_bytes`], handing the opened package to `inspect` too.
fn open_and_scan<T: Default>(
    scanner: &Scanner,
    limits: &Limits,
    filename: &str,
    bytes: Vec<u8>,
    sha256: &str,
    inspect: impl FnOnce(&artifact::Package) -> T,
) -> (ArtifactReport, T) {
    let target = PathBuf::from(filename);
    let size = bytes.len() as u64;
    let (mut report, seen) = match artifact::open_bytes(filename, bytes, limits) {
        Ok(package) => (scanner.scan_package(&package), inspect(&package)),
        Err(error) => (
            ArtifactReport::unreadable(&target, error.to_string()),
            T::default(),
        ),
    };
    report.target = target;
    report.sha256 = Some(sha256.to_owned());
    report.size = Some(size);
    (report, seen)
}

/// The path and bytes of a wheel's `METADATA`.
fn metadata_of(package: &artifact::Package) -> Option<(String, Vec<u8>)> {
    served_metadata::wheel_metadata(package).map(|f| (f.path.clone(), f.data.to_vec()))
}

fn scan_download(
    scanner: &Scanner,
    limits: &Limits,
    verdicts: &VerdictStore,
    item: Planned,
    download: Fetched,
    served: Option<&[u8]>,
) -> ArtifactReport {
    let target = PathBuf::from(&item.file.filename);
    let mut notes = Vec::new();
    // The wheel's METADATA, read only when there is a served file to check.
    let mut inside = None;
    let mut report = match download {
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
                let cached = match verdicts.get(&download.sha256) {
                    Lookup::Hit(report) => Some(Arc::unwrap_or_clone(*report)),
                    Lookup::Forged => {
                        notes.push(result_cache::FORGED_NOTE.to_owned());
                        None
                    }
                    Lookup::Miss => None,
                };
                match cached {
                    Some(report) => {
                        if served.is_some() {
                            inside =
                                artifact::open_bytes(&item.file.filename, download.bytes, limits)
                                    .ok()
                                    .and_then(|package| metadata_of(&package));
                        }
                        report
                    }
                    None => {
                        let sha256 = download.sha256.clone();
                        let (report, metadata) = open_and_scan(
                            scanner,
                            limits,
                            &item.file.filename,
                            download.bytes,
                            &sha256,
                            |package| served.and_then(|_| metadata_of(package)),
                        );
                        inside = metadata;
                        // Not cloned when the store keeps nothing in memory.
                        let report = Arc::new(report);
                        verdicts.put(&sha256, report.clone());
                        Arc::unwrap_or_clone(report)
                    }
                }
            }
        }
    };
    // After the verdict store: the finding is about the index's file too.
    if let (Some(served), Some((path, inside))) = (served, inside) {
        served_metadata::check(&mut report, served, &path, &inside);
    }
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
