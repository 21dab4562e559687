//! The scan: open an artifact, analyse its Python in parallel, run the rules,
//! judge. Every failure becomes an error on that artifact's report; a panic
//! inside one artifact's analysis is caught and reported the same way.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::artifact::{
    self, ArtifactKind, ContainerFormat, FileData, Limits, Package, PackageFile,
};
use crate::carriers::{self, Carriers};
use crate::environment::{self, EnvironmentError, InstalledOrigin};
use crate::finding::{Finding, Severity};
use std::collections::{HashMap, HashSet};

use crate::python::{self, ExecContext, FileAnalysis, FileRole};
use crate::rules::{self, FileInfo, FileKind, PackageFacts};
use crate::schedule::{self, HeavyLane};
use crate::verdict::{self, Verdict};

/// What assay found in one artifact.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ArtifactReport {
    /// The path as given.
    pub target: PathBuf,
    pub kind: Option<ArtifactKind>,
    pub format: Option<ContainerFormat>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub sha256: Option<String>,
    pub size: Option<u64>,
    pub stats: ScanStats,
    /// `None` when the artifact could not be read at all.
    pub verdict: Option<Verdict>,
    /// Sorted by path, line, then rule.
    pub findings: Vec<Finding>,
    /// Problems reading or analysing the artifact. A non-empty list means the
    /// scan may be incomplete.
    pub errors: Vec<String>,
    /// For an installed distribution (or a site-packages folder's unowned
    /// files): where it is installed and how that was found.
    pub installed: Option<InstalledOrigin>,
    /// For an artifact fetched from a package index: where from, and why
    /// it was scanned.
    #[serde(default)]
    pub provenance: Option<Provenance>,
    /// What the package's functions do with their parameters, kept so
    /// that packages scanned together see each other's
    /// ([`crate::flows::link`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flows: Option<std::sync::Arc<crate::flows::PackageFlows>>,
    /// Findings the user accepted (a configuration file's ignore entry, a
    /// baseline), each once, by index in `findings`. They stay in the
    /// report, marked; the verdict is that of the other findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<Suppression>,
}

/// A finding the user accepted, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Suppression {
    /// The finding's index in the report's `findings`.
    pub finding: usize,
    /// What accepted it.
    pub kind: SuppressionKind,
    /// The reason given (an ignore entry's `reason`, or which baseline).
    pub reason: String,
}

/// What accepted a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressionKind {
    /// An ignore entry of the configuration file.
    Config,
    /// The finding is in the baseline report given with `--baseline`.
    Baseline,
}

impl SuppressionKind {
    /// `config` or `baseline`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Config => "config",
            SuppressionKind::Baseline => "baseline",
        }
    }
}

impl ArtifactReport {
    /// The suppression of the finding at `index`, if it was accepted.
    pub fn suppression_of(&self, index: usize) -> Option<&Suppression> {
        self.suppressed.iter().find(|s| s.finding == index)
    }
}

/// Where a downloaded artifact came from and why it is in the scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Provenance {
    /// The URL it was downloaded from (without credentials).
    pub url: Option<String>,
    /// The index that listed it.
    pub index: Option<String>,
    /// Why it was scanned: each chain of requirements from what the user
    /// asked for to this distribution (`requirements.txt:3 app>=1 → app
    /// 1.0 requires helper`).
    pub required_by: Vec<String>,
    /// Facts about where it came from that need attention: the name is on
    /// more than one index, the release is yanked, the index gave no
    /// digest to check.
    pub notes: Vec<String>,
}

/// Counts for throughput figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ScanStats {
    pub files: usize,
    pub python_files: usize,
    /// Bytes of Python source analysed.
    pub python_bytes: u64,
}

/// A configured scanner; cheap to share between threads.
#[derive(Debug, Clone, Default)]
pub struct Scanner {
    limits: Limits,
    /// The user's YARA rules, compiled once and shared by every scan.
    yara: Option<std::sync::Arc<crate::yara::YaraRules>>,
}

