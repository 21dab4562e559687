//! Core metadata (`PKG-INFO`, `METADATA`): the email-header format of the
//! core metadata specification.

use serde::Serialize;

use super::{ArtifactKind, PackageFile};

/// The fields of core metadata that assay uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CoreMetadata {
    pub metadata_version: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub maintainer: Option<String>,
    pub maintainer_email: Option<String>,
    pub home_page: Option<String>,
    pub download_url: Option<String>,
    /// `Project-URL` entries as (label, url).
    pub project_urls: Vec<(String, String)>,
    pub requires_dist: Vec<String>,
    pub requires_python: Option<String>,
    /// `Dynamic` fields (metadata 2.2+): fields an sdist's build may change.
    pub dynamic: Vec<String>,
    /// `Classifier` entries (trove classifiers).
    pub classifiers: Vec<String>,
}

impl CoreMetadata {
    /// Parses core metadata; never fails (unknown or malformed lines are skipped).
    ///
    /// Keys are case-insensitive; a single-valued key given twice keeps its
    /// first value (as Python's email parser does). Continuation lines (that
    /// start with a space or tab) extend the previous value: for
    /// `Description` they are joined with line breaks, and the legacy
    /// `        |text` form loses its `|`; other values are unfolded with a
    /// space. The body after the first blank line is the description when
    /// there is no `Description` header.
    pub fn parse(text: &str) -> CoreMetadata {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut meta = CoreMetadata::default();
        let mut current: Option<(String, Vec<&str>)> = None;
        let mut body = None;

        let mut rest = text;
        while !rest.is_empty() {
            let (line, after) = match rest.find('\n') {
                Some(end) => (&rest[..end], &rest[end + 1..]),
                None => (rest, ""),
            };
            rest = after;
            let line = line.strip_suffix('\r').unwrap_or(line);

            if line.is_empty() {
                body = Some(rest);
                break;
            }
            if line.starts_with([' ', '\t']) {
                if let Some((_, lines)) = current.as_mut() {
                    lines.push(line);
                }
                continue;
            }
            if let Some((key, lines)) = current.take() {
                meta.set(&key, &lines);
            }
            // A line that is neither a header nor a continuation is skipped.
            current = line
                .split_once(':')
                .map(|(key, value)| (key.trim().to_ascii_lowercase(), vec![value.trim_start()]));
        }
        if let Some((key, lines)) = current.take() {
            meta.set(&key, &lines);
        }

        if meta.description.is_none() {
            meta.description = body
                .map(|b| b.trim_end().to_owned())
                .filter(|b| !b.is_empty());
        }
        meta
    }

    /// Stores one header; `lines` are its first line's value and then its raw
    /// continuation lines.
    fn set(&mut self, key: &str, lines: &[&str]) {
        let value = if key == "description" {
            join_description(lines)
        } else {
            lines
                .iter()
                .map(|l| l.trim())
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let single = match key {
            "metadata-version" => &mut self.metadata_version,
            "name" => &mut self.name,
            "version" => &mut self.version,
            "summary" => &mut self.summary,
            "description" => &mut self.description,
            "author" => &mut self.author,
            "author-email" => &mut self.author_email,
            "maintainer" => &mut self.maintainer,
            "maintainer-email" => &mut self.maintainer_email,
            "home-page" => &mut self.home_page,
            "download-url" => &mut self.download_url,
            "requires-python" => &mut self.requires_python,
            "requires-dist" => return self.requires_dist.push(value),
            "dynamic" => return self.dynamic.push(value),
            "classifier" => return self.classifiers.push(value),
            "project-url" => {
                let (label, url) = value.split_once(',').unwrap_or(("", &value));
                return self
                    .project_urls
                    .push((label.trim().to_owned(), url.trim().to_owned()));
            }
            _ => return,
        };
        if single.is_none() {
            *single = Some(value);
        }
    }
}

/// Joins a `Description` header's lines: continuation lines lose the
/// indentation the writer added (up to 8 spaces or one tab) and the legacy
/// `|` marker.
fn join_description(lines: &[&str]) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
            let trimmed = line.trim_start();
            let line = match trimmed.strip_prefix('|') {
                Some(after_bar) => after_bar,
                None => strip_indent(line),
            };
            out.push_str(line.trim_end());
        } else {
            out.push_str(line.trim_end());
        }
    }
    out.trim_end().to_owned()
}

fn strip_indent(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix('\t') {
        return rest;
    }
    let spaces = line.bytes().take(8).take_while(|&b| b == b' ').count();
    &line[spaces..]
}

