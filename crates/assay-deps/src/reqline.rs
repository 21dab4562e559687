//! One requirement string to a [`Requirement`], without ever letting the
//! PEP 508 parser touch a URL (URLs are kept verbatim in [`Source`]).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::model::{Origin, Requirement, Source};
use crate::pep508_guard;

/// Longest requirement string accepted.
const MAX_REQUIREMENT_LEN: usize = 8 * 1024;

/// VCS prefixes pip knows.
const VCS_PREFIXES: [&str; 4] = ["git+", "hg+", "svn+", "bzr+"];

pub(crate) fn is_vcs(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    VCS_PREFIXES.iter().any(|p| lower.starts_with(p))
}

pub(crate) fn is_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    is_vcs(&lower)
        || ["http://", "https://", "file:", "ftp://"]
            .iter()
            .any(|p| lower.starts_with(p))
}

/// Classifies a URL: VCS, local `file:` path, or a remote archive.
pub(crate) fn url_source(url: &str, base_dir: &Path) -> Source {
    if is_vcs(url) {
        return Source::Vcs(url.to_string());
    }
    // `get`: byte 5 may fall inside a character (`@\u{fffd}x`).
    if url
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("file:"))
    {
        let rest = &url[5..];
        let rest = rest.strip_prefix("//localhost").unwrap_or(rest);
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let rest = rest.split('#').next().unwrap_or(rest);
        return Source::LocalPath(base_dir.join(rest));
    }
    Source::Url(url.to_string())
}

/// Parses a PEP 508 string with no URL part.
pub fn parse_pep508(text: &str) -> Result<pep508_rs::Requirement, String> {
    if text.len() > MAX_REQUIREMENT_LEN {
        return Err(format!(
            "requirement longer than {MAX_REQUIREMENT_LEN} bytes"
        ));
    }
    if let Some(name) = pep508_guard::name_the_parser_panics_on(text) {
        return Err(format!(
            "`{name}`: a name must end with a letter or digit, not `.`, `-` or `_`"
        ));
    }
    // The marker in ASCII: pep508_rs's marker parser can slice inside a
    // character. The message alone: its full `Display` underlines the span
    // and panics when the span ends inside a character (`s[ixJ \u{ac71}ts]`).
    let text = pep508_guard::ascii_marker_of_requirement(text);
    pep508_rs::Requirement::from_str(&text).map_err(|e| first_line(&e.message.to_string()))
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

/// Splits `name[extras] @ url ; marker` into the part before `@` (with the
/// marker appended) and the URL. `None` when the text has no URL part.
pub(crate) fn split_direct_reference(text: &str) -> Option<(String, String)> {
    let at = text.find('@')?;
    let head = text[..at].trim();
    let head_ok = !head.is_empty()
        && head.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '[' | ']' | ',' | ' ')
        });
    if !head_ok {
        return None;
    }
    let rest = text[at + 1..].trim_start();
    // As pip: the URL ends at whitespace followed by `;`.
    let (url, marker) = match rest.find(" ;").or_else(|| rest.find("\t;")) {
        Some(i) => (rest[..i].trim(), Some(rest[i + 2..].trim())),
        None => (rest.trim(), None),
    };
    if url.is_empty() {
        return None;
    }
    let mut spec = head.to_string();
    if let Some(marker) = marker.filter(|m| !m.is_empty()) {
        spec.push_str(" ; ");
        spec.push_str(marker);
    }
    Some((spec, url.to_string()))
}

/// Parses a requirement as found in metadata or `pyproject.toml`:
/// PEP 508, where `name @ url` becomes a URL, VCS or local source.
pub(crate) fn parse_requirement(
    text: &str,
    origin: Origin,
    base_dir: &Path,
) -> Result<Requirement, String> {
    let text = text.trim();
    let (spec, source) = match split_direct_reference(text) {
        Some((spec, url)) => (spec, url_source(&url, base_dir)),
        None => (text.to_string(), Source::Index),
    };
    let req = parse_pep508(&spec)?;
    Ok(Requirement {
        req,
        hashes: Vec::new(),
        origin,
        source,
    })
}