impl Scanner {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Matches these YARA rules too (rule AY990).
    pub fn yara(mut self, rules: std::sync::Arc<crate::yara::YaraRules>) -> Self {
        self.yara = Some(rules);
        self
    }

    /// The YARA rules matched too, if any.
    pub fn yara_rules(&self) -> Option<&crate::yara::YaraRules> {
        self.yara.as_deref()
    }

    /// The analysis budget of each Python file (see
    /// [`python::AnalysisLimits`]); the other limits stay as they are.
    pub fn analysis_limits(mut self, analysis: python::AnalysisLimits) -> Self {
        self.limits.analysis = analysis;
        self
    }

    /// Tokens of one Python file handed to the parser.
    pub fn max_parse_tokens(mut self, tokens: usize) -> Self {
        self.limits.analysis.max_parse_tokens = tokens;
        self
    }

    /// Syntax nodes walked in one Python file.
    pub fn max_walk_nodes(mut self, nodes: usize) -> Self {
        self.limits.analysis.max_walk_nodes = nodes;
        self
    }

    /// Bytes of constants built while analysing one Python file.
    pub fn max_constant_bytes(mut self, bytes: usize) -> Self {
        self.limits.analysis.max_constant_bytes = bytes;
        self
    }

    /// Findings of one rule listed for one artifact; the rest are counted
    /// in one summary finding.
    pub fn max_findings_per_rule(mut self, findings: usize) -> Self {
        self.limits.max_findings_per_rule = findings;
        self
    }

    /// Facts recorded for one Python file.
    pub fn max_facts(mut self, facts: usize) -> Self {
        self.limits.analysis.max_facts = facts;
        self
    }

    /// Scans many artifacts in parallel. Reports come back in input order;
    /// `on_done` is called as each finishes (for progress bars).
    pub fn scan_paths(
        &self,
        paths: &[PathBuf],
        on_done: impl Fn(&ArtifactReport) + Sync,
    ) -> Vec<ArtifactReport> {
        paths
            .par_iter()
            .map(|path| {
                let report = self.scan_path(path);
                on_done(&report);
                report
            })
            .collect()
    }

    /// Scans many artifacts in parallel, handing each report to `sink` as
    /// soon as it is finished, with its position in `paths`. Nothing is
    /// kept: an artifact's contents and analysis are freed before its
    /// report is handed over, and what the sink keeps is its own choice.
    /// At most one artifact per worker is in memory, and large artifacts
    /// are scanned one at a time (see `schedule.rs`); the sink is called
    /// from the artifact threads, in the order artifacts finish.
    pub fn scan_paths_into(&self, paths: &[PathBuf], sink: impl Fn(usize, ArtifactReport) + Sync) {
        schedule::each_path(
            paths,
            |path, lane| self.scan_path_in(path, Some(lane)),
            sink,
        );
    }

    /// Scans one file or folder. Never panics.
    pub fn scan_path(&self, path: &Path) -> ArtifactReport {
        self.scan_path_in(path, None)
    }

