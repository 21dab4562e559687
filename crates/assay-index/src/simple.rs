//! The simple repository API: PEP 691 JSON and PEP 503 HTML project pages
//! (with PEP 592 yanking, PEP 658/714 metadata, PEP 700 fields, PEP 629
//! versioning), parsed into one model.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::dist::{DistFile, MetadataAvailability, normalize_name, parse_filename};
use crate::html;
use crate::url;

/// The `Accept` header for project pages: JSON first, HTML as fallback.
pub const ACCEPT: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

/// The highest major version of the simple API this parser understands.
const SUPPORTED_MAJOR: u64 = 1;

/// Most files one project page may list. A page is parsed one file at a
/// time, so its cost is the page's bytes plus the files kept; a hostile
/// page of a million links is refused at this count.
pub const MAX_PAGE_FILES: usize = 250_000;

/// One project's page on one index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPage {
    /// The PEP 503-normalised project name.
    pub name: String,
    /// The index (base URL, credentials removed) this page came from.
    pub index_url: String,
    /// Every file the page lists, in page order.
    pub files: Vec<DistFile>,
    /// PEP 700 `versions` (JSON pages only; empty otherwise).
    pub versions: Vec<String>,
    /// The page's declared API version (`meta.api-version` or the
    /// `pypi:repository-version` meta tag), if any.
    pub api_version: Option<String>,
}

/// A project page that cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PageError {
    /// The JSON page is not valid JSON or has the wrong shape.
    #[error("malformed JSON project page at {url}: {reason}")]
    MalformedJson {
        /// The page URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// The HTML page cannot be read (e.g. it is not UTF-8).
    #[error("malformed HTML project page at {url}: {reason}")]
    MalformedHtml {
        /// The page URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// The page declares a simple API major version newer than supported.
    #[error("project page at {url} uses simple API version {version}; only 1.x is supported")]
    UnsupportedVersion {
        /// The page URL.
        url: String,
        /// The declared version.
        version: String,
    },
    /// The page lists more files than [`MAX_PAGE_FILES`].
    #[error("project page at {url} lists more than {limit} files; not read")]
    TooManyFiles {
        /// The page URL.
        url: String,
        /// The limit.
        limit: usize,
    },
    /// The response is neither JSON nor HTML.
    #[error("project page at {url} has unsupported content type {content_type:?}")]
    ContentType {
        /// The page URL.
        url: String,
        /// The content type the server sent.
        content_type: String,
    },
}

/// The URL of `name`'s project page under `index_url`.
pub fn project_url(index_url: &str, name: &str) -> String {
    format!(
        "{}{}/",
        url::with_trailing_slash(index_url),
        normalize_name(name)
    )
}

/// The project JSON metadata endpoint for `name`: the index URL with its
/// last `simple` segment replaced by `pypi`, then `<name>/json`. `None` when
/// the index URL does not end in `/simple` (no known convention).
pub fn project_json_url(index_url: &str, name: &str) -> Option<String> {
    let trimmed = index_url.trim_end_matches('/');
    let root = trimmed.strip_suffix("/simple")?;
    Some(format!("{root}/pypi/{}/json", normalize_name(name)))
}

/// Parses a project page. `page_url` is the URL the page was fetched from
/// (after redirects); relative file URLs resolve against it.
pub fn parse_project_page(
    name: &str,
    index_url: &str,
    page_url: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<ProjectPage, PageError> {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let first = body.iter().copied().find(|b| !b.is_ascii_whitespace());
    let is_json = if ct.contains("json") {
        true
    } else if ct.is_empty() || ct.contains("html") {
        false
    } else if first == Some(b'{') {
        true
    } else if first == Some(b'<') {
        false
    } else {
        return Err(PageError::ContentType {
            url: page_url.to_owned(),
            content_type: ct,
        });
    };
    let mut page = if is_json {
        parse_json(name, index_url, page_url, body)?
    } else {
        parse_html(name, index_url, page_url, body)?
    };
    if let Some(v) = &page.api_version {
        let major = v
            .split('.')
            .next()
            .and_then(|m| m.trim().parse::<u64>().ok());
        if major.is_none_or(|m| m > SUPPORTED_MAJOR) {
            return Err(PageError::UnsupportedVersion {
                url: page_url.to_owned(),
                version: v.clone(),
            });
        }
    }
    page.name = normalize_name(name);
    Ok(page)
}

/// A JSON page's top level, its parts kept raw; `None` when the top level
/// is not an object.
struct RawTop<'a>(Option<RawPage<'a>>);

#[derive(serde::Deserialize)]
struct RawPage<'a> {
    #[serde(borrow, default)]
    meta: Option<&'a RawValue>,
    #[serde(borrow, default)]
    files: Option<&'a RawValue>,
    #[serde(borrow, default)]
    versions: Option<&'a RawValue>,
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for RawTop<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&'a RawValue>::deserialize(deserializer)?;
        if !raw.get().trim_start().starts_with('{') {
            return Ok(RawTop(None));
        }
        serde_json::from_str(raw.get())
            .map(|page| RawTop(Some(page)))
            .map_err(serde::de::Error::custom)
    }
}

