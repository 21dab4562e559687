//! Which index the user's own pip uses, without running any package code.
//!
//! - [`from_disk`]: read without running anything, when the interpreter is
//!   a standard Linux install or virtualenv whose pip is in its own
//!   `site-packages` and has no site configuration file: pip's built-in
//!   default, from pip's source file `_internal/models/index.py`. Every
//!   other file `pip config list` reads has been read before this is asked
//!   (`crate::config`), so the answer is the one pip would give.
//! - [`index_url`]: otherwise pip is asked, `python3 -I -m pip config
//!   list`, else its built-in default read from the same source file.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::config::{Environment, Source, Sourced, run_with_deadline};
use crate::url;

const LIMIT: Duration = Duration::from_secs(30);

fn python(python: &Path, env: &Environment) -> Command {
    let mut cmd = Command::new(python);
    cmd.env_clear().envs(&env.vars).arg("-I");
    cmd
}

/// The index URL the local pip of the interpreter `python` would use,
/// read from disk; `None` when something is not where a standard install
/// keeps it (then pip is asked, [`index_url`]). Called only when no pip
/// configuration file that [`crate::config`] reads names an index.
pub(crate) fn from_disk(python: &Path) -> Option<Sourced<String>> {
    // pip's file locations elsewhere are not the ones crate::config reads.
    if !cfg!(target_os = "linux") {
        return None;
    }
    let prefix = sys_prefix(python)?;
    // pip's site configuration file: pip reads it, crate::config does not.
    if std::fs::symlink_metadata(prefix.join("pip.conf")).is_ok() {
        return None;
    }
    let file = site_packages(&prefix, python)?
        .join("pip")
        .join("_internal")
        .join("models")
        .join("index.py");
    let text = std::fs::read_to_string(&file).ok()?;
    let value = simple_url(&default_from_source(&text)?)?;
    Some(Sourced {
        value,
        source: Source::PipDefault(file),
    })
}

/// `sys.prefix` of the interpreter `python`, as Python computes it: the
/// virtualenv's folder (where `pyvenv.cfg` is), else the folder above the
/// real executable's `bin/` when it holds the standard library.
fn sys_prefix(python: &Path) -> Option<PathBuf> {
    let venv = python.parent()?.parent()?;
    if venv.join("pyvenv.cfg").is_file() {
        return Some(venv.to_owned());
    }
    let real = std::fs::canonicalize(python).ok()?;
    let prefix = real.parent()?.parent()?.to_owned();
    let library = prefix.join("lib").join(python_dir(&prefix, &real)?);
    library.join("os.py").is_file().then_some(prefix)
}

/// `PREFIX/lib/python3.X/site-packages`.
fn site_packages(prefix: &Path, python: &Path) -> Option<PathBuf> {
    let real = std::fs::canonicalize(python).ok()?;
    Some(
        prefix
            .join("lib")
            .join(python_dir(prefix, &real)?)
            .join("site-packages"),
    )
}

/// The `python3.X` folder of `PREFIX/lib`: the one named after the real
/// executable (`python3.11`), else the only one there.
fn python_dir(prefix: &Path, real: &Path) -> Option<String> {
    let lib = prefix.join("lib");
    if let Some(name) = real.file_name().and_then(|n| n.to_str())
        && name.starts_with("python3.")
        && lib.join(name).is_dir()
    {
        return Some(name.to_owned());
    }
    let mut found = std::fs::read_dir(&lib).ok()?.filter_map(|entry| {
        let name = entry.ok()?.file_name().into_string().ok()?;
        name.starts_with("python3.").then_some(name)
    });
    let only = found.next()?;
    found.next().is_none().then_some(only)
}

/// The simple API under pip's index root (`https://host/` →
/// `https://host/simple`).
fn simple_url(base: &str) -> Option<String> {
    url::join(&url::with_trailing_slash(base), "simple")
}

/// The index URL the local pip would use, asking it.
pub(crate) fn index_url(py: &Path, env: &Environment) -> Result<Sourced<String>, String> {
    let listing = run_with_deadline(python(py, env).args(["-m", "pip", "config", "list"]), LIMIT)
        .map_err(|e| format!("asked the local pip: {e}"))?;
    if let Some((key, value)) = from_config_list(&listing) {
        return Ok(Sourced {
            value,
            source: Source::LocalPip(key),
        });
    }
    let dir = run_with_deadline(
        python(py, env).args(["-c", "import pip,os;print(os.path.dirname(pip.__file__))"]),
        LIMIT,
    )
    .map_err(|e| format!("asked the local pip where it is: {e}"))?;
    let file = PathBuf::from(dir.trim())
        .join("_internal")
        .join("models")
        .join("index.py");
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let base = default_from_source(&text)
        .ok_or_else(|| format!("no default index found in {}", file.display()))?;
    let simple =
        simple_url(&base).ok_or_else(|| format!("pip's default index {base:?} is not a URL"))?;
    Ok(Sourced {
        value: simple,
        source: Source::PipDefault(file),
    })
}

/// Finds `index-url` in `pip config list` output (`:env:` beats `install`
/// beats `global`, as for pip's install command).
pub(crate) fn from_config_list(text: &str) -> Option<(String, String)> {
    let mut best: Option<(u8, String, String)> = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let rank = match key.trim() {
            ":env:.index-url" => 0,
            "install.index-url" => 1,
            "global.index-url" => 2,
            _ => continue,
        };
        let v = value.trim();
        let v = v
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .or_else(|| v.strip_prefix('"').and_then(|v| v.strip_suffix('"')))
            .unwrap_or(v)
            .trim();
        if v.is_empty() {
            continue;
        }
        if best.as_ref().is_none_or(|(r, _, _)| rank < *r) {
            best = Some((rank, key.trim().to_owned(), v.to_owned()));
        }
    }
    best.map(|(_, k, v)| (k, v))
}

/// The first string literal of the `PyPI = PackageIndex(` call in pip's
/// `models/index.py`.
pub(crate) fn default_from_source(text: &str) -> Option<String> {
    let start = text.find("PyPI = PackageIndex(")?;
    let rest = &text[start..];
    let q = rest.find(['"', '\''])?;
    let quote = rest[q..].chars().next()?;
    let body = &rest[q + 1..];
    let end = body.find(quote)?;
    let value = &body[..end];
    url::split(value).map(|_| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pip_config_list() {
        let out = "global.index-url='https://mirror.example/simple'\ninstall.index-url=\"http://127.0.0.1:9/simple\"\nglobal.timeout='5'\n";
        assert_eq!(
            from_config_list(out),
            Some((
                "install.index-url".into(),
                "http://127.0.0.1:9/simple".into()
            ))
        );
        assert_eq!(from_config_list("global.timeout='5'\n"), None);
    }

    #[test]
    fn reads_the_default_from_pip_source() {
        let src = "class PackageIndex:\n    pass\n\n\nPyPI = PackageIndex(\n    \"https://mirror.example/\", file_storage_domain=\"files.mirror.example\"\n)\nTestPyPI = PackageIndex(\"https://test.mirror.example/\")\n";
        assert_eq!(
            default_from_source(src).as_deref(),
            Some("https://mirror.example/")
        );
        assert_eq!(default_from_source("nothing here"), None);
    }
}