    /// Scans one file or folder, taking a place in `lane` while it is
    /// large. Never panics.
    fn scan_path_in(&self, path: &Path, lane: Option<&HeavyLane>) -> ArtifactReport {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let place = lane.map(|lane| lane.before_reading(path));
            let package = match artifact::open(path, &self.limits) {
                Ok(package) => package,
                Err(error) => return ArtifactReport::unreadable(path, error.to_string()),
            };
            let place = lane
                .zip(place)
                .map(|(lane, p)| lane.after_reading(&package, p));
            // The package is freed before the next large one may start.
            let report = self.scan_owned_package(package);
            drop(place);
            report
        }));
        outcome.unwrap_or_else(|panic| ArtifactReport::unreadable(path, panic_message(&panic)))
    }

    /// Analyses a package already in memory.
    pub fn scan_package(&self, package: &Package) -> ArtifactReport {
        let known = Known::of(package);
        let analyses = package
            .files
            .par_iter()
            .zip(known.inventory.par_iter())
            .filter_map(|(file, info)| self.first_analysis(&known, file, info))
            .collect();
        self.finish(package, known, analyses)
    }

    /// [`Scanner::scan_package`] on a package the scan owns: as each Python
    /// file is analysed, its bytes are shared with its analysis, which
    /// holds the very same bytes as its source text, so that each source
    /// is in memory once. The report is the same.
    pub fn scan_owned_package(&self, mut package: Package) -> ArtifactReport {
        let known = Known::of(&package);
        let analyses = package
            .files
            .par_iter_mut()
            .zip(known.inventory.par_iter())
            .filter_map(|(file, info)| {
                let analysis = self.first_analysis(&known, file, info)?;
                if *analysis.source.as_bytes() == *file.data {
                    file.data = FileData::Shared(Arc::clone(&analysis.source));
                }
                Some(analysis)
            })
            .collect();
        self.finish(&package, known, analyses)
    }

    /// The analysis of one file in the role it has, when it is Python.
    fn first_analysis(
        &self,
        known: &Known,
        file: &PackageFile,
        info: &FileInfo,
    ) -> Option<FileAnalysis> {
        let role = known.roles.role(&file.path, info.kind, &file.data)?;
        Some(analyze_guarded(
            &file.path,
            &file.data,
            role,
            &[],
            known.installs,
            &self.limits.analysis,
        ))
    }

    /// Everything after the first analysis of each Python file: files
    /// analysed again or in another role, YARA, flows, rules, the verdict.
    fn finish(
        &self,
        package: &Package,
        known: Known,
        mut analyses: Vec<FileAnalysis>,
    ) -> ArtifactReport {
        let Known {
            pure_wheel,
            inventory,
            roles,
            installs,
            carriers,
        } = known;
        let budget = &self.limits.analysis;
        // Bytecode without its source is analysed as the source it was.
        let paths: HashSet<&str> = package.files.iter().map(|f| f.path.as_str()).collect();
        analyses.extend(carriers::recovered::analyses(&carriers, &roles, &paths));
        // Data files the package reads and executes are code, run in the
        // context of their reader.
        let executed = carriers::data_files::executed(package, &analyses);
        analyses.extend(executed.into_iter().filter_map(|(path, role)| {
            let file = package.files.iter().find(|f| f.path == path)?;
            let mut analysis = analyze_guarded(&file.path, &file.data, role, &[], installs, budget);
            analysis.notes.push(python::AnalysisNote::ExecutedDataFile);
            Some(analysis)
        }));
        // Archives put on `sys.path` (a zip appended to an image): their
        // modules are imported like the package's own.
        let members = carriers::path_archives::imported_members(package, &analyses);
        analyses.extend(
            members
                .into_iter()
                .map(|m| analyze_guarded(&m.path, &m.data, m.role, &[], installs, budget)),
        );
        // Modules the install itself imports or runs execute at install
        // time, and functions a module calls on import run on import:
        // analyse those files again in that role.
        let mut helpers = install_helpers(package, &analyses);
        for (file, functions) in import_entry_points(package, &analyses) {
            let entry = helpers
                .entry(file)
                .or_insert((FileRole::Module, Vec::new()));
            entry.1.extend(functions);
        }
        if !helpers.is_empty() {
            let prefix = package.sdist_prefix().unwrap_or("");
            analyses.par_iter_mut().for_each(|analysis| {
                let relative = analysis.path.strip_prefix(prefix).unwrap_or(&analysis.path);
                let movable = matches!(analysis.role, Some(FileRole::Module | FileRole::Script));
                if let Some((role, functions)) = helpers.get(relative).filter(|_| movable) {
                    // A file moved only for its functions keeps its role.
                    let role = match role {
                        FileRole::Module => analysis.role.unwrap_or(*role),
                        _ => *role,
                    };
                    let file = package.files.iter().find(|f| f.path == analysis.path);
                    if let Some(file) = file {
                        *analysis = analyze_guarded(
                            &file.path, &file.data, role, functions, installs, budget,
                        );
                    }
                }
            });
        }

        // What the package's functions return reaches their callers in
        // other modules.
        crate::flows::returns::link(&mut analyses);

        let (yara, yara_errors) = match &self.yara {
            Some(rules) => rules.scan_package(package, &analyses),
            None => Default::default(),
        };
        let mut facts = PackageFacts {
            flows: None,
            kind: package.kind,
            file_name: package.source.file_name().and_then(|n| n.to_str()),
            pure_wheel,
            metadata: package.metadata.as_ref(),
            anomalies: &package.anomalies,
            inventory: &inventory,
            python: &analyses,
            carriers: &carriers,
            yara: &yara,
        };
        // The flows across the package are built while the rules that do
        // not read them run; then the rules that do.
        let (flows, before) = rayon::join(
            || crate::flows::PackageFlows::of(&analyses, package.metadata.as_ref()),
            || rules::check_selected(&facts, |rule| !rule.reads_flows()),
        );
        facts.flows = Some(&flows);
        let after = rules::check_selected(&facts, |rule| rule.reads_flows());
        let mut findings: Vec<_> = before
            .into_iter()
            .zip(after)
            .flat_map(|(a, b)| a.or(b).unwrap_or_default())
            .collect();
        // Tests, docs and examples run only when someone runs them: what
        // they do at run time is at most worth a look.
        let scripts: HashSet<&str> = analyses
            .iter()
            .filter(|a| a.role == Some(FileRole::Script))
            .map(|a| a.path.as_str())
            .collect();
        for f in &mut findings {
            if f.context == Some(ExecContext::Runtime) && scripts.contains(f.location.path.as_str())
            {
                f.severity = f.severity.min(Severity::Medium);
            }
        }
        let prefix = package.sdist_prefix().unwrap_or("");
        carriers::run_points::annotate(&carriers.run_points, &analyses, prefix, &mut findings);
        sort_findings(&mut findings);
        findings.dedup();
        let findings =
            crate::findings_cap::cap_per_rule(findings, self.limits.max_findings_per_rule);

        let mut errors = package.errors.clone();
        errors.extend(yara_errors);
        // A site-packages folder's unowned files need not be Python.
        let expects_python = package.kind != ArtifactKind::Installed;
        if expects_python
            && analyses.is_empty()
            && package.metadata.is_none()
            && !package.files.is_empty()
        {
            errors.push(
                "not a Python package: no Python source, .pth file or package metadata found"
                    .to_owned(),
            );
        }
        errors.extend(
            analyses
                .iter()
                .flat_map(|a| a.notes.iter())
                .filter(|n| matches!(n, python::AnalysisNote::AnalysisFailed { .. }))
                .map(ToString::to_string),
        );
        let stats = ScanStats {
            files: package.files.len(),
            python_files: analyses.len(),
            python_bytes: analyses.iter().map(|a| a.source.len() as u64).sum(),
        };
        // A large package's analyses take a while to free (every fact is
        // its own allocation): all cores free them, not the last one alone.
        analyses.into_par_iter().for_each(drop);
        let meta = package.metadata.as_ref();
        ArtifactReport {
            target: package.source.clone(),
            kind: Some(package.kind),
            format: Some(package.format),
            name: meta.and_then(|m| m.name.clone()),
            version: meta.and_then(|m| m.version.clone()),
            sha256: package.sha256.clone(),
            size: Some(package.size),
            stats,
            verdict: Some(verdict::judge(&findings)),
            findings,
            errors,
            installed: None,
            provenance: None,
            flows: Some(Arc::new(flows)),
            suppressed: Vec::new(),
        }
    }

    /// Scans an installed environment (see [`environment::locate`] for what
    /// `path` may be): one report per installed distribution, then one for
    /// the files of each site-packages folder that no distribution owns.
    /// Distributions are scanned in parallel.
    pub fn scan_environment(&self, path: &Path) -> Result<Vec<ArtifactReport>, EnvironmentError> {
        self.scan_environment_with(path, |_| {})
    }

    /// [`Scanner::scan_environment`], calling `on_done` as each report is
    /// finished (for progress bars).
    pub fn scan_environment_with(
        &self,
        path: &Path,
        on_done: impl Fn(&ArtifactReport) + Sync,
    ) -> Result<Vec<ArtifactReport>, EnvironmentError> {
        let mut reports = Vec::new();
        for site in environment::locate(path)? {
            let inventory = environment::inventory(&site, &self.limits)?;
            let origin = |metadata_dir: Option<&str>| InstalledOrigin {
                site_packages: site.path.clone(),
                prefix: site.prefix.clone(),
                located_by: site.located_by,
                metadata_dir: metadata_dir.map(str::to_owned),
            };
            let finish = |mut report: ArtifactReport, metadata_dir: Option<&str>| {
                report.installed = Some(origin(metadata_dir));
                on_done(&report);
                report
            };
            let (mut distributions, commands): (Vec<ArtifactReport>, Vec<_>) = inventory
                .distributions
                .par_iter()
                .map(|dist| {
                    let mut commands = Vec::new();
                    let mut report = self.guarded(&site.path, || {
                        let package =
                            environment::open_distribution(&inventory, dist, &self.limits);
                        commands = environment::commands::declared(&package);
                        self.scan_package(&package)
                    });
                    let (name, version) = dist.name_from_folder();
                    report.name = report.name.or(name);
                    report.version = report.version.or(version);
                    (finish(report, Some(&dist.metadata_dir)), commands)
                })
                .unzip();
            // Two distributions that install one command: the one installed
            // last replaced the other's script.
            environment::commands::shared(&mut distributions, &commands);
            reports.extend(distributions);
            let unowned = self.guarded(&site.path, || {
                self.scan_package(&environment::open_unowned(&inventory, &self.limits))
            });
            reports.push(finish(unowned, None));
        }
        Ok(reports)
    }

    /// Runs a scan, turning a panic into an error report on `target`.
    fn guarded(&self, target: &Path, scan: impl FnOnce() -> ArtifactReport) -> ArtifactReport {
        catch_unwind(AssertUnwindSafe(scan))
            .unwrap_or_else(|panic| ArtifactReport::unreadable(target, panic_message(&panic)))
    }
}

