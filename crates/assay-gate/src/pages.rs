//! Project pages as the proxy serves them: PEP 691 JSON or PEP 503 HTML,
//! chosen by the `Accept` header, with every file URL pointing back at the
//! proxy and everything else the upstream said kept (hashes,
//! `requires-python`, `yanked`, `upload-time`, `size`, PEP 658/714
//! metadata).

use assay_index::{DistFile, MetadataAvailability};
use serde_json::{Map, Value, json};

use crate::escape::{html, url_path_segment};

/// PEP 691 JSON, version 1.
pub const JSON: &str = "application/vnd.pypi.simple.v1+json";
/// PEP 691 HTML, version 1.
pub const HTML_V1: &str = "application/vnd.pypi.simple.v1+html";
/// Plain HTML (PEP 503).
pub const HTML: &str = "text/html";

/// A page format, with the content type to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PEP 691 JSON.
    Json,
    /// HTML, served under this content type.
    Html(&'static str),
}

impl Format {
    /// The `Content-Type` of the answer.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => JSON,
            Format::Html(ct) => ct,
        }
    }
}

/// Picks the format from an `Accept` header as PEP 691 describes: the
/// highest quality the client gives, JSON on a tie, HTML with no header or
/// when nothing offered matches. `None` when the client accepts nothing we
/// serve (answer 406).
pub fn negotiate(accept: Option<&str>) -> Option<Format> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(Format::Html(HTML));
    };
    let mut best: Option<(f32, Format)> = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let format =
            match media.as_str() {
                "application/vnd.pypi.simple.v1+json"
                | "application/vnd.pypi.simple.latest+json" => Format::Json,
                "application/vnd.pypi.simple.v1+html"
                | "application/vnd.pypi.simple.latest+html" => Format::Html(HTML_V1),
                "text/html" | "text/*" | "*/*" => Format::Html(HTML),
                _ => continue,
            };
        if q <= 0.0 {
            continue;
        }
        let better = match best {
            None => true,
            Some((bq, bf)) => q > bq || (q == bq && format == Format::Json && bf != Format::Json),
        };
        if better {
            best = Some((q, format));
        }
    }
    best.map(|(_, f)| f)
}

/// The proxy URL of a file, relative to its project page
/// (`/simple/<project>/`): `../../files/<project>/<filename>`.
pub fn file_href(project: &str, filename: &str) -> String {
    format!(
        "../../files/{}/{}",
        url_path_segment(project),
        url_path_segment(filename)
    )
}

/// The API version a page can honestly declare: 1.1 (PEP 700) needs every
/// file's size.
fn api_version(files: &[DistFile]) -> &'static str {
    if files.iter().all(|f| f.size.is_some()) {
        "1.1"
    } else {
        "1.0"
    }
}

/// The page in `format`.
pub fn render(format: Format, project: &str, files: &[DistFile], versions: &[String]) -> String {
    match format {
        Format::Json => render_json(project, files, versions),
        Format::Html(_) => render_html(project, files),
    }
}

