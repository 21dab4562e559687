//! The pubgrub [`DependencyProvider`] over a [`PackageSource`].
//!
//! Packages are the root, base packages, and one virtual package per
//! `(name, extra)` that depends on its base at the same version (uv's
//! scheme), so extras are resolved without mixing their requirements into
//! the base package.

use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::rc::Rc;

use pep440_rs::Version;
use pep508_rs::{ExtraName, MarkerEnvironment, PackageName};
use pubgrub::{
    Dependencies, DependencyConstraints, DependencyProvider, PackageResolutionStatistics,
};

use crate::metadata::DistDeps;
use crate::model::{Requirement, Source};
use crate::resolve::ranges::{Range, intersect_all, range_of};
use crate::resolve::release_deps::ReleaseDeps;
use crate::resolve::{Candidate, PackageSource, ResolveError, ResolveOptions, SourceError};

/// Most dependency look-ups in one resolution.
const MAX_LOOKUPS: usize = 50_000;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Pkg {
    Root,
    Base(PackageName),
    Extra(PackageName, ExtraName),
}

impl Pkg {
    pub(crate) fn name(&self) -> Option<&PackageName> {
        match self {
            Pkg::Root => None,
            Pkg::Base(n) | Pkg::Extra(n, _) => Some(n),
        }
    }
}

impl fmt::Display for Pkg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pkg::Root => write!(f, "the requirements"),
            Pkg::Base(n) => write!(f, "{n}"),
            Pkg::Extra(n, e) => write!(f, "{n}[{e}]"),
        }
    }
}

/// A release's requirements, once read (`None`: not known statically).
type Release = Option<Rc<ReleaseDeps>>;
/// The ranges required of each target by one release, not yet intersected.
type Pending = HashMap<Pkg, Vec<Range>>;
type Edges = HashMap<(Pkg, Version), Vec<(Pkg, String)>>;

pub(crate) struct Provider<'a> {
    roots: Vec<Requirement>,
    constraints: HashMap<PackageName, Range>,
    env: &'a MarkerEnvironment,
    source: &'a dyn PackageSource,
    no_deps: bool,
    prereleases: bool,
    external: HashSet<PackageName>,
    python: Version,
    versions: RefCell<HashMap<PackageName, Rc<Vec<Candidate>>>>,
    edges: RefCell<Edges>,
    notes: RefCell<HashMap<(PackageName, Version), String>>,
    /// Each release's requirements, read once (`None`: not known).
    releases: RefCell<HashMap<(PackageName, Version), Release>>,
    /// Warnings with the package and version whose dependencies raised them.
    warnings: RefCell<Vec<(Pkg, Version, String)>>,
    warned: RefCell<HashSet<(Pkg, Version, String)>>,
    explicit_pre: RefCell<HashSet<PackageName>>,
    required_by: RefCell<HashMap<PackageName, String>>,
    order: RefCell<HashMap<Pkg, u32>>,
    lookups: Cell<usize>,
}

impl<'a> Provider<'a> {
    pub(crate) fn new(
        roots: &[Requirement],
        constraints: &[Requirement],
        env: &'a MarkerEnvironment,
        source: &'a dyn PackageSource,
        opts: &ResolveOptions,
        external: HashSet<PackageName>,
    ) -> Result<Self, ResolveError> {
        let python: Version = env.python_full_version().version.clone();
        let mut ranges: HashMap<PackageName, Vec<Range>> = HashMap::new();
        for c in constraints {
            if !c.req.evaluate_markers(env, &[]) || c.source != Source::Index {
                continue;
            }
            let range = c.specifiers().map_or_else(Range::full, range_of);
            ranges.entry(c.name().clone()).or_default().push(range);
        }
        let map: HashMap<PackageName, Range> = ranges
            .into_iter()
            .map(|(name, list)| (name, intersect_all(list)))
            .collect();
        Ok(Self {
            roots: roots.to_vec(),
            constraints: map,
            env,
            source,
            no_deps: opts.no_deps,
            prereleases: opts.prereleases,
            external,
            python,
            versions: RefCell::default(),
            edges: RefCell::default(),
            notes: RefCell::default(),
            releases: RefCell::default(),
            warnings: RefCell::default(),
            warned: RefCell::default(),
            explicit_pre: RefCell::default(),
            required_by: RefCell::default(),
            order: RefCell::default(),
            lookups: Cell::new(0),
        })
    }