/// Analyses one file, turning a panic into a note on an empty analysis.
fn analyze_guarded(
    path: &str,
    data: &[u8],
    role: FileRole,
    entry_points: &[(String, ExecContext)],
    installs: bool,
    budget: &python::AnalysisLimits,
) -> FileAnalysis {
    let analysis = catch_unwind(AssertUnwindSafe(|| {
        python::analyze_within(path, data, role, entry_points, installs, budget)
    }));
    analysis.unwrap_or_else(|panic| FileAnalysis {
        path: path.to_owned(),
        role: Some(role),
        notes: vec![python::AnalysisNote::AnalysisFailed {
            path: path.to_owned(),
            cause: panic_message(&panic),
        }],
        ..FileAnalysis::default()
    })
}

/// What is known of a package before its Python is analysed.
struct Known {
    pure_wheel: bool,
    /// Every file's path, size and kind (from its bytes).
    inventory: Vec<FileInfo>,
    roles: python::Roles,
    /// Whether installing the package runs its code.
    installs: bool,
    carriers: Carriers,
}

impl Known {
    fn of(package: &Package) -> Known {
        let inventory = package
            .files
            .iter()
            .map(|f| FileInfo {
                path: f.path.clone(),
                size: f.data.len() as u64,
                kind: FileKind::detect(&f.path, &f.data),
            })
            .collect();
        let roles = python::Roles::of(package);
        Known {
            pure_wheel: is_pure_wheel(package),
            inventory,
            installs: roles.installing_runs_code(),
            roles,
            carriers: Carriers::of(package),
        }
    }
}

