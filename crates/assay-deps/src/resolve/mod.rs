//! Static resolution of requirements with PubGrub.

mod explain;
mod markers;
mod provider;
mod ranges;
mod release_deps;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{MarkerEnvironment, PackageName};
use pubgrub::{DefaultStringReporter, PubGrubError, Reporter};

pub use markers::{Platform, host_marker_environment, marker_environment};

use crate::metadata::DistDeps;
use crate::model::{Requirement, Source};
use provider::{Pkg, Provider};

/// One release the index offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// Its version.
    pub version: Version,
    /// PEP 592 yanked (chosen only when pinned with `==`).
    pub yanked: bool,
    /// `Requires-Python` of the release, when the index says.
    pub requires_python: Option<VersionSpecifiers>,
}

/// An error of a [`PackageSource`].
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The index does not know the name.
    #[error("package `{0}` is not on the index")]
    NotFound(String),
    /// Anything else (network, malformed page…).
    #[error("{0}")]
    Other(String),
}

/// Where the resolver learns versions and dependencies.
pub trait PackageSource {
    /// Every release of `name`, in any order.
    fn versions(&self, name: &PackageName) -> Result<Vec<Candidate>, SourceError>;
    /// What is statically known of the dependencies of `name` `version`.
    fn dependencies(&self, name: &PackageName, version: &Version) -> Result<DistDeps, SourceError>;
}

/// Options of [`resolve`].
#[derive(Clone, Debug, Default)]
pub struct ResolveOptions {
    /// Resolve only the roots, not their dependencies.
    pub no_deps: bool,
    /// Allow pre-releases everywhere (`--pre`).
    pub prereleases: bool,
}

/// One resolved package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// Normalised name.
    pub name: PackageName,
    /// Chosen version.
    pub version: Version,
    /// Extras selected for it.
    pub extras: Vec<String>,
    /// Requirement chains from a root, shortest first, e.g.
    /// `["requirements.txt:3 foo>=1", "foo 1.2 requires bar<2"]`.
    pub via: Vec<Vec<String>>,
    /// Partial or missing dependency knowledge of this release.
    pub deps_note: Option<String>,
    /// Warnings raised by this release's dependencies (a direct URL
    /// dependency that was not resolved from the index); also in
    /// [`Resolution::warnings`].
    pub warnings: Vec<String>,
}

/// The result of [`resolve`].
#[derive(Clone, Debug, Default)]
pub struct Resolution {
    /// Resolved packages, sorted by name.
    pub packages: Vec<Resolved>,
    /// Roots that do not come from the index (URL, VCS, local, editable):
    /// not resolved; requirements on their names are taken as satisfied.
    pub direct: Vec<Requirement>,
    /// Things the user should know (skipped URL dependencies…), raised by
    /// the chosen releases only: a release tried and abandoned while
    /// backtracking does not warn.
    pub warnings: Vec<String>,
}

/// Why resolution failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// No set of versions satisfies the requirements; pubgrub's explanation.
    #[error("no solution: {0}")]
    Conflict(String),
    /// A required name is unknown to the index.
    #[error("package `{name}` is not on the index (required by {required_by})")]
    UnknownPackage {
        /// The name.
        name: String,
        /// The requirement that asked for it.
        required_by: String,
    },
    /// The package source failed.
    #[error("{package}: {source}")]
    Source {
        /// The package being looked up.
        package: String,
        /// The cause.
        #[source]
        source: SourceError,
    },
    /// The Python version given for the marker environment is invalid.
    #[error("invalid Python version `{0}`")]
    InvalidPython(String),
    /// The resolution was too large.
    #[error("resolution stopped: {0}")]
    Limit(String),
}

