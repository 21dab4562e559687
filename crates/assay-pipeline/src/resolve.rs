//! Static resolution and planning: which files of which releases a scan
//! reads, and why. Dependencies come from PEP 658 metadata, a wheel's
//! `METADATA` (remembered by wheel digest), or the static reading of an
//! sdist; nothing is run.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;

use assay::ArtifactReport;
use assay_deps::pep508_rs::{MarkerEnvironment, PackageName};
use assay_deps::{
    Candidate, DistDeps, LockedPackage, PackageSource, Requirement, ResolveOptions, Source,
    SourceError,
};
use assay_index::{
    DistFile, DistKind, MetadataAvailability, ProjectListing, Selection, Tag, Version,
};

use crate::error::is_not_found;
use crate::fetch::Fetcher;
use crate::plan::Planned;
use crate::result_cache::{Lookup, ResultCache};
use crate::scan::Outcome;

/// Resolves and plans for one run, fetching through a [`Fetcher`].
pub struct Resolver<'f, 'a> {
    fetcher: &'f Fetcher<'a>,
    tags: Vec<Tag>,
    env: MarkerEnvironment,
    all_files: bool,
    /// Releases whose dependencies could not be read because their files
    /// could not be (`name==version` → why).
    unread: Mutex<BTreeMap<String, String>>,
    /// Wheels' `METADATA` by wheel digest: a warm resolution reads no
    /// wheel. `None` without a cache.
    wheel_metadata: Option<ResultCache>,
    /// Build requirements of the releases read from their sdists (no
    /// wheel: an installer builds them, running these), by release.
    build_requires: Mutex<Vec<BuildRequires>>,
}

/// The build requirements of one project or release, and what it is
/// (`app 1.0`, `./localpkg`).
#[derive(Debug, Clone)]
pub struct BuildRequires {
    /// The release or folder built.
    pub built: String,
    /// Its `[build-system] requires` (or pip's fallback).
    pub requires: Vec<assay_deps::Requirement>,
}

impl<'f, 'a> Resolver<'f, 'a> {
    /// A resolver for the platform of `tags` and the markers of `env`.
    pub fn new(
        fetcher: &'f Fetcher<'a>,
        tags: Vec<Tag>,
        env: MarkerEnvironment,
        all_files: bool,
        wheel_metadata: Option<ResultCache>,
    ) -> Resolver<'f, 'a> {
        Resolver {
            fetcher,
            tags,
            env,
            all_files,
            unread: Mutex::default(),
            wheel_metadata,
            build_requires: Mutex::default(),
        }
    }

    /// Keeps the build requirements of `name` `version`, whose sdist's
    /// files are `files`: it is built from source when installed.
    fn note_build_requires(&self, name: &str, version: &Version, files: &[(&str, &[u8])]) {
        let built = format!("{name} {version}");
        let origin = assay_deps::Origin::new(format!("{built} build-system.requires"), 0);
        let (requires, _) = assay_deps::build_requires_of_sdist(files, &origin);
        self.build_requires
            .lock()
            .expect("build lock")
            .push(BuildRequires { built, requires });
    }

    /// The build requirements found since the last call.
    pub fn take_build_requires(&self) -> Vec<BuildRequires> {
        std::mem::take(&mut *self.build_requires.lock().expect("build lock"))
    }