/// Files of the package that install-time code imports (role
/// `InstallHelper`) (`from pkg import
/// x` in `setup.py` runs `pkg/__init__.py` and `pkg/x.py`) or runs as a
/// program (`python -m pkg`, `python tool.py`), as paths relative to the
/// package root.
fn install_helpers(
    package: &Package,
    analyses: &[FileAnalysis],
) -> HashMap<String, (FileRole, Vec<(String, ExecContext)>)> {
    let mut modules: Vec<String> = Vec::new();
    let mut scripts: Vec<String> = Vec::new();
    // `setup.py` calling `pkg.hooks.post_install()`: (module, function).
    let mut entry_points: Vec<(String, String)> = Vec::new();
    let installers = analyses
        .iter()
        .filter(|a| matches!(a.role, Some(FileRole::SetupScript | FileRole::BuildBackend)));
    for analysis in installers {
        let install_imports = analysis
            .imports
            .iter()
            .filter(|i| i.context == ExecContext::Install);
        modules.extend(
            install_imports
                .filter(|i| !i.module.starts_with('.'))
                .map(|i| i.module.to_string()),
        );
        for call in analysis
            .calls
            .iter()
            .filter(|c| c.context == ExecContext::Install)
        {
            if !call.is_process() {
                if let Some((module, function)) = call.name.module_and_function() {
                    entry_points.push((module, function.to_owned()));
                }
                continue;
            }
            let Some(command) = call.args.first().and_then(|a| a.printed()) else {
                continue;
            };
            let mut words = command.split_whitespace();
            while let Some(word) = words.next() {
                if word == "-m" {
                    if let Some(module) = words.next() {
                        modules.push(format!("{module}.__main__"));
                    }
                } else if word.ends_with(".py") {
                    scripts.push(word.trim_start_matches("./").to_owned());
                }
            }
        }
    }
    let present = relative_paths(package);
    let files_of = |module: &str| module_files(&present, module);
    let mut helpers: HashMap<String, (FileRole, Vec<(String, ExecContext)>)> = scripts
        .into_iter()
        .filter(|s| present.contains(s.as_str()))
        .map(|s| (s, (FileRole::InstallScript, Vec::new())))
        .collect();
    for module in modules {
        for file in files_of(&module) {
            let role = if file.ends_with("/__main__.py") {
                FileRole::InstallScript
            } else {
                FileRole::InstallHelper
            };
            helpers.entry(file).or_insert((role, Vec::new()));
        }
    }
    for (module, function) in entry_points {
        // The module itself, not its parents, defines the function.
        if let Some(file) = files_of(&module).into_iter().last() {
            let entry = helpers
                .entry(file)
                .or_insert((FileRole::InstallHelper, Vec::new()));
            entry.1.push((function, ExecContext::Install));
        }
    }
    helpers
}

