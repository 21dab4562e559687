//! The configuration file, read the way ruff and uv read theirs:
//! `[tool.assay]` in `pyproject.toml`, or the top level of `assay.toml`,
//! found in the current folder or the nearest parent that has one; or a
//! file given with `--config`. Every field is optional; unknown fields are
//! errors. `docs/gate.md` documents each field with its default.

use std::path::{Path, PathBuf};

use assay::VerdictLabel;
use assay_index::normalize_name;
use serde::Deserialize;

use crate::policy::{Ignore, IgnoreError, Policy};

/// What the user writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// The lowest verdict that blocks a file (and fails `scan`):
    /// `malicious` (default), `suspicious` or `never`.
    pub fail_on: Option<FailOn>,
    /// Project names whose files are always blocked.
    pub deny: Option<Vec<String>>,
    /// Serve files that could not be fully scanned (default false).
    pub allow_unscannable: Option<bool>,
    /// Accepted findings, each with a reason.
    pub ignore: Option<Vec<IgnoreOptions>>,
    /// The simple API root to fetch from (default: pip's configuration).
    pub index_url: Option<String>,
    /// Further indexes.
    pub extra_index_url: Option<Vec<String>>,
}

/// The threshold as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailOn {
    /// Block malicious files.
    Malicious,
    /// Block suspicious and malicious files.
    Suspicious,
    /// Block on no verdict (deny list and unscannable files still block).
    Never,
}

impl FailOn {
    /// Every value as written, for command-line parsers.
    pub const NAMES: [&'static str; 3] = ["malicious", "suspicious", "never"];

    /// The lowest verdict that blocks, if any.
    pub fn threshold(self) -> Option<VerdictLabel> {
        match self {
            FailOn::Malicious => Some(VerdictLabel::Malicious),
            FailOn::Suspicious => Some(VerdictLabel::Suspicious),
            FailOn::Never => None,
        }
    }
}

impl std::str::FromStr for FailOn {
    type Err = String;

    fn from_str(text: &str) -> Result<FailOn, String> {
        match text {
            "malicious" => Ok(FailOn::Malicious),
            "suspicious" => Ok(FailOn::Suspicious),
            "never" => Ok(FailOn::Never),
            _ => Err(format!(
                "`{text}` is not one of {}",
                FailOn::NAMES.join(", ")
            )),
        }
    }
}

/// One ignore entry as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct IgnoreOptions {
    /// Project name.
    pub package: Option<String>,
    /// Version or range (`1.2`, `>=1,<2`).
    pub version: Option<String>,
    /// Path inside the artifact.
    pub path: Option<String>,
    /// Rule id or slug.
    pub rule: Option<String>,
    /// SHA-256 of the artifact.
    pub sha256: Option<String>,
    /// Why (mandatory).
    pub reason: String,
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not valid TOML, or not the expected shape (unknown field, wrong type).
    #[error("{path}: {detail}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        detail: String,
    },
    /// A bad ignore entry.
    #[error("{path}: ignore entry {index}: {source}")]
    Ignore {
        /// The file.
        path: PathBuf,
        /// 1-based.
        index: usize,
        /// What is wrong.
        source: IgnoreError,
    },
}

/// Options and the file they came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    /// The options (all `None` when no file was found).
    pub options: Options,
    /// The file read, if any.
    pub path: Option<PathBuf>,
}

/// Reads `path`: `[tool.assay]` when it is named `pyproject.toml` (an
/// absent table gives empty options), else the whole file.
pub fn read(path: &Path) -> Result<Options, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(path, &text).map(|(options, _)| options)
}

/// Parses `text` read from `path`; also says whether the file had assay
/// settings at all (a `pyproject.toml` without `[tool.assay]` has none).
fn parse(path: &Path, text: &str) -> Result<(Options, bool), ConfigError> {
    let bad = |detail: String| ConfigError::Parse {
        path: path.to_owned(),
        detail,
    };
    let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
    if !is_pyproject {
        return toml::from_str::<Options>(text)
            .map(|o| (o, true))
            .map_err(|e| bad(e.to_string()));
    }
    let doc: toml::Table = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
    let Some(table) = doc.get("tool").and_then(|t| t.get("assay")) else {
        return Ok((Options::default(), false));
    };
    let options =
        Options::deserialize(table.clone()).map_err(|e| bad(format!("[tool.assay]: {e}")))?;
    Ok((options, true))
}

/// Finds and reads the configuration for `start`: `assay.toml`, then
/// `pyproject.toml` with a `[tool.assay]` table, in `start` and then each
/// parent folder; the first found wins.
pub fn discover(start: &Path) -> Result<Loaded, ConfigError> {
    for dir in start.ancestors() {
        for name in ["assay.toml", "pyproject.toml"] {
            let path = dir.join(name);
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let (options, relevant) = parse(&path, &text)?;
            if relevant {
                return Ok(Loaded {
                    options,
                    path: Some(path),
                });
            }
        }
    }
    Ok(Loaded::default())
}