    /// Every warning raised, with the package and version whose
    /// dependencies raised it.
    pub(crate) fn take_warnings(&self) -> Vec<(Pkg, Version, String)> {
        std::mem::take(&mut self.warnings.borrow_mut())
    }

    pub(crate) fn edges(&self) -> Edges {
        self.edges.borrow().clone()
    }

    pub(crate) fn notes(&self) -> HashMap<(PackageName, Version), String> {
        self.notes.borrow().clone()
    }

    fn warn(&self, from: &Pkg, version: &Version, message: String) {
        let entry = (from.clone(), version.clone(), message);
        if self.warned.borrow_mut().insert(entry.clone()) {
            self.warnings.borrow_mut().push(entry);
        }
    }

    fn candidates(&self, name: &PackageName) -> Result<Rc<Vec<Candidate>>, ResolveError> {
        if let Some(found) = self.versions.borrow().get(name) {
            return Ok(Rc::clone(found));
        }
        let mut list = self.source.versions(name).map_err(|e| match e {
            SourceError::NotFound(_) => ResolveError::UnknownPackage {
                name: name.to_string(),
                required_by: self
                    .required_by
                    .borrow()
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| "the requirements".into()),
            },
            other => ResolveError::Source {
                package: name.to_string(),
                source: other,
            },
        })?;
        list.sort_by(|a, b| b.version.cmp(&a.version));
        let list = Rc::new(list);
        self.versions
            .borrow_mut()
            .insert(name.clone(), Rc::clone(&list));
        Ok(list)
    }

    /// Adds `req` (from `from`, labelled) to `out`: the ranges of each
    /// target, intersected all at once by [`finish`].
    fn add(
        &self,
        out: &mut Pending,
        from: &Pkg,
        version: &Version,
        req: &Requirement,
        label: String,
    ) {
        let name = req.name();
        if self.external.contains(name) {
            return;
        }
        if req.source != Source::Index {
            let location = match &req.source {
                Source::Url(url) | Source::Vcs(url) => url.clone(),
                Source::LocalPath(path) | Source::Editable(path) => path.display().to_string(),
                Source::Index => String::new(),
            };
            self.warn(
                from,
                version,
                format!(
                    "{label} @ {location}: a direct URL or path dependency, not resolved from the index"
                ),
            );
            return;
        }
        let range = req.specifiers().map_or_else(Range::full, range_of);
        if req
            .specifiers()
            .is_some_and(|s| s.iter().any(|spec| spec.version().any_prerelease()))
        {
            self.explicit_pre.borrow_mut().insert(name.clone());
        }
        self.required_by
            .borrow_mut()
            .entry(name.clone())
            .or_insert_with(|| label.clone());
        let mut targets = Vec::new();
        if from != &Pkg::Base(name.clone()) {
            targets.push(Pkg::Base(name.clone()));
        }
        targets.extend(
            req.req
                .extras
                .iter()
                .map(|e| Pkg::Extra(name.clone(), e.clone())),
        );
        for target in targets {
            if &target == from {
                continue;
            }
            out.entry(target.clone()).or_default().push(range.clone());
            self.edges
                .borrow_mut()
                .entry((from.clone(), version.clone()))
                .or_default()
                .push((target, label.clone()));
        }
    }

    /// The ranges gathered for each target, intersected, with the
    /// constraints on its name.
    fn finish(&self, pending: Pending) -> DependencyConstraints<Pkg, Range> {
        pending
            .into_iter()
            .map(|(target, mut ranges)| {
                if let Some(c) = target.name().and_then(|n| self.constraints.get(n)) {
                    ranges.push(c.clone());
                }
                (target, intersect_all(ranges))
            })
            .collect()
    }

    /// The requirements of `name` `version`, read once.
    fn release_deps(&self, name: &PackageName, version: &Version) -> Result<Release, ResolveError> {
        let key = (name.clone(), version.clone());
        if let Some(known) = self.releases.borrow().get(&key) {
            return Ok(known.clone());
        }
        let release = self
            .dist_deps(name, version)?
            .map(|requires| Rc::new(ReleaseDeps::new(requires, self.env)));
        self.releases.borrow_mut().insert(key, release.clone());
        Ok(release)
    }

    fn dist_deps(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Option<Vec<Requirement>>, ResolveError> {
        let deps =
            self.source
                .dependencies(name, version)
                .map_err(|source| ResolveError::Source {
                    package: format!("{name} {version}"),
                    source,
                })?;
        match deps {
            DistDeps::Known { requires, note, .. } => {
                if let Some(note) = note {
                    self.notes
                        .borrow_mut()
                        .insert((name.clone(), version.clone()), note);
                }
                Ok(Some(requires))
            }
            DistDeps::Unknown { reason } => {
                self.notes.borrow_mut().insert(
                    (name.clone(), version.clone()),
                    format!("dependencies could not be determined statically: {reason}"),
                );
                Ok(None)
            }
        }
    }
}