/// The package's file paths relative to its root (an sdist's top folder
/// stripped).
fn relative_paths(package: &Package) -> HashSet<&str> {
    let prefix = package.sdist_prefix().unwrap_or("");
    package
        .files
        .iter()
        .map(|f| f.path.strip_prefix(prefix).unwrap_or(&f.path))
        .collect()
}

/// The files a dotted module name may be, with its parent packages
/// (importing `a.b` runs `a/__init__.py` too), outermost first.
fn module_files(present: &HashSet<&str>, module: &str) -> Vec<String> {
    let parts: Vec<&str> = module.split('.').collect();
    let mut found = Vec::new();
    for root in ["", "src/"] {
        for end in 1..=parts.len() {
            let stem = format!("{root}{}", parts[..end].join("/"));
            for candidate in [format!("{stem}.py"), format!("{stem}/__init__.py")] {
                if present.contains(candidate.as_str()) {
                    found.push(candidate);
                }
            }
        }
    }
    found
}

/// Functions of the package's modules that another module calls at its
/// top level (`from .loader import run` then `run()` in `__init__.py`):
/// they run on import, as paths relative to the package root with the
/// functions each defines.
fn import_entry_points(
    package: &Package,
    analyses: &[FileAnalysis],
) -> HashMap<String, Vec<(String, ExecContext)>> {
    let present = relative_paths(package);
    let prefix = package.sdist_prefix().unwrap_or("");
    let mut out: HashMap<String, Vec<(String, ExecContext)>> = HashMap::new();
    for analysis in analyses.iter().filter(|a| a.role == Some(FileRole::Module)) {
        let relative = analysis.path.strip_prefix(prefix).unwrap_or(&analysis.path);
        // The package a relative import is resolved against.
        let package_of = relative
            .rsplit_once('/')
            .map_or("", |(dir, _)| dir)
            .trim_start_matches("src/")
            .replace('/', ".");
        let calls = analysis
            .calls
            .iter()
            .filter(|c| c.context == ExecContext::Import && c.via.is_none() && !c.is_process());
        for call in calls {
            let Some((module, function)) = call.name.module_and_function() else {
                continue;
            };
            let module = module.as_str();
            let module = match module.strip_prefix('.') {
                // One dot per level up from this file's package.
                Some(rest) => {
                    let up = rest.len() - rest.trim_start_matches('.').len();
                    let mut base: Vec<&str> =
                        package_of.split('.').filter(|p| !p.is_empty()).collect();
                    base.truncate(base.len().saturating_sub(up));
                    let rest = rest.trim_start_matches('.');
                    base.extend(rest.split('.').filter(|p| !p.is_empty()));
                    base.join(".")
                }
                None => module.to_owned(),
            };
            if module.is_empty() {
                continue;
            }
            if let Some(file) = module_files(&present, &module).into_iter().last()
                && file != relative
            {
                out.entry(file)
                    .or_default()
                    .push((function.to_owned(), ExecContext::Import));
            }
        }
    }
    out
}