#[derive(serde::Deserialize)]
struct RawMeta {
    #[serde(rename = "api-version", default, deserialize_with = "string_or_none")]
    api_version: Option<String>,
}

/// A string, or `None` for any other value (read without building it).
fn string_or_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let raw = <&RawValue>::deserialize(d)?;
    Ok(serde_json::from_str::<String>(raw.get()).ok())
}

fn parse_json(
    name: &str,
    index_url: &str,
    page_url: &str,
    body: &[u8],
) -> Result<ProjectPage, PageError> {
    let bad = |reason: String| PageError::MalformedJson {
        url: page_url.to_owned(),
        reason,
    };
    // The page is read as raw parts borrowed from the body, and each file
    // is parsed on its own: a 200 MB page never becomes a tree of values.
    let top: RawPage<'_> = serde_json::from_slice::<RawTop<'_>>(body)
        .map_err(|e| bad(e.to_string()))?
        .0
        .ok_or_else(|| bad("top level is not an object".into()))?;
    let api_version = top
        .meta
        .and_then(|m| serde_json::from_str::<RawMeta>(m.get()).ok())
        .and_then(|m| m.api_version);
    let files_v = top
        .files
        .and_then(|f| serde_json::from_str::<Vec<&RawValue>>(f.get()).ok())
        .ok_or_else(|| bad("missing `files` array".into()))?;
    if files_v.len() > MAX_PAGE_FILES {
        return Err(PageError::TooManyFiles {
            url: page_url.to_owned(),
            limit: MAX_PAGE_FILES,
        });
    }
    let mut files = Vec::with_capacity(files_v.len());
    for (i, raw) in files_v.into_iter().enumerate() {
        let f: Value = serde_json::from_str(raw.get()).map_err(|e| bad(e.to_string()))?;
        let f = f
            .as_object()
            .ok_or_else(|| bad(format!("files[{i}] is not an object")))?;
        let raw_url = f
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("files[{i}] has no `url` string")))?;
        let abs = url::join(page_url, raw_url)
            .ok_or_else(|| bad(format!("files[{i}] has an unusable url {raw_url:?}")))?;
        let filename = match f.get("filename") {
            Some(Value::String(s)) if is_plain_file_name(s) => s.clone(),
            Some(Value::String(s)) => {
                return Err(bad(format!(
                    "files[{i}].filename {:?} is not a plain file name (it holds a path \
                     separator, `..` or a control character)",
                    s.chars().take(80).collect::<String>()
                )));
            }
            None => filename_from_url(&abs),
            Some(_) => return Err(bad(format!("files[{i}].filename is not a string"))),
        };
        let hashes = match f.get("hashes") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(Value::Object(h)) => lowercase_hashes(h),
            Some(_) => return Err(bad(format!("files[{i}].hashes is not an object"))),
        };
        let yanked = match f.get("yanked") {
            None | Some(Value::Null) | Some(Value::Bool(false)) => None,
            Some(Value::Bool(true)) => Some(String::new()),
            Some(Value::String(r)) => Some(r.clone()),
            Some(_) => return Err(bad(format!("files[{i}].yanked is not a boolean or string"))),
        };
        let meta = f
            .get("core-metadata")
            .or_else(|| f.get("dist-info-metadata"));
        let core_metadata = match meta {
            None | Some(Value::Null) | Some(Value::Bool(false)) => {
                MetadataAvailability::Unavailable
            }
            Some(Value::Bool(true)) => MetadataAvailability::Available {
                hashes: BTreeMap::new(),
            },
            Some(Value::Object(h)) => MetadataAvailability::Available {
                hashes: lowercase_hashes(h),
            },
            Some(_) => return Err(bad(format!("files[{i}].core-metadata has the wrong type"))),
        };
        let parsed = parse_filename(&filename, name);
        let (clean, _) = url::strip_credentials(url::without_fragment(&abs));
        files.push(DistFile {
            filename,
            url: clean,
            hashes,
            requires_python: f
                .get("requires-python")
                .and_then(Value::as_str)
                .map(str::to_owned),
            yanked,
            core_metadata,
            upload_time: f
                .get("upload-time")
                .and_then(Value::as_str)
                .map(str::to_owned),
            size: f.get("size").and_then(Value::as_u64),
            version: parsed.version,
            kind: parsed.kind,
        });
    }
    let versions = top
        .versions
        .and_then(|v| serde_json::from_str::<Vec<&RawValue>>(v.get()).ok())
        .map(|v| {
            v.iter()
                .filter_map(|raw| serde_json::from_str::<String>(raw.get()).ok())
                .collect()
        })
        .unwrap_or_default();
    Ok(ProjectPage {
        name: String::new(),
        index_url: index_url.to_owned(),
        files,
        versions,
        api_version,
    })
}

