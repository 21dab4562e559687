//! What a site-packages folder holds: its distributions, the files each
//! one lists, and the files none of them owns.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::paths::{relative, resolve};
use super::read::{ReadProblem, read_inside};
use super::{EnvironmentError, SitePackages};
use crate::artifact::{Limits, Record};

/// Most bytes of one file list (`RECORD`, `installed-files.txt`, …) read.
const MAX_LIST_BYTES: u64 = 64 * 1024 * 1024;

/// Files in site-packages that no distribution lists but that Python or
/// common tools put there: still scanned (a `.pth` file runs whatever its
/// name), but their presence alone is not reported.
const WELL_KNOWN_UNOWNED: &[&str] = &[
    // CPython's placeholder in every site-packages.
    "README.txt",
    "README",
    // virtualenv's start-up hook (`import _virtualenv`).
    "_virtualenv.py",
    "_virtualenv.pth",
    // Legacy setuptools / easy_install path files.
    "easy-install.pth",
    "setuptools.pth",
];

/// How an installed distribution records itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistFormat {
    /// `name-version.dist-info/` with `METADATA` and `RECORD` (wheels, PEP 376).
    DistInfo,
    /// `name-version.egg-info/` with `PKG-INFO` and, from `setup.py install`,
    /// `installed-files.txt`.
    EggInfo,
    /// A lone `name-version.egg-info` file (distutils): metadata only.
    EggInfoFile,
    /// An unzipped egg, `name-version.egg/` with `EGG-INFO/`: every file in
    /// it is the distribution's.
    Egg,
}

/// One file a distribution owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Listed {
    /// Relative to site-packages, `/`-separated (`pkg/a.py`,
    /// `../../../bin/tool`); for paths outside the prefix, as listed.
    pub display: String,
    /// Absolute and lexically normalised.
    pub path: PathBuf,
    /// `algorithm=digest` from `RECORD`.
    pub hash: Option<String>,
    pub size: Option<u64>,
    /// The path leads outside the environment's prefix: never read.
    pub outside: bool,
    /// A listing that names the file (not a guess): its absence is reported.
    pub must_exist: bool,
}

/// One installed distribution.
#[derive(Debug, Clone)]
pub struct Distribution {
    /// Its metadata folder (or file), relative to site-packages:
    /// `requests-2.32.3.dist-info`.
    pub metadata_dir: String,
    pub format: DistFormat,
    /// What its file list came from (`RECORD`, `installed-files.txt`, or
    /// `top_level.txt` when the files had to be guessed).
    pub listing: &'static str,
    /// The core metadata file, relative to site-packages.
    pub(super) metadata_file: String,
    pub(super) files: Vec<Listed>,
    pub(super) record: Option<Record>,
    /// A `*.dist-info` without `RECORD`.
    pub(super) missing_record: bool,
    /// Problems reading its listings.
    pub(super) errors: Vec<String>,
}

impl Distribution {
    /// Name and version from the metadata folder's name
    /// (`requests-2.32.3.dist-info` → `requests`, `2.32.3`), for reports of
    /// distributions whose metadata cannot be read.
    pub fn name_from_folder(&self) -> (Option<String>, Option<String>) {
        let stem = self
            .metadata_dir
            .rsplit_once('.')
            .map_or(self.metadata_dir.as_str(), |(stem, _)| stem);
        let mut parts = stem.splitn(3, '-');
        let name = parts.next().filter(|n| !n.is_empty()).map(str::to_owned);
        let version = parts.next().filter(|v| !v.is_empty()).map(str::to_owned);
        (name, version)
    }
}

/// A site-packages folder's contents.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub site_packages: SitePackages,
    /// Sorted by metadata folder name.
    pub distributions: Vec<Distribution>,
    /// Files no distribution owns, relative to site-packages, sorted.
    pub unowned: Vec<String>,
    /// The subset of `unowned` whose presence alone is not reported.
    pub(super) well_known: HashSet<String>,
    /// Problems listing the folder; they make the unowned-files report
    /// incomplete.
    pub errors: Vec<String>,
    /// The prefix with its links resolved, for containment checks.
    pub(super) canonical_prefix: PathBuf,
}

