//! Finding an environment's site-packages folders: from `pyvenv.cfg`, from
//! the folder layout, and only as a last resort by asking the interpreter.

use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::paths::absolute;
use super::{EnvironmentError, LocatedBy, SitePackages, interpreter};

/// Most bytes of `pyvenv.cfg` read: it holds a handful of short lines.
const MAX_PYVENV_CFG: u64 = 64 * 1024;

/// Finds the site-packages folders of the environment at `path`:
///
/// - a folder with `pyvenv.cfg` (a virtual environment): its
///   `lib/pythonX.Y/site-packages` (X.Y from `pyvenv.cfg` when it says),
///   `lib64/…`, or Windows `Lib/site-packages`;
/// - a site-packages folder itself (named `site-packages` or
///   `dist-packages`, or holding `*.dist-info` / `*.egg-info`);
/// - a prefix with the standard layout (`/usr/local`, a conda environment);
/// - a Python interpreter (a file, or a name looked up on `PATH`): the
///   virtual environment or prefix around it (`bin/python` → `..`), and
///   only when that shows no site-packages, the interpreter's own answer,
///   asked with `-I -S` so that nothing of the environment runs.
///
/// Folders reached twice (`lib64` → `lib`) are returned once.
pub fn locate(path: &Path) -> Result<Vec<SitePackages>, EnvironmentError> {
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(_) if fs::symlink_metadata(path).is_err() => {
            let bare = path.components().count() == 1 && path.parent() == Some(Path::new(""));
            return match find_on_path(path).filter(|_| bare) {
                Some(found) => from_interpreter(&found),
                None => Err(EnvironmentError::NotFound {
                    path: path.to_owned(),
                }),
            };
        }
        Err(source) => {
            return Err(EnvironmentError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    if meta.is_dir() {
        from_folder(path)
    } else {
        from_interpreter(path)
    }
}

fn from_folder(path: &Path) -> Result<Vec<SitePackages>, EnvironmentError> {
    let root = absolute(path);
    if root.join("pyvenv.cfg").is_file() {
        return venv(&root);
    }
    if looks_like_site_packages(&root) {
        let prefix = prefix_of(&root).unwrap_or_else(|| root.clone());
        return Ok(vec![SitePackages {
            path: root,
            prefix,
            located_by: LocatedBy::SitePackages,
        }]);
    }
    let found = layout(&root, None, LocatedBy::Layout);
    if found.is_empty() {
        return Err(EnvironmentError::NotAnEnvironment {
            path: path.to_owned(),
            reason: "no pyvenv.cfg, no lib/pythonX.Y/site-packages or Lib/site-packages, \
                     and no *.dist-info or *.egg-info in it"
                .to_owned(),
        });
    }
    Ok(found)
}

/// A virtual environment rooted at `root` (which has `pyvenv.cfg`).
fn venv(root: &Path) -> Result<Vec<SitePackages>, EnvironmentError> {
    let cfg_path = root.join("pyvenv.cfg");
    let mut text = String::new();
    let read = fs::File::open(&cfg_path)
        .and_then(|f| f.take(MAX_PYVENV_CFG).read_to_string(&mut text).map(|_| ()));
    // A pyvenv.cfg that cannot be read as text still marks a venv; only the
    // version hint is lost.
    let version = read.ok().and_then(|()| pyvenv_version(&text));
    let found = layout(root, version.as_deref(), LocatedBy::PyvenvCfg);
    if found.is_empty() {
        return Err(EnvironmentError::NotAnEnvironment {
            path: root.to_owned(),
            reason: "it has pyvenv.cfg but no lib/pythonX.Y/site-packages or Lib/site-packages"
                .to_owned(),
        });
    }
    Ok(found)
}

/// `X.Y` from `pyvenv.cfg`'s `version` (venv) or `version_info`
/// (virtualenv) line.
fn pyvenv_version(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        matches!(key.trim(), "version" | "version_info")
            .then(|| major_minor(value.trim()))
            .flatten()
    })
}

/// `3.12` from `3.12.1`, `3.12.1.final.0` or `3.12`.
fn major_minor(version: &str) -> Option<String> {
    let mut parts = version.split('.');
    let major = parts.next().filter(|p| is_number(p))?;
    let minor = parts.next().filter(|p| is_number(p))?;
    Some(format!("{major}.{minor}"))
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// The site-packages folders under `prefix` in the standard layouts. With
/// a version, only that version's folders (and Windows `Lib/site-packages`).
fn layout(prefix: &Path, version: Option<&str>, located_by: LocatedBy) -> Vec<SitePackages> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    for lib in ["lib", "lib64"] {
        let lib_dir = prefix.join(lib);
        let mut versions: Vec<PathBuf> = match version {
            Some(v) => vec![
                lib_dir.join(format!("python{v}")),
                lib_dir.join(format!("pypy{v}")),
            ],
            None => list_dir(&lib_dir)
                .into_iter()
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("python") || n.starts_with("pypy"))
                })
                .collect(),
        };
        versions.sort();
        for dir in versions {
            candidates.push(dir.join("site-packages"));
            candidates.push(dir.join("dist-packages"));
        }
    }
    candidates.push(prefix.join("Lib").join("site-packages"));
    unique_dirs(candidates)
        .into_iter()
        .map(|path| SitePackages {
            path,
            prefix: prefix.to_owned(),
            located_by,
        })
        .collect()
}