fn parse_html(
    name: &str,
    index_url: &str,
    page_url: &str,
    body: &[u8],
) -> Result<ProjectPage, PageError> {
    let text = std::str::from_utf8(body).map_err(|e| PageError::MalformedHtml {
        url: page_url.to_owned(),
        reason: format!("not UTF-8: {e}"),
    })?;
    // First the page's `<base>` and `<meta>`, wherever they are; then
    // each anchor becomes a file as it is read.
    let doc = html::scan(text, |_| ControlFlow::Continue(()));
    let base = doc
        .base_href
        .as_deref()
        .and_then(|b| url::join(page_url, b))
        .unwrap_or_else(|| page_url.to_owned());
    let mut files = Vec::new();
    let mut too_many = false;
    html::scan(text, |a| {
        if files.len() >= MAX_PAGE_FILES {
            too_many = true;
            return ControlFlow::Break(());
        }
        if let Some(file) = html_file(name, &base, &a) {
            files.push(file);
        }
        ControlFlow::Continue(())
    });
    if too_many {
        return Err(PageError::TooManyFiles {
            url: page_url.to_owned(),
            limit: MAX_PAGE_FILES,
        });
    }
    Ok(ProjectPage {
        name: String::new(),
        index_url: index_url.to_owned(),
        files,
        versions: Vec::new(),
        api_version: doc.meta.get("pypi:repository-version").cloned(),
    })
}

/// The file one anchor links to; `None` when it links nowhere usable.
fn html_file(name: &str, base: &str, a: &html::Anchor) -> Option<DistFile> {
    let href = a.attrs.get("href")?;
    let abs = url::join(base, href)?;
    let mut hashes = BTreeMap::new();
    if let Some((_, frag)) = abs.split_once('#') {
        for part in frag.split('&') {
            if let Some((alg, hex)) = part.split_once('=') {
                hashes.insert(alg.to_ascii_lowercase(), hex.to_ascii_lowercase());
            }
        }
    }
    let mut filename = filename_from_url(&abs);
    if filename.is_empty() && is_plain_file_name(&a.text) {
        filename = a.text.clone();
    }
    let meta = a
        .attrs
        .get("data-core-metadata")
        .or_else(|| a.attrs.get("data-dist-info-metadata"));
    let core_metadata = match meta.map(String::as_str) {
        None | Some("false") => MetadataAvailability::Unavailable,
        Some(v) => MetadataAvailability::Available {
            hashes: v
                .split_once('=')
                .map(|(alg, hex)| {
                    BTreeMap::from([(alg.to_ascii_lowercase(), hex.to_ascii_lowercase())])
                })
                .unwrap_or_default(),
        },
    };
    let parsed = parse_filename(&filename, name);
    let (clean, _) = url::strip_credentials(url::without_fragment(&abs));
    Some(DistFile {
        filename,
        url: clean,
        hashes,
        requires_python: a.attrs.get("data-requires-python").cloned(),
        yanked: a.attrs.get("data-yanked").cloned(),
        core_metadata,
        upload_time: None,
        size: None,
        version: parsed.version,
        kind: parsed.kind,
    })
}