    /// Resolves `roots` under `constraints` and plans the files of every
    /// resolved release: what this platform would install (`all_files`:
    /// every file). What cannot be planned becomes a report in `outcome`.
    pub fn plan_resolved(
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
                if let assay_deps::ResolveError::UnknownPackage { name, .. } = &error {
                    let found = self.fetcher.found_names();
                    let suggestions =
                        crate::suggest::did_you_mean(name, found.iter().map(String::as_str));
                    if let Some(sentence) = crate::suggest::sentence(&suggestions) {
                        message.push(' ');
                        message.push_str(&sentence);
                    }
                }
                if matches!(error, assay_deps::ResolveError::Conflict(_)) {
                    for root in roots {
                        if let Some(versions) =
                            self.fetcher.available_versions(root.name().as_ref())
                        {
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
            let listing = match self.fetcher.listing(name) {
                Ok(listing) => listing,
                Err(error) => {
                    reports.push(ArtifactReport::unreadable(
                        Path::new(name),
                        error.to_string(),
                    ));
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

    /// Plans the files of a locked package: those the lockfile names (by
    /// URL, file name or digest), narrowed to what this platform installs.
    pub fn plan_locked(
        &self,
        package: &LockedPackage,
        plan: &mut Vec<Planned>,
        outcome: &mut Outcome,
    ) {
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
        let listing = match self.fetcher.listing(name) {
            Ok(listing) => listing,
            Err(error) => {
                let removed = if is_not_found(&error) {
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
        // The lock's files (by name or digest), narrowed to what this
        // platform would install, chosen among them together as for a
        // lock with URLs: the best wheel, not every compatible one
        // (--all-files: all of them).
        let locked_files: Vec<DistFile> = release
            .into_iter()
            .filter(|file| {
                let by_name = names.contains(&file.filename.as_str());
                let by_digest = digests.iter().any(|h| {
                    file.hashes
                        .get(&h.algorithm)
                        .is_some_and(|d| d.eq_ignore_ascii_case(&h.digest))
                });
                by_name || by_digest
            })
            .cloned()
            .collect();
        let chosen = assay_index::select_files(
            &locked_files,
            version,
            &self.tags,
            Selection {
                all_files: self.all_files,
                include_yanked: true,
            },
        );
        // A lock whose files none fits this platform: all are scanned
        // rather than none.
        let chosen: Vec<&DistFile> = if chosen.is_empty() {
            locked_files.iter().collect()
        } else {
            chosen
        };
        let any = !chosen.is_empty();
        for file in chosen {
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
        let listing = self
            .fetcher
            .listing(name)
            .map_err(|e| SourceError::Other(e.to_string()))?;
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
        // Wheels only for other platforms: an installer builds the sdist
        // here, so its build requirements run (its dependencies are still
        // read from a wheel, below).
        let installable = wheels.first().is_some_and(|w| match &w.kind {
            DistKind::Wheel { tags, .. } => self.tags.iter().any(|t| tags.contains(t)),
            _ => false,
        });
        if !wheels.is_empty()
            && !installable
            && let Some(sdist) = files.iter().find(|f| matches!(f.kind, DistKind::Sdist))
            && let Ok(package) = self.fetcher.read(sdist)
        {
            self.note_build_requires(name, version, &file_list(&package));
        }
        // What could not be read, file by file: the next source is tried.
        let mut failures = Vec::new();
        if let Some(wheel) = wheels.first() {
            if let Ok(Some(metadata)) = self.fetcher.core_metadata(wheel) {
                return Ok(assay_deps::deps_from_core_metadata(&metadata));
            }
            let remembered = self.wheel_metadata.as_ref().zip(wheel.sha256());
            if let Some((cache, sha256)) = remembered
                && let Lookup::Hit(metadata) = cache.get_bytes(&sha256.to_ascii_lowercase())
            {
                return Ok(assay_deps::deps_from_core_metadata(&metadata));
            }
            match self.fetcher.read(wheel) {
                Ok(package) => {
                    let metadata = crate::served_metadata::wheel_metadata(&package);
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
            match self.fetcher.read(sdist) {
                Ok(package) => {
                    let files = file_list(&package);
                    // Built from source when installed: its build
                    // requirements run too.
                    self.note_build_requires(name, version, &files);
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
        let reason = failures
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
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

impl PackageSource for Resolver<'_, '_> {
    fn versions(&self, name: &PackageName) -> std::result::Result<Vec<Candidate>, SourceError> {
        let listing = match self.fetcher.listing(name.as_ref()) {
            Ok(listing) => listing,
            Err(error) if is_not_found(&error) => {
                return Err(SourceError::NotFound(name.to_string()));
            }
            Err(error) => return Err(SourceError::Other(error.to_string())),
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

/// The files of a package read into memory, as (path, bytes).
fn file_list(package: &assay::artifact::Package) -> Vec<(&str, &[u8])> {
    package
        .files
        .iter()
        .map(|f| (f.path.as_str(), &f.data[..]))
        .collect()
}