/// The file holding a package's core metadata, if it has one:
///
/// - wheel: `NAME.dist-info/METADATA` at depth 1;
/// - egg: `EGG-INFO/PKG-INFO`;
/// - sdist: the shallowest `PKG-INFO` at depth 0 or 1 (`name-1.0/PKG-INFO`),
///   else the shallowest `*.egg-info/PKG-INFO` at depth 1 to 3;
/// - installed: `*.dist-info/METADATA`, else `*.egg-info/PKG-INFO`, at depth 1
///   (the environment reader sets the metadata itself; this is a fallback);
/// - directory: `PKG-INFO` at the root, else `*.egg-info/PKG-INFO` or
///   `*.dist-info/METADATA` at depth 1 (then `src/*.egg-info/PKG-INFO`).
///
/// Ties go to the first file in archive order.
pub(super) fn locate(kind: ArtifactKind, files: &[PackageFile]) -> Option<&PackageFile> {
    let depth = |f: &PackageFile| f.path.matches('/').count();
    let shallowest = |filter: &dyn Fn(&PackageFile) -> bool| {
        files.iter().filter(|f| filter(f)).min_by_key(|f| depth(f))
    };
    let parent_ends = |f: &PackageFile, name: &str, suffix: &str| {
        f.path
            .strip_suffix(name)
            .and_then(|p| p.strip_suffix('/'))
            .is_some_and(|parent| {
                parent
                    .rsplit('/')
                    .next()
                    .is_some_and(|dir| dir.ends_with(suffix))
            })
    };
    let egg_info = |f: &PackageFile, max_depth: usize| {
        depth(f) <= max_depth && parent_ends(f, "PKG-INFO", ".egg-info")
    };
    let dist_info = |f: &PackageFile| depth(f) == 1 && parent_ends(f, "METADATA", ".dist-info");
    let is_pkg_info = |f: &PackageFile| f.path == "PKG-INFO" || f.path.ends_with("/PKG-INFO");

    match kind {
        ArtifactKind::Wheel => shallowest(&dist_info),
        ArtifactKind::Egg => files.iter().find(|f| f.path == "EGG-INFO/PKG-INFO"),
        ArtifactKind::Sdist => shallowest(&|f| is_pkg_info(f) && depth(f) <= 1)
            .or_else(|| shallowest(&|f| egg_info(f, 3))),
        ArtifactKind::Installed => {
            shallowest(&dist_info).or_else(|| shallowest(&|f| egg_info(f, 1)))
        }
        ArtifactKind::Directory => files
            .iter()
            .find(|f| f.path == "PKG-INFO")
            .or_else(|| shallowest(&|f| egg_info(f, 1) || dist_info(f)))
            .or_else(|| shallowest(&|f| f.path.starts_with("src/") && egg_info(f, 2))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_headers_continuations_and_repeats() {
        let text = "Metadata-Version: 2.1\r\n\
                    name: demo\r\n\
                    Version: 1.0\r\n\
                    Summary: A long\r\n  summary\r\n\
                    Requires-Dist: requests>=2\r\n\
                    REQUIRES-DIST: six; extra == \"old\"\r\n\
                    Classifier: Programming Language :: Python\r\n\
                    Project-URL: Source, https://example.invalid/src\r\n\
                    Dynamic: Requires-Dist\r\n\
                    not a header line\r\n\
                    Name: second-name-ignored\r\n\
                    \r\n\
                    The body.\r\n";
        let meta = CoreMetadata::parse(text);
        assert_eq!(meta.metadata_version.as_deref(), Some("2.1"));
        assert_eq!(meta.name.as_deref(), Some("demo"));
        assert_eq!(meta.version.as_deref(), Some("1.0"));
        assert_eq!(meta.summary.as_deref(), Some("A long summary"));
        assert_eq!(meta.requires_dist, ["requests>=2", "six; extra == \"old\""]);
        assert_eq!(meta.classifiers, ["Programming Language :: Python"]);
        assert_eq!(
            meta.project_urls,
            [(
                "Source".to_owned(),
                "https://example.invalid/src".to_owned()
            )]
        );
        assert_eq!(meta.dynamic, ["Requires-Dist"]);
        assert_eq!(meta.description.as_deref(), Some("The body."));
    }

    #[test]
    fn legacy_description_continuation() {
        let text = "Name: x\n\
                    Description: First line\n        |\n        |    indented\n        plain\n\
                    Author: me\n\
                    \n\
                    body is ignored when Description is given\n";
        let meta = CoreMetadata::parse(text);
        assert_eq!(
            meta.description.as_deref(),
            Some("First line\n\n    indented\nplain")
        );
        assert_eq!(meta.author.as_deref(), Some("me"));
    }

    #[test]
    fn garbage_never_fails() {
        for text in [
            "",
            "\n\n",
            ":",
            "  leading continuation\nName:",
            "\u{feff}Name: bom",
        ] {
            let _ = CoreMetadata::parse(text);
        }
        assert_eq!(
            CoreMetadata::parse("\u{feff}Name: bom").name.as_deref(),
            Some("bom")
        );
        assert_eq!(CoreMetadata::parse("Name:").name.as_deref(), Some(""));
    }

    fn files(paths: &[&str]) -> Vec<PackageFile> {
        paths
            .iter()
            .map(|p| PackageFile {
                path: (*p).to_owned(),
                data: Vec::new(),
                mode: None,
            })
            .collect()
    }

    #[test]
    fn locates_the_right_file_per_kind() {
        let sdist = files(&["a-1/x/PKG-INFO", "a-1/a.egg-info/PKG-INFO", "a-1/PKG-INFO"]);
        let found = locate(ArtifactKind::Sdist, &sdist).map(|f| f.path.as_str());
        assert_eq!(found, Some("a-1/PKG-INFO"));

        let sdist = files(&["a-1/src/a.egg-info/PKG-INFO", "a-1/setup.py"]);
        let found = locate(ArtifactKind::Sdist, &sdist).map(|f| f.path.as_str());
        assert_eq!(found, Some("a-1/src/a.egg-info/PKG-INFO"));

        let wheel = files(&["a/METADATA", "a-1.dist-info/METADATA"]);
        let found = locate(ArtifactKind::Wheel, &wheel).map(|f| f.path.as_str());
        assert_eq!(found, Some("a-1.dist-info/METADATA"));

        let egg = files(&["EGG-INFO/PKG-INFO"]);
        assert!(locate(ArtifactKind::Egg, &egg).is_some());
        assert!(locate(ArtifactKind::Wheel, &egg).is_none());

        let dir = files(&["a.egg-info/PKG-INFO", "PKG-INFO"]);
        let found = locate(ArtifactKind::Directory, &dir).map(|f| f.path.as_str());
        assert_eq!(found, Some("PKG-INFO"));
    }
}