/// Infers a distribution name for an unnamed URL or path: the `#egg=`
/// fragment, a wheel or sdist file name, or a folder's declared name.
pub(crate) fn infer_name(location: &str, path: Option<&Path>) -> Option<String> {
    if let Some(fragment) = location.split_once('#').map(|(_, f)| f) {
        for part in fragment.split('&') {
            if let Some(egg) = part.strip_prefix("egg=") {
                let name = egg.split('[').next().unwrap_or(egg);
                if !name.is_empty() {
                    return Some(name.to_string());
                }
            }
        }
    }
    let without_fragment = location.split(['#', '?']).next().unwrap_or(location);
    let file = without_fragment
        .trim_end_matches('/')
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(without_fragment);
    if let Some(stem) = file.strip_suffix(".whl") {
        return stem.split('-').next().map(str::to_string);
    }
    for ext in [".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip", ".tar"] {
        if let Some(stem) = file.strip_suffix(ext) {
            return stem.rsplit_once('-').map(|(name, _)| name.to_string());
        }
    }
    if let Some(dir) = path.filter(|p| p.is_dir()) {
        return folder_name(dir);
    }
    None
}

/// The name a local project folder declares (`[project] name` or
/// `setup.cfg [metadata] name`), read as text, never executed; else the
/// folder's own name.
fn folder_name(dir: &Path) -> Option<String> {
    if let Ok(text) = read_small(&dir.join("pyproject.toml"))
        && let Ok(value) = toml::from_str::<toml::Table>(&text)
        && let Some(name) = value
            .get("project")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
    {
        return Some(name.to_string());
    }
    if let Ok(text) = read_small(&dir.join("setup.cfg")) {
        let cfg = assay_packaging::Ini::parse(&text);
        if let Some(name) = cfg.get("metadata", "name") {
            return Some(name.trim().to_string());
        }
    }
    let canonical: PathBuf = dir.canonicalize().ok()?;
    canonical.file_name()?.to_str().map(str::to_string)
}

fn read_small(path: &Path) -> std::io::Result<String> {
    let bytes = crate::input::read_regular(path, 1024 * 1024)?;
    String::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `requirements`, `setup_py` and `lockfiles` fuzz
    /// targets (session 9): pep508_rs panicked on these instead of
    /// returning an error, so a hostile requirements file, `setup.cfg` or
    /// `pyproject.toml` stopped the whole run.
    #[test]
    fn pep508_panic_on_a_name_ending_in_punctuation_is_an_error() {
        for text in [
            "requests1.=>31",
            "m--   six",
            "requfgx-\u{1}\u{11}http:s>=1",
            "pkg_ ; python_version >= '3'",
            "pkg[sec-]",
            "pkg[a, b_] >= 1",
        ] {
            assert!(parse_pep508(text).is_err(), "{text}");
        }
        for text in [
            "requests.compat>=1",
            "a-b_c.d",
            "pkg[sec-x, y] >= 1",
            "  six",
        ] {
            assert!(parse_pep508(text).is_ok(), "{text}");
        }
    }

    /// Found by the `setup_py` fuzz target (session 9): pep508_rs's error
    /// `Display` panicked on a span ending inside a character.
    #[test]
    fn pep508_error_display_inside_a_character_does_not_panic() {
        let error = parse_pep508("s[ixJ \u{ac71}ts_req\u{fffd}uire]").unwrap_err();
        assert!(!error.is_empty());
    }

    /// Found by the `setup_py` fuzz target (session 9): a URL whose fifth
    /// byte falls inside a character was sliced there and panicked.
    #[test]
    fn url_source_slicing_inside_a_character_does_not_panic() {
        let base = Path::new("/tmp");
        assert!(matches!(url_source("@\u{fffd}x", base), Source::Url(_)));
        assert!(matches!(url_source("fil\u{e9}:x", base), Source::Url(_)));
        assert!(matches!(url_source("FILE:/x", base), Source::LocalPath(_)));
    }

    #[test]
    fn direct_references_keep_the_url_out_of_pep508() {
        let (spec, url) = split_direct_reference(
            "foo[x] @ https://mirror.example/foo-1.0.tar.gz ; python_version >= '3'",
        )
        .expect("direct reference");
        assert_eq!(spec, "foo[x] ; python_version >= '3'");
        assert_eq!(url, "https://mirror.example/foo-1.0.tar.gz");
        assert!(split_direct_reference("foo>=1 ; python_version >= '3'").is_none());
    }

    #[test]
    fn names_are_inferred_from_files_and_eggs() {
        assert_eq!(
            infer_name("git+https://h.example/r.git#egg=pkg", None).as_deref(),
            Some("pkg")
        );
        assert_eq!(
            infer_name("./dist/my_pkg-1.0-py3-none-any.whl", None).as_deref(),
            Some("my_pkg")
        );
        assert_eq!(
            infer_name("my-pkg-2.0.tar.gz", None).as_deref(),
            Some("my-pkg")
        );
        assert_eq!(infer_name("nothing", None), None);
    }
}