/// Lists a site-packages folder: its distributions with the files each owns,
/// and the files none owns. `__pycache__` folders are not listed (Python
/// never imports bytecode from them without the source beside them).
/// Symbolic links are listed, never followed.
pub fn inventory(sp: &SitePackages, limits: &Limits) -> Result<Inventory, EnvironmentError> {
    let canonical_prefix = fs::canonicalize(&sp.prefix).map_err(|source| EnvironmentError::Io {
        path: sp.prefix.clone(),
        source,
    })?;
    let top = fs::read_dir(&sp.path).map_err(|source| EnvironmentError::Io {
        path: sp.path.clone(),
        source,
    })?;
    let mut errors = Vec::new();
    let walked = walk(top, limits.max_entries.saturating_mul(10), &mut errors);

    let mut distributions = Vec::new();
    // Top-level names, each with whether it is a folder (walked is sorted,
    // so each folder's files are contiguous).
    let mut tops: Vec<(&str, bool)> = Vec::new();
    for w in &walked {
        let (top, is_dir) = match w.rel.split_once('/') {
            Some((top, _)) => (top, true),
            None => (w.rel.as_str(), false),
        };
        if tops.last() != Some(&(top, is_dir)) {
            tops.push((top, is_dir));
        }
    }
    for (name, is_dir) in tops {
        let path = sp.path.join(name);
        let format = match (is_dir, name.rsplit_once('.').map(|(_, ext)| ext)) {
            (true, Some("dist-info")) => DistFormat::DistInfo,
            (true, Some("egg-info")) => DistFormat::EggInfo,
            (false, Some("egg-info")) if path.is_file() => DistFormat::EggInfoFile,
            (true, Some("egg")) => DistFormat::Egg,
            _ => continue,
        };
        let dist = Distribution::read(sp, &canonical_prefix, name, format, &walked);
        distributions.push(dist);
    }

    let mut owned: HashSet<&str> = HashSet::new();
    for dist in &distributions {
        owned.extend(
            dist.files
                .iter()
                .filter(|f| !f.outside)
                .map(|f| f.display.as_str()),
        );
    }
    let mut unowned: Vec<String> = walked
        .iter()
        .filter(|w| !owned.contains(w.rel.as_str()))
        .map(|w| w.rel.clone())
        .collect();
    // Start-up files beside site-packages (the stdlib folder of a prefix):
    // no distribution installs them.
    if sp.path != sp.prefix
        && let Some(parent) = sp.path.parent()
    {
        for name in ["sitecustomize.py", "usercustomize.py"] {
            if fs::symlink_metadata(parent.join(name)).is_ok() {
                unowned.push(format!("../{name}"));
            }
        }
    }
    unowned.sort();
    let well_known = unowned
        .iter()
        .filter(|rel| WELL_KNOWN_UNOWNED.contains(&rel.as_str()) || is_egg_link(rel))
        .cloned()
        .collect();
    Ok(Inventory {
        site_packages: sp.clone(),
        distributions,
        unowned,
        well_known,
        errors,
        canonical_prefix,
    })
}

/// A legacy `setup.py develop` pointer file at the top level.
fn is_egg_link(rel: &str) -> bool {
    !rel.contains('/') && rel.ends_with(".egg-link")
}

/// One file (or link, or special file) found in site-packages.
#[derive(Debug)]
pub(super) struct Walked {
    /// Relative to site-packages, `/`-separated.
    pub rel: String,
}

/// Lists every non-folder entry under the top listing, depth first, not
/// following links and skipping `__pycache__`, sorted. Stops at `cap`
/// entries with an error.
fn walk(top: fs::ReadDir, cap: usize, errors: &mut Vec<String>) -> Vec<Walked> {
    let mut found = Vec::new();
    let mut pending: Vec<(String, PathBuf)> = Vec::new();
    let mut listing = Some((String::new(), top));
    while let Some((prefix, entries)) = listing.take() {
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    errors.push(format!("{prefix}: cannot list folder: {error}"));
                    continue;
                }
            };
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = format!("{prefix}{name}");
            match entry.file_type() {
                Ok(t) if t.is_dir() => {
                    if name != "__pycache__" {
                        pending.push((format!("{rel}/"), entry.path()));
                    }
                }
                Ok(_) => {
                    if found.len() >= cap {
                        errors.push(format!(
                            "stopped listing site-packages after {cap} files; \
                             files owned by no distribution may be missed"
                        ));
                        return sorted(found);
                    }
                    found.push(Walked { rel });
                }
                Err(error) => errors.push(format!("{rel}: {error}")),
            }
        }
        while listing.is_none() {
            let Some((prefix, dir)) = pending.pop() else {
                break;
            };
            match fs::read_dir(&dir) {
                Ok(entries) => listing = Some((prefix, entries)),
                Err(error) => errors.push(format!("{prefix}: cannot list folder: {error}")),
            }
        }
    }
    sorted(found)
}

fn sorted(mut found: Vec<Walked>) -> Vec<Walked> {
    found.sort_by(|a, b| a.rel.cmp(&b.rel));
    found
}