/// A wheel whose `WHEEL` file says `Root-Is-Purelib: true` and whose tags
/// name no platform.
fn is_pure_wheel(package: &Package) -> bool {
    if package.kind != ArtifactKind::Wheel {
        return false;
    }
    let wheel_file = package
        .files
        .iter()
        .find(|f| f.path.ends_with(".dist-info/WHEEL") && f.path.matches('/').count() == 1);
    match wheel_file {
        Some(f) => {
            let text = String::from_utf8_lossy(&f.data);
            let purelib = text.lines().any(|l| {
                l.split_once(':').is_some_and(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("Root-Is-Purelib")
                        && v.trim().eq_ignore_ascii_case("true")
                })
            });
            let any_platform = text
                .lines()
                .filter_map(|l| l.strip_prefix("Tag:"))
                .all(|tag| tag.trim().ends_with("-any"));
            purelib && any_platform
        }
        None => package
            .source
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with("-any.whl")),
    }
}

impl ArtifactReport {
    /// Adds findings known only after the scan (from other artifacts
    /// scanned with it), in report order, and judges the verdict again.
    pub fn add_findings(&mut self, findings: Vec<Finding>) {
        self.findings.extend(findings);
        sort_findings(&mut self.findings);
        self.verdict = Some(verdict::judge(&self.findings));
    }

    /// The report of an artifact that could not be read at all.
    pub fn unreadable(path: &Path, error: String) -> ArtifactReport {
        ArtifactReport {
            target: path.to_owned(),
            kind: None,
            format: None,
            name: None,
            version: None,
            sha256: None,
            size: None,
            stats: ScanStats::default(),
            verdict: None,
            findings: Vec::new(),
            errors: vec![error],
            installed: None,
            provenance: None,
            flows: None,
            suppressed: Vec::new(),
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    format!("internal error (panic) while scanning: {text}")
}

/// Findings in report order: by path, line, then rule.
fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.location.path, a.location.line, a.rule).cmp(&(
            &b.location.path,
            b.location.line,
            b.rule,
        ))
    });
}