fn hashes_value(hashes: &std::collections::BTreeMap<String, String>) -> Value {
    Value::Object(
        hashes
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

fn render_json(project: &str, files: &[DistFile], versions: &[String]) -> String {
    let version = api_version(files);
    let files: Vec<Value> = files
        .iter()
        .map(|f| {
            let mut o = Map::new();
            o.insert("filename".into(), json!(f.filename));
            o.insert("url".into(), json!(file_href(project, &f.filename)));
            o.insert("hashes".into(), hashes_value(&f.hashes));
            if let Some(rp) = &f.requires_python {
                o.insert("requires-python".into(), json!(rp));
            }
            if let Some(reason) = &f.yanked {
                let value = if reason.is_empty() {
                    json!(true)
                } else {
                    json!(reason)
                };
                o.insert("yanked".into(), value);
            }
            if let MetadataAvailability::Available { hashes } = &f.core_metadata {
                // PEP 714: the new key, and the old one for older clients.
                o.insert("core-metadata".into(), hashes_value(hashes));
                o.insert("dist-info-metadata".into(), hashes_value(hashes));
            }
            if let Some(size) = f.size {
                o.insert("size".into(), json!(size));
            }
            if let Some(t) = &f.upload_time {
                o.insert("upload-time".into(), json!(t));
            }
            Value::Object(o)
        })
        .collect();
    let mut page = json!({
        "meta": {"api-version": version},
        "name": project,
        "files": files,
    });
    if version == "1.1" {
        let mut all: Vec<String> = versions.to_vec();
        if all.is_empty() {
            // An HTML upstream gives no version list: derive it.
            for f in files_versions(&page) {
                if !all.contains(&f) {
                    all.push(f);
                }
            }
        }
        page["versions"] = json!(all);
    }
    page.to_string()
}

fn files_versions(page: &Value) -> Vec<String> {
    page["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["filename"].as_str())
        .filter_map(|name| assay_index::parse_filename(name, "").version)
        .map(|v| v.to_string())
        .collect()
}

fn render_html(project: &str, files: &[DistFile]) -> String {
    let name = html(project);
    let mut out = format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"1.0\">\n\
         <title>Links for {name}</title>\n</head>\n<body>\n<h1>Links for {name}</h1>\n"
    );
    for f in files {
        let mut href = file_href(project, &f.filename);
        if let Some((alg, digest)) = preferred_hash(f) {
            href.push_str(&format!("#{alg}={digest}"));
        }
        out.push_str(&format!("<a href=\"{}\"", html(&href)));
        if let Some(rp) = &f.requires_python {
            out.push_str(&format!(" data-requires-python=\"{}\"", html(rp)));
        }
        if let Some(reason) = &f.yanked {
            out.push_str(&format!(" data-yanked=\"{}\"", html(reason)));
        }
        if let MetadataAvailability::Available { hashes } = &f.core_metadata {
            let value = hashes
                .get("sha256")
                .map(|d| format!("sha256={d}"))
                .or_else(|| hashes.iter().next().map(|(a, d)| format!("{a}={d}")))
                .unwrap_or_else(|| "true".to_owned());
            let value = html(&value);
            out.push_str(&format!(
                " data-core-metadata=\"{value}\" data-dist-info-metadata=\"{value}\""
            ));
        }
        out.push_str(&format!(">{}</a><br>\n", html(&f.filename)));
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn preferred_hash(f: &DistFile) -> Option<(&str, &str)> {
    ["sha256", "sha512", "sha384", "md5"]
        .iter()
        .find_map(|a| f.hashes.get(*a).map(|d| (*a, d.as_str())))
}

/// The root page: the proxy does not list the upstream's projects (it
/// cannot know them all cheaply); clients only need project pages.
pub fn render_root(format: Format) -> String {
    match format {
        Format::Json => json!({"meta": {"api-version": "1.0"}, "projects": []}).to_string(),
        Format::Html(_) => "<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"1.0\">\n<title>Simple index</title>\n</head>\n<body>\n</body>\n</html>\n".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn file(name: &str) -> DistFile {
        let parsed = assay_index::parse_filename(name, "demo");
        DistFile {
            filename: name.to_owned(),
            url: format!("https://user:secret@upstream.example/f/{name}"),
            hashes: BTreeMap::from([("sha256".to_owned(), "ab".repeat(32))]),
            requires_python: Some(">=3.8".to_owned()),
            yanked: Some("bad <build>".to_owned()),
            core_metadata: MetadataAvailability::Available {
                hashes: BTreeMap::from([("sha256".to_owned(), "cd".repeat(32))]),
            },
            upload_time: Some("2024-01-01T00:00:00Z".to_owned()),
            size: Some(12),
            version: parsed.version,
            kind: parsed.kind,
        }
    }

    #[test]
    fn negotiation_follows_the_accept_header() {
        assert_eq!(negotiate(None), Some(Format::Html(HTML)));
        assert_eq!(
            negotiate(Some(assay_index::simple::ACCEPT)),
            Some(Format::Json)
        );
        assert_eq!(
            negotiate(Some("application/vnd.pypi.simple.v1+json;q=0.5, text/html")),
            Some(Format::Html(HTML))
        );
        assert_eq!(
            negotiate(Some("application/vnd.pypi.simple.v1+html")),
            Some(Format::Html(HTML_V1))
        );
        assert_eq!(negotiate(Some("*/*")), Some(Format::Html(HTML)));
        assert_eq!(negotiate(Some("image/png")), None);
        assert_eq!(
            negotiate(Some("application/vnd.pypi.simple.v1+json;q=0")),
            None
        );
    }

    #[test]
    fn json_pages_keep_the_upstream_facts_and_point_at_the_proxy() {
        let files = [file("demo-1.0-py3-none-any.whl")];
        let page: Value =
            serde_json::from_str(&render(Format::Json, "demo", &files, &[])).expect("json");
        assert_eq!(page["meta"]["api-version"], "1.1");
        assert_eq!(page["versions"], json!(["1.0"]));
        let f = &page["files"][0];
        assert_eq!(f["url"], "../../files/demo/demo-1.0-py3-none-any.whl");
        assert_eq!(f["hashes"]["sha256"], "ab".repeat(32));
        assert_eq!(f["requires-python"], ">=3.8");
        assert_eq!(f["yanked"], "bad <build>");
        assert_eq!(f["core-metadata"]["sha256"], "cd".repeat(32));
        assert_eq!(f["dist-info-metadata"]["sha256"], "cd".repeat(32));
        assert_eq!(f["size"], 12);
        assert_eq!(f["upload-time"], "2024-01-01T00:00:00Z");
        assert!(!page.to_string().contains("secret"));
    }

    #[test]
    fn html_pages_escape_and_read_back() {
        let mut f = file("demo-1.0.tar.gz");
        f.yanked = Some(String::new());
        f.size = None;
        let body = render(Format::Html(HTML), "demo", &[f], &[]);
        assert!(body.contains("href=\"../../files/demo/demo-1.0.tar.gz#sha256="));
        assert!(body.contains("data-requires-python=\"&gt;=3.8\""));
        assert!(body.contains("data-yanked=\"\""));
        assert!(body.contains(&format!(
            "data-core-metadata=\"sha256={}\"",
            "cd".repeat(32)
        )));
        let page = assay_index::simple::parse_project_page(
            "demo",
            "http://127.0.0.1:1/simple",
            "http://127.0.0.1:1/simple/demo/",
            Some("text/html"),
            body.as_bytes(),
        )
        .expect("parses");
        let back = &page.files[0];
        assert_eq!(back.url, "http://127.0.0.1:1/files/demo/demo-1.0.tar.gz");
        assert_eq!(back.requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(back.yanked.as_deref(), Some(""));
        assert_eq!(back.sha256(), Some("ab".repeat(32).as_str()));
        let json = render(Format::Json, "demo", &[file("demo-1.0.tar.gz")], &[]);
        let page = assay_index::simple::parse_project_page(
            "demo",
            "http://127.0.0.1:1/simple",
            "http://127.0.0.1:1/simple/demo/",
            Some(JSON),
            json.as_bytes(),
        )
        .expect("parses");
        assert_eq!(page.files[0].yanked.as_deref(), Some("bad <build>"));
    }

    #[test]
    fn hostile_file_names_cannot_break_out_of_the_page() {
        let f = file("demo-1.0\"><script>x</script>.tar.gz");
        let body = render(Format::Html(HTML), "demo", &[f], &[]);
        assert!(!body.contains("<script>"));
        assert!(file_href("demo", "../x/y?#").ends_with("/demo/..%2Fx%2Fy%3F%23"));
    }
}