impl Distribution {
    /// Reads a distribution's file list.
    fn read(
        sp: &SitePackages,
        canonical_prefix: &Path,
        name: &str,
        format: DistFormat,
        walked: &[Walked],
    ) -> Distribution {
        let metadata_file = match format {
            DistFormat::DistInfo => format!("{name}/METADATA"),
            DistFormat::EggInfo => format!("{name}/PKG-INFO"),
            DistFormat::EggInfoFile => name.to_owned(),
            DistFormat::Egg => format!("{name}/EGG-INFO/PKG-INFO"),
        };
        let mut dist = Distribution {
            metadata_dir: name.to_owned(),
            format,
            listing: "",
            metadata_file,
            files: Vec::new(),
            record: None,
            missing_record: false,
            errors: Vec::new(),
        };
        let dir = sp.path.join(name);
        let mut list = |file: &str| -> Option<String> {
            match read_inside(&dir.join(file), canonical_prefix, MAX_LIST_BYTES) {
                Ok(data) => Some(String::from_utf8_lossy(&data).into_owned()),
                Err(ReadProblem::Missing) => None,
                Err(problem) => {
                    dist.errors
                        .push(format!("{name}/{file}: {}", problem.describe()));
                    None
                }
            }
        };
        let mut files: Vec<Listed> = Vec::new();
        let mut guesses: Vec<String> = Vec::new();
        let listing = match format {
            DistFormat::DistInfo => match list("RECORD") {
                Some(text) => {
                    let record = Record::parse(&text);
                    files.extend(record.entries.iter().filter_map(|e| {
                        let listed = listed(sp, &sp.path, &e.path, true)?;
                        Some(Listed {
                            hash: e.hash.clone(),
                            size: e.size,
                            ..listed
                        })
                    }));
                    dist.record = Some(record);
                    "RECORD"
                }
                None => {
                    dist.missing_record = true;
                    guesses.extend(list("top_level.txt").map(lines).unwrap_or_default());
                    "top_level.txt"
                }
            },
            DistFormat::EggInfo => match list("installed-files.txt") {
                Some(text) => {
                    files.extend(
                        lines(text)
                            .iter()
                            .filter_map(|line| listed(sp, &dir, line, true)),
                    );
                    "installed-files.txt"
                }
                None => {
                    // SOURCES.txt names source-tree paths: keep those that
                    // are in site-packages as they are or without `src/`.
                    for line in list("SOURCES.txt").map(lines).unwrap_or_default() {
                        let line = line.strip_prefix("src/").unwrap_or(&line);
                        if walked
                            .binary_search_by(|w| w.rel.as_str().cmp(line))
                            .is_ok()
                        {
                            files.extend(listed(sp, &sp.path, line, false));
                        }
                    }
                    guesses.extend(list("top_level.txt").map(lines).unwrap_or_default());
                    "SOURCES.txt and top_level.txt"
                }
            },
            DistFormat::EggInfoFile => {
                let (dist_name, _) = dist.name_from_folder();
                guesses.extend(dist_name.map(|n| n.replace('-', "_")));
                "its name"
            }
            DistFormat::Egg => "the egg folder",
        };
        dist.listing = listing;

        // Files the guesses name: `top/…`, `top.py`, `top.<tag>.so`.
        for top in guesses
            .iter()
            .filter(|t| !t.is_empty() && !t.contains(".."))
        {
            let module_files = under(walked, top).filter(|w| {
                !w.rel.contains('/')
                    && w.rel
                        .strip_prefix(top.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            });
            let folder = format!("{top}/");
            for w in module_files.chain(under(walked, &folder)) {
                files.extend(listed(sp, &sp.path, &w.rel, false));
            }
        }
        // Everything in the metadata folder (or the egg) is the
        // distribution's, listed or not.
        let own_folder = format!("{name}/");
        let known: HashSet<String> = files.iter().map(|f| f.display.clone()).collect();
        for w in under(walked, &own_folder) {
            if !known.contains(&w.rel) {
                files.extend(listed(sp, &sp.path, &w.rel, false));
            }
        }
        if format == DistFormat::EggInfoFile {
            files.extend(listed(sp, &sp.path, name, true));
        }
        dist.files = files;
        dist
    }
}

/// The walked files whose path starts with `prefix` (`walked` is sorted).
fn under<'a>(walked: &'a [Walked], prefix: &'a str) -> impl Iterator<Item = &'a Walked> {
    let start = walked.partition_point(|w| w.rel.as_str() < prefix);
    walked[start..]
        .iter()
        .take_while(move |w| w.rel.starts_with(prefix))
}

/// A listed path resolved against `base`. `None` for bytecode caches: they
/// are written after the listing, often without a hash, and freely
/// removed.
fn listed(sp: &SitePackages, base: &Path, path: &str, must_exist: bool) -> Option<Listed> {
    if path.split(['/', '\\']).any(|part| part == "__pycache__") {
        return None;
    }
    let resolved = resolve(base, path);
    let outside = !resolved.starts_with(&sp.prefix);
    let display = if outside {
        path.to_owned()
    } else {
        relative(&sp.path, &resolved)
    };
    Some(Listed {
        display,
        path: resolved,
        hash: None,
        size: None,
        outside,
        must_exist,
    })
}

/// The non-empty, trimmed lines of a text file.
fn lines(text: String) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}
