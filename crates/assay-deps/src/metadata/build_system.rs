//! The build dependencies of a project or sdist: `[build-system] requires`
//! of its `pyproject.toml` (PEP 518), which an installer puts in an
//! isolated environment and runs when it builds the project from source.
//! Without a `pyproject.toml` or a `requires` list, pip's fallback
//! (`setuptools>=40.8.0`) is what runs.

use std::path::Path;

use crate::model::{Origin, Requirement, Source};

/// What pip installs to build a project that declares no build system.
pub const FALLBACK: &str = "setuptools>=40.8.0";

/// The build requirements a `pyproject.toml` (its text, or `None` when the
/// project has none) declares, each with `origin`. Entries that do not
/// parse are skipped and named in the second value.
pub fn build_requires(pyproject: Option<&str>, origin: &Origin) -> (Vec<Requirement>, Vec<String>) {
    let listed: Option<Vec<String>> = pyproject
        .and_then(|text| toml::from_str::<toml::Table>(text).ok())
        .and_then(|doc| {
            let requires = doc
                .get("build-system")?
                .get("requires")?
                .as_array()?
                .clone();
            Some(
                requires
                    .iter()
                    .filter_map(toml::Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            )
        });
    let specs = listed.unwrap_or_else(|| vec![FALLBACK.to_owned()]);
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for spec in specs {
        match crate::reqline::parse_pep508(&spec) {
            Ok(req)
                if req
                    .version_or_url
                    .as_ref()
                    .is_none_or(|v| matches!(v, pep508_rs::VersionOrUrl::VersionSpecifier(_))) =>
            {
                out.push(Requirement {
                    req,
                    hashes: Vec::new(),
                    origin: origin.clone(),
                    source: Source::Index,
                })
            }
            _ => skipped.push(spec),
        }
    }
    (out, skipped)
}

/// The build requirements of an sdist, from its files (paths with or
/// without the top folder).
pub fn build_requires_of_sdist(
    files: &[(&str, &[u8])],
    origin: &Origin,
) -> (Vec<Requirement>, Vec<String>) {
    let pyproject = files
        .iter()
        .filter(|(path, _)| {
            let path = path.trim_start_matches("./");
            path == "pyproject.toml"
                || path.matches('/').count() == 1 && path.ends_with("/pyproject.toml")
        })
        .min_by_key(|(path, _)| path.len())
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned());
    build_requires(pyproject.as_deref(), origin)
}

/// The build requirements of a project folder on disk.
pub fn build_requires_of_folder(dir: &Path, origin: &Origin) -> (Vec<Requirement>, Vec<String>) {
    let pyproject = crate::input::read_text(&dir.join("pyproject.toml")).ok();
    build_requires(pyproject.as_deref(), origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(reqs: &[Requirement]) -> Vec<String> {
        reqs.iter().map(|r| r.req.to_string()).collect()
    }

    #[test]
    fn declared_build_requirements() {
        let origin = Origin::new("pkg 1.0 build-system.requires", 0);
        let (reqs, skipped) = build_requires(
            Some(
                "[build-system]\nrequires = [\"hatchling>=1.20\", \"hatch-vcs\", \"not a req (\"]\nbuild-backend = \"hatchling.build\"\n",
            ),
            &origin,
        );
        assert_eq!(names(&reqs), ["hatchling>=1.20", "hatch-vcs"]);
        assert_eq!(skipped, ["not a req ("]);
        assert_eq!(reqs[0].origin, origin);
    }

    #[test]
    fn no_build_system_is_pips_setuptools_fallback() {
        let origin = Origin::new("x", 0);
        assert_eq!(names(&build_requires(None, &origin).0), [FALLBACK]);
        let (reqs, _) = build_requires(Some("[project]\nname = \"x\"\n"), &origin);
        assert_eq!(names(&reqs), [FALLBACK]);
        let files: Vec<(&str, &[u8])> = vec![
            (
                "pkg-1.0/pyproject.toml",
                b"[build-system]\nrequires = [\"flit_core>=3.2\"]\n",
            ),
            (
                "pkg-1.0/vendor/x/pyproject.toml",
                b"[build-system]\nrequires = [\"evil\"]\n",
            ),
        ];
        assert_eq!(
            names(&build_requires_of_sdist(&files, &origin).0),
            ["flit-core>=3.2"]
        );
    }
}
