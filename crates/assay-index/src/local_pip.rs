//! Asking the user's own pip which index it uses, without running any
//! package code: `python3 -I -m pip config list`, else pip's built-in
//! default read from pip's source file `_internal/models/index.py`.

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

/// The index URL the local pip would use.
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
    let simple = url::join(&url::with_trailing_slash(&base), "simple")
        .ok_or_else(|| format!("pip's default index {base:?} is not a URL"))?;
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