impl DependencyProvider for Provider<'_> {
    type P = Pkg;
    type V = Version;
    type VS = Range;
    type M = String;
    type Err = ResolveError;
    type Priority = (u8, u32, Reverse<u32>);

    fn prioritize(
        &self,
        package: &Pkg,
        range: &Range,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        let mut order = self.order.borrow_mut();
        let next = order.len() as u32;
        let seen = *order.entry(package.clone()).or_insert(next);
        let kind = match package {
            Pkg::Root => 3,
            _ if range.as_singleton().is_some() => 2,
            _ => 1,
        };
        (kind, stats.conflict_count(), Reverse(seen))
    }

    fn choose_version(
        &self,
        package: &Pkg,
        range: &Range,
    ) -> Result<Option<Version>, ResolveError> {
        let Some(name) = package.name() else {
            return Ok(Some(Version::new([0])));
        };
        let candidates = self.candidates(name)?;
        let pinned = range.as_singleton();
        let usable = |c: &&Candidate| {
            range.contains(&c.version)
                && (!c.yanked || pinned == Some(&c.version))
                && c.requires_python
                    .as_ref()
                    .is_none_or(|rp| rp.contains(&self.python))
        };
        let allow_pre = self.prereleases || self.explicit_pre.borrow().contains(name);
        let stable = candidates
            .iter()
            .filter(usable)
            .find(|c| allow_pre || !c.version.any_prerelease());
        // Pre-releases only when asked for, or when nothing else satisfies.
        let chosen = stable.or_else(|| candidates.iter().find(usable));
        Ok(chosen.map(|c| c.version.clone()))
    }

    fn get_dependencies(
        &self,
        package: &Pkg,
        version: &Version,
    ) -> Result<Dependencies<Pkg, Range, String>, ResolveError> {
        self.lookups.set(self.lookups.get() + 1);
        if self.lookups.get() > MAX_LOOKUPS {
            return Err(ResolveError::Limit(format!(
                "more than {MAX_LOOKUPS} dependency look-ups"
            )));
        }
        let mut out = Pending::default();
        match package {
            Pkg::Root => {
                for root in &self.roots {
                    self.add(&mut out, package, version, root, root.label());
                }
            }
            Pkg::Base(name) => {
                if self.no_deps {
                    return Ok(Dependencies::Available(self.finish(out)));
                }
                let Some(release) = self.release_deps(name, version)? else {
                    return Ok(Dependencies::Available(self.finish(out)));
                };
                for req in release.base() {
                    let label = format!("{name} {version} requires {}", req.req);
                    self.add(&mut out, package, version, req, label);
                }
            }
            Pkg::Extra(name, extra) => {
                out.entry(Pkg::Base(name.clone()))
                    .or_default()
                    .push(Range::singleton(version.clone()));
                if self.no_deps {
                    return Ok(Dependencies::Available(self.finish(out)));
                }
                let Some(release) = self.release_deps(name, version)? else {
                    return Ok(Dependencies::Available(self.finish(out)));
                };
                for req in release.added_by(extra, self.env) {
                    let label = format!("{name}[{extra}] {version} requires {}", req.req);
                    self.add(&mut out, package, version, req, label);
                }
            }
        }
        Ok(Dependencies::Available(self.finish(out)))
    }
}