/// Resolves `roots` under `constraints` for `env`, asking `source` for
/// versions and dependencies; never runs package code.
pub fn resolve(
    roots: &[Requirement],
    constraints: &[Requirement],
    env: &MarkerEnvironment,
    source: &dyn PackageSource,
    opts: ResolveOptions,
) -> Result<Resolution, ResolveError> {
    let mut direct = Vec::new();
    let mut index_roots = Vec::new();
    for root in roots {
        if !root.req.evaluate_markers(env, &[]) {
            continue;
        }
        if root.source == Source::Index {
            index_roots.push(root.clone());
        } else {
            direct.push(root.clone());
        }
    }
    let external: HashSet<PackageName> = direct.iter().map(|r| r.name().clone()).collect();
    let provider = Provider::new(&index_roots, constraints, env, source, &opts, external)?;
    let solved = match pubgrub::resolve(&provider, Pkg::Root, Version::new([0])) {
        Ok(solution) => solution,
        Err(PubGrubError::NoSolution(tree)) => {
            // One line: the explanation's sentences follow each other.
            let report = DefaultStringReporter::report_with_formatter(&tree, &explain::Explain)
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            return Err(ResolveError::Conflict(report));
        }
        Err(PubGrubError::ErrorChoosingVersion { source, .. })
        | Err(PubGrubError::ErrorRetrievingDependencies { source, .. })
        | Err(PubGrubError::ErrorInShouldCancel(source)) => return Err(source),
    };
    let raised = provider.take_warnings();

    // Requirement chains over the chosen versions.
    let selected: HashMap<&Pkg, &Version> = solved.iter().collect();
    let edges = provider.edges();
    let mut parents: HashMap<PackageName, Vec<(Option<PackageName>, String)>> = HashMap::new();
    let mut seen: HashSet<(PackageName, Option<PackageName>, &str)> = HashSet::new();
    for ((from, version), list) in edges.iter() {
        if selected.get(from).copied() != Some(version) {
            continue;
        }
        for (to, label) in list {
            let Some(to_name) = to.name() else { continue };
            if !selected.contains_key(to) || from.name() == Some(to_name) {
                continue;
            }
            let parent = from.name().cloned();
            if seen.insert((to_name.clone(), parent.clone(), label)) {
                parents
                    .entry(to_name.clone())
                    .or_default()
                    .push((parent, label.clone()));
            }
        }
    }
    let shortest = shortest_chains(&parents);
    let mut extras: BTreeMap<PackageName, Vec<String>> = BTreeMap::new();
    let mut versions: BTreeMap<PackageName, Version> = BTreeMap::new();
    for (pkg, version) in &solved {
        match pkg {
            Pkg::Root => {}
            Pkg::Base(name) => {
                versions.insert(name.clone(), version.clone());
            }
            Pkg::Extra(name, extra) => extras
                .entry(name.clone())
                .or_default()
                .push(extra.to_string()),
        }
    }
    // Warnings of the chosen releases only, in the order raised.
    let mut warnings = Vec::new();
    let mut by_package: HashMap<PackageName, Vec<String>> = HashMap::new();
    for (from, version, message) in raised {
        if selected.get(&from).copied() != Some(&version) {
            continue;
        }
        if let Some(name) = from.name() {
            by_package
                .entry(name.clone())
                .or_default()
                .push(message.clone());
        }
        warnings.push(message);
    }
    let notes = provider.notes();
    let mut packages = Vec::new();
    for (name, version) in versions {
        let mut via = Vec::new();
        if let Some(list) = parents.get(&name) {
            for (parent, label) in list.iter().take(5) {
                let mut chain = match parent {
                    Some(p) => shortest.get(p).cloned().unwrap_or_default(),
                    None => Vec::new(),
                };
                chain.push(label.clone());
                via.push(chain);
            }
        }
        via.sort_by_key(Vec::len);
        let mut extra_list = extras.remove(&name).unwrap_or_default();
        extra_list.sort();
        packages.push(Resolved {
            deps_note: notes.get(&(name.clone(), version.clone())).cloned(),
            warnings: by_package.remove(&name).unwrap_or_default(),
            name,
            version,
            extras: extra_list,
            via,
        });
    }
    Ok(Resolution {
        packages,
        direct,
        warnings,
    })
}

/// For every package, its shortest chain from a root (BFS over parents).
fn shortest_chains(
    parents: &HashMap<PackageName, Vec<(Option<PackageName>, String)>>,
) -> HashMap<PackageName, Vec<String>> {
    let mut children: HashMap<Option<PackageName>, Vec<(PackageName, String)>> = HashMap::new();
    for (child, list) in parents {
        for (parent, label) in list {
            children
                .entry(parent.clone())
                .or_default()
                .push((child.clone(), label.clone()));
        }
    }
    for list in children.values_mut() {
        list.sort();
    }
    let mut out: HashMap<PackageName, Vec<String>> = HashMap::new();
    let mut queue: VecDeque<(PackageName, Vec<String>)> = VecDeque::new();
    for (child, label) in children.get(&None).into_iter().flatten() {
        if !out.contains_key(child) {
            out.insert(child.clone(), vec![label.clone()]);
            queue.push_back((child.clone(), vec![label.clone()]));
        }
    }
    while let Some((node, chain)) = queue.pop_front() {
        for (child, label) in children.get(&Some(node)).into_iter().flatten() {
            if out.contains_key(child) {
                continue;
            }
            let mut next = chain.clone();
            next.push(label.clone());
            out.insert(child.clone(), next.clone());
            queue.push_back((child.clone(), next));
        }
    }
    out
}