/// A name that can only ever be a file name: not empty, no `/` or `\`,
/// not `.` or `..`, no control character (PEP 691 `filename` is used to
/// name downloads and cache entries, so a path in it must never be used).
fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control)
}

fn filename_from_url(abs: &str) -> String {
    let no_frag = url::without_fragment(abs);
    let path = url::split(no_frag).map_or(no_frag, |p| p.path);
    let decoded = url::percent_decode(path.rsplit('/').next().unwrap_or(""));
    // An encoded `/` or `\` must not smuggle a path into a file name.
    decoded.rsplit(['/', '\\']).next().unwrap_or("").to_owned()
}

/// A PEP 691 `hashes` object, algorithm names and digests lower-cased;
/// entries whose digest is not a string are dropped.
fn lowercase_hashes(hashes: &serde_json::Map<String, Value>) -> BTreeMap<String, String> {
    hashes
        .iter()
        .filter_map(|(k, v)| {
            v.as_str()
                .map(|v| (k.to_ascii_lowercase(), v.to_ascii_lowercase()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::DistKind;

    const PAGE: &str = "https://mirror.example/simple/demo-pkg/";

    /// A PEP 691 JSON page.
    fn j(body: &[u8]) -> Result<ProjectPage, PageError> {
        parse_project_page(
            "x",
            "i",
            PAGE,
            Some("application/vnd.pypi.simple.v1+json"),
            body,
        )
    }

    #[test]
    fn pep691_filename_with_a_path_is_rejected() {
        for name in [
            "../../evil.whl",
            "a/b-1.0.tar.gz",
            "..",
            "a\\b.whl",
            "x\u{0}.whl",
        ] {
            let body = format!(
                r#"{{"meta":{{"api-version":"1.0"}},"files":[{{"filename":{},"url":"a-1.0.tar.gz","hashes":{{}}}}]}}"#,
                serde_json::to_string(name).expect("json")
            );
            let error = j(body.as_bytes()).expect_err(name);
            assert!(
                error.to_string().contains("not a plain file name"),
                "{error}"
            );
        }
        let ok = br#"{"meta":{"api-version":"1.0"},"files":[{"filename":"a-1.0.tar.gz","url":"x","hashes":{}}]}"#;
        assert_eq!(j(ok).expect("plain name").files[0].filename, "a-1.0.tar.gz");
    }

    #[test]
    fn parses_json_pages() {
        let body = br#"{"meta":{"api-version":"1.1"},"name":"demo-pkg","versions":["1.0"],
          "files":[
            {"filename":"demo_pkg-1.0.tar.gz","url":"../../files/demo_pkg-1.0.tar.gz","hashes":{"sha256":"AB"},
             "requires-python":">=3.8","yanked":"broken","size":12,"upload-time":"2024-01-01T00:00:00Z"},
            {"filename":"demo_pkg-1.0-py3-none-any.whl","url":"https://u:p@files.mirror.example/w.whl#x","hashes":{},
             "core-metadata":{"sha256":"cd"},"yanked":false}
          ]}"#;
        let page = parse_project_page(
            "Demo.Pkg",
            "https://mirror.example/simple",
            PAGE,
            Some("application/vnd.pypi.simple.v1+json"),
            body,
        )
        .expect("parses");
        assert_eq!(page.name, "demo-pkg");
        assert_eq!(page.versions, vec!["1.0"]);
        let sdist = &page.files[0];
        assert_eq!(
            sdist.url,
            "https://mirror.example/files/demo_pkg-1.0.tar.gz"
        );
        assert_eq!(sdist.sha256(), Some("ab"));
        assert_eq!(sdist.yanked.as_deref(), Some("broken"));
        assert_eq!(sdist.size, Some(12));
        assert_eq!(sdist.kind, DistKind::Sdist);
        assert_eq!(sdist.requires_python.as_deref(), Some(">=3.8"));
        let wheel = &page.files[1];
        assert_eq!(wheel.url, "https://files.mirror.example/w.whl");
        assert_eq!(wheel.yanked, None);
        assert!(
            matches!(&wheel.core_metadata, MetadataAvailability::Available { hashes } if hashes["sha256"] == "cd")
        );
    }

    #[test]
    fn parses_html_pages() {
        let body = br#"<html><body>
          <a href="/files/demo-pkg-1.0.tar.gz#sha256=ABCD" data-requires-python="&gt;=3.7" data-yanked="">demo-pkg-1.0.tar.gz</a>
          <a href="demo_pkg-1.0-py3-none-any.whl#md5=11" data-dist-info-metadata="sha256=ee">demo_pkg-1.0-py3-none-any.whl</a>
          <a href="demo_pkg-2.0-py3-none-any.whl" data-core-metadata="true">x</a>
          <a name="no-href">ignored</a></body></html>"#;
        let page = parse_project_page(
            "demo_pkg",
            "https://mirror.example/simple",
            PAGE,
            Some("text/html; charset=utf-8"),
            body,
        )
        .expect("parses");
        assert_eq!(page.files.len(), 3);
        let f = &page.files[0];
        assert_eq!(f.url, "https://mirror.example/files/demo-pkg-1.0.tar.gz");
        assert_eq!(f.sha256(), Some("abcd"));
        assert_eq!(f.requires_python.as_deref(), Some(">=3.7"));
        assert_eq!(f.yanked.as_deref(), Some(""));
        assert_eq!(page.files[1].hashes["md5"], "11");
        assert_eq!(
            page.files[1].url,
            "https://mirror.example/simple/demo-pkg/demo_pkg-1.0-py3-none-any.whl"
        );
        assert!(
            matches!(&page.files[1].core_metadata, MetadataAvailability::Available { hashes } if hashes["sha256"] == "ee")
        );
        assert!(
            matches!(&page.files[2].core_metadata, MetadataAvailability::Available { hashes } if hashes.is_empty())
        );
        assert_eq!(page.files[2].filename, "demo_pkg-2.0-py3-none-any.whl");
    }

    /// Issue 12: a project page of 1M links cost 3.3 GiB. Anchors are
    /// turned into files one at a time, and past [`MAX_PAGE_FILES`] the
    /// page is refused with its own error.
    #[test]
    fn million_link_page_is_refused() {
        let page: String = (0..1_000_000)
            .map(|i| format!("<a href=\"x-1.{i}.tar.gz\">x</a>\n"))
            .collect();
        let got = parse_project_page("x", "i", PAGE, Some("text/html"), page.as_bytes());
        assert!(
            matches!(
                got,
                Err(PageError::TooManyFiles {
                    limit: MAX_PAGE_FILES,
                    ..
                })
            ),
            "{got:?}"
        );
        // Below the limit every link is a file, `<base>` after the links
        // included.
        let page: String = (0..100_000)
            .map(|i| format!("<a href=\"x-1.{i}.tar.gz\">x</a>\n"))
            .chain(["<base href=\"https://files.example/p/\">".to_owned()])
            .collect();
        let got = parse_project_page("x", "i", PAGE, Some("text/html"), page.as_bytes()).unwrap();
        assert_eq!(got.files.len(), 100_000);
        assert_eq!(
            got.files[99_999].url,
            "https://files.example/p/x-1.99999.tar.gz"
        );
    }

    /// Issue 12: a 200 MB JSON page cost 4.9 GiB as a tree of values. The
    /// page is read as raw parts and each file is parsed on its own;
    /// fields the parser does not use are skipped unbuilt, and a page of
    /// more than [`MAX_PAGE_FILES`] files is refused.
    #[test]
    fn json_page_is_read_one_file_at_a_time() {
        let junk = vec!["[1,{\"a\":[2]}]"; 1_000_000].join(",");
        let body = format!(
            r#"{{"meta":{{"api-version":"1.1","junk":[{junk}]}},"junk":[{junk}],"versions":["1.0",3,"2.0"],
               "files":[{{"url":"x-1.0.tar.gz","hashes":{{"sha256":"AB"}},"junk":[{junk}]}}]}}"#
        );
        let page = j(body.as_bytes()).unwrap();
        assert_eq!(page.files.len(), 1);
        assert_eq!(page.files[0].hashes["sha256"], "ab");
        assert_eq!(page.versions, ["1.0", "2.0"]);
        assert_eq!(page.api_version.as_deref(), Some("1.1"));
        let files = vec![r#"{"url":"x-1.0.tar.gz"}"#; MAX_PAGE_FILES + 1].join(",");
        let body = format!(r#"{{"files":[{files}]}}"#);
        assert!(matches!(
            j(body.as_bytes()),
            Err(PageError::TooManyFiles { .. })
        ));
        // A non-string api-version is no version at all, as before.
        let page = j(br#"{"meta":{"api-version":2},"files":[]}"#).unwrap();
        assert_eq!(page.api_version, None);
    }

    #[test]
    fn malformed_pages_are_errors() {
        assert!(matches!(
            j(b"{not json"),
            Err(PageError::MalformedJson { .. })
        ));
        assert!(matches!(j(b"[]"), Err(PageError::MalformedJson { .. })));
        assert!(matches!(
            j(br#"{"files":[{"filename":"a"}]}"#),
            Err(PageError::MalformedJson { .. })
        ));
        assert!(matches!(
            j(br#"{"files":[{"url":"a","yanked":3}]}"#),
            Err(PageError::MalformedJson { .. })
        ));
        assert!(matches!(
            j(br#"{"meta":{"api-version":"2.0"},"files":[]}"#),
            Err(PageError::UnsupportedVersion { .. })
        ));
        let h = parse_project_page("x", "i", PAGE, Some("text/html"), b"\xff\xfe<a>");
        assert!(matches!(h, Err(PageError::MalformedHtml { .. })));
        let c = parse_project_page(
            "x",
            "i",
            PAGE,
            Some("application/octet-stream"),
            b"\x00\x01",
        );
        assert!(matches!(c, Err(PageError::ContentType { .. })));
    }

    #[test]
    fn truncated_and_mutated_pages_never_panic() {
        let json = br#"{"meta":{"api-version":"1.0"},"files":[{"filename":"a-1.0.tar.gz","url":"a-1.0.tar.gz","hashes":{"sha256":"00"},"yanked":"r","core-metadata":{"sha256":"11"}}]}"#;
        let html = br#"<html><a href="a-1.0.tar.gz#sha256=00" data-yanked="x&amp;y" data-core-metadata="sha256=11">a</a></html>"#;
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for (body, ct) in [(&json[..], "application/json"), (&html[..], "text/html")] {
            for cut in 0..body.len() {
                let _ = parse_project_page("a", "i", PAGE, Some(ct), &body[..cut]);
                let _ = parse_project_page("a", "i", PAGE, None, &body[cut..]);
                let mut m = body.to_vec();
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                m[cut] = (seed & 0xff) as u8;
                let _ = parse_project_page("a", "i", PAGE, Some(ct), &m);
            }
        }
    }

    #[test]
    fn urls_for_a_project() {
        assert_eq!(
            project_url("https://mirror.example/simple", "Foo_Bar"),
            "https://mirror.example/simple/foo-bar/"
        );
        assert_eq!(
            project_json_url("https://mirror.example/simple/", "Foo").as_deref(),
            Some("https://mirror.example/pypi/foo/json")
        );
        assert_eq!(
            project_json_url("https://mirror.example/root/+simple", "Foo"),
            None
        );
    }
}