/// The configuration: the file given (`--config`), else the one found
/// from `cwd` by [`discover`].
pub fn load(given: Option<&Path>, cwd: &Path) -> Result<Loaded, ConfigError> {
    match given {
        Some(path) => Ok(Loaded {
            options: read(path)?,
            path: Some(path.to_owned()),
        }),
        None => discover(cwd),
    }
}

impl Options {
    /// The policy these options describe; `path` names the file in errors.
    pub fn policy(&self, path: &Path) -> Result<Policy, ConfigError> {
        let defaults = Policy::default();
        let ignore = self
            .ignore
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, e)| {
                Ignore::new(
                    e.package.as_deref(),
                    e.version.as_deref(),
                    e.path.as_deref(),
                    e.rule.as_deref(),
                    e.sha256.as_deref(),
                    &e.reason,
                )
                .map_err(|source| ConfigError::Ignore {
                    path: path.to_owned(),
                    index: i + 1,
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Policy {
            fail_on: self.fail_on.map_or(defaults.fail_on, FailOn::threshold),
            deny: self
                .deny
                .iter()
                .flatten()
                .map(|n| normalize_name(n))
                .collect(),
            ignore,
            allow_unscannable: self.allow_unscannable.unwrap_or(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    #[test]
    fn reads_every_field_from_pyproject() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            dir.path(),
            "pyproject.toml",
            r#"
[project]
name = "app"
[tool.assay]
fail-on = "suspicious"
deny = ["Evil_Pkg"]
allow-unscannable = true
index-url = "http://127.0.0.1:1/simple"
extra-index-url = ["http://127.0.0.1:2/simple"]
[[tool.assay.ignore]]
package = "Demo"
version = ">=1,<2"
rule = "AY301"
reason = "telemetry we accept"
"#,
        );
        let nested = dir.path().join("src/pkg");
        std::fs::create_dir_all(&nested).expect("mkdir");
        let loaded = discover(&nested).expect("reads");
        assert_eq!(loaded.path, Some(dir.path().join("pyproject.toml")));
        let o = &loaded.options;
        assert_eq!(o.fail_on, Some(FailOn::Suspicious));
        assert_eq!(o.index_url.as_deref(), Some("http://127.0.0.1:1/simple"));
        let policy = o.policy(Path::new("p")).expect("policy");
        assert_eq!(policy.fail_on, Some(VerdictLabel::Suspicious));
        assert_eq!(policy.deny, vec!["evil-pkg"]);
        assert!(policy.allow_unscannable);
        assert_eq!(policy.ignore[0].package.as_deref(), Some("demo"));
        assert_eq!(policy.ignore[0].reason, "telemetry we accept");
    }

    #[test]
    fn assay_toml_wins_and_a_pyproject_without_the_table_is_skipped() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "assay.toml", "fail-on = \"never\"\n");
        let inner = dir.path().join("inner");
        std::fs::create_dir_all(&inner).expect("mkdir");
        write(&inner, "pyproject.toml", "[project]\nname = \"x\"\n");
        let loaded = discover(&inner).expect("reads");
        assert_eq!(loaded.path, Some(dir.path().join("assay.toml")));
        assert_eq!(loaded.options.fail_on, Some(FailOn::Never));
        let empty = tempfile::tempdir().expect("tempdir");
        assert_eq!(discover(empty.path()).expect("none").path, None);
    }

    #[test]
    fn unknown_fields_and_bad_entries_are_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let typo = write(dir.path(), "assay.toml", "fail_on = \"never\"\n");
        assert!(matches!(read(&typo), Err(ConfigError::Parse { .. })));
        let nested = write(
            dir.path(),
            "pyproject.toml",
            "[tool.assay]\n[[tool.assay.ignore]]\nrule = \"AY301\"\nreason = \"x\"\nwhy = \"y\"\n",
        );
        assert!(matches!(read(&nested), Err(ConfigError::Parse { .. })));
        let no_reason = write(dir.path(), "a.toml", "[[ignore]]\nrule = \"AY301\"\n");
        assert!(matches!(read(&no_reason), Err(ConfigError::Parse { .. })));
        for entry in [
            "rule = \"AY301\"\nreason = \" \"",
            "reason = \"all of it\"",
            "version = \"not a version\"\nreason = \"r\"",
            "sha256 = \"abc\"\nreason = \"r\"",
        ] {
            let path = write(dir.path(), "b.toml", &format!("[[ignore]]\n{entry}\n"));
            let options = read(&path).expect("parses");
            assert!(
                matches!(
                    options.policy(&path),
                    Err(ConfigError::Ignore { index: 1, .. })
                ),
                "{entry}"
            );
        }
    }
}