/// The folders of `candidates` that exist, each reached once (compared by
/// their resolved path: `lib64` is often a link to `lib`).
fn unique_dirs(candidates: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut seen = HashSet::new();
    candidates
        .into_iter()
        .filter(|c| c.is_dir())
        .filter(|c| seen.insert(fs::canonicalize(c).unwrap_or_else(|_| c.clone())))
        .collect()
}

fn list_dir(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

/// A folder named `site-packages` / `dist-packages`, or one holding
/// installed distributions' metadata.
fn looks_like_site_packages(dir: &Path) -> bool {
    let named = dir
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n == "site-packages" || n == "dist-packages");
    named
        || list_dir(dir).iter().any(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".dist-info") || n.ends_with(".egg-info"))
        })
}

/// The prefix a site-packages folder's place shows:
/// `<prefix>/lib/pythonX.Y/site-packages`, `<prefix>/lib/python3/dist-packages`
/// or `<prefix>/Lib/site-packages`.
pub(super) fn prefix_of(site_packages: &Path) -> Option<PathBuf> {
    let name = |p: &Path| p.file_name().and_then(|n| n.to_str()).map(str::to_owned);
    let parent = site_packages.parent()?;
    let parent_name = name(parent)?;
    if parent_name == "Lib" {
        return parent.parent().map(Path::to_owned);
    }
    let grandparent = parent.parent()?;
    let is_version_dir = parent_name.starts_with("python") || parent_name.starts_with("pypy");
    let in_lib = matches!(name(grandparent).as_deref(), Some("lib" | "lib64"));
    (is_version_dir && in_lib)
        .then(|| grandparent.parent().map(Path::to_owned))
        .flatten()
}

/// An interpreter: the venv or prefix around it, else its own answer.
fn from_interpreter(path: &Path) -> Result<Vec<SitePackages>, EnvironmentError> {
    let exe = absolute(path);
    let dir = exe.parent().unwrap_or(Path::new("/"));
    let dir_name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
    // `venv/bin/python`, `venv\Scripts\python.exe`; `prefix/python.exe` on
    // Windows.
    let root = match dir_name {
        "bin" | "Scripts" => dir.parent().unwrap_or(dir),
        _ => dir,
    };
    if root.join("pyvenv.cfg").is_file()
        && let Ok(found) = venv(root)
    {
        return Ok(found);
    }
    if let Some(version) = interpreter_version(&exe) {
        let found = layout(root, Some(&version), LocatedBy::Layout);
        if !found.is_empty() {
            return Ok(found);
        }
    }
    interpreter::ask(&exe)
}

/// `X.Y` from the interpreter's file name or the links leading to it
/// (`python3` → `python3.12`).
fn interpreter_version(exe: &Path) -> Option<String> {
    let mut current = exe.to_owned();
    for _ in 0..8 {
        let name = current.file_name()?.to_str()?;
        let stem = name.strip_suffix(".exe").unwrap_or(name);
        if let Some(version) = stem
            .strip_prefix("python")
            .or_else(|| stem.strip_prefix("pypy"))
            .and_then(major_minor)
        {
            return Some(version);
        }
        let target = fs::read_link(&current).ok()?;
        current = match current.parent() {
            Some(parent) => parent.join(target),
            None => target,
        };
    }
    None
}

/// The first executable file called `name` in a folder of `PATH`.
fn find_on_path(name: &Path) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return Some(candidate);
        }
        let exe = candidate.with_extension("exe");
        (cfg!(windows) && exe.is_file()).then_some(exe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_pyvenv_cfg() {
        let venv = "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.12.3\n";
        assert_eq!(pyvenv_version(venv).as_deref(), Some("3.12"));
        let virtualenv = "home = /usr/bin\nversion_info = 3.11.9.final.0\n";
        assert_eq!(pyvenv_version(virtualenv).as_deref(), Some("3.11"));
        assert_eq!(pyvenv_version("home = /x\n"), None);
        assert_eq!(pyvenv_version("version = garbage\n"), None);
    }

    #[test]
    fn prefixes_from_site_packages() {
        let p = |s: &str| prefix_of(Path::new(s));
        assert_eq!(
            p("/v/lib/python3.12/site-packages"),
            Some(PathBuf::from("/v"))
        );
        assert_eq!(
            p("/usr/lib/python3/dist-packages"),
            Some(PathBuf::from("/usr"))
        );
        assert_eq!(p("/v/Lib/site-packages"), Some(PathBuf::from("/v")));
        assert_eq!(p("/somewhere/site-packages"), None);
    }

    #[test]
    fn interpreter_names_give_versions() {
        assert_eq!(
            interpreter_version(Path::new("/x/bin/python3.12")).as_deref(),
            Some("3.12")
        );
        assert_eq!(
            interpreter_version(Path::new("/x/bin/pypy3.10")).as_deref(),
            Some("3.10")
        );
        assert_eq!(interpreter_version(Path::new("/nonexistent/python3")), None);
    }
}
