//! The report page behind a refusal (`/report/<sha256>`): the verdict,
//! why the file was blocked, and every finding, suppressed ones marked.
//! All of it is package-supplied text: everything is HTML-escaped.

use crate::escape::html;
use crate::gate::{Blocked, Judged};

/// The page for one file.
pub fn render(sha256: &str, judged: &Judged, blocked: Option<&Blocked>) -> String {
    let report = &judged.report;
    let title = report
        .target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| sha256.to_owned());
    let mut out = format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>assay: {t}</title>\n</head>\n<body>\n<h1>{t}</h1>\n<p>sha256 <code>{sha}</code></p>\n",
        t = html(&title),
        sha = html(sha256),
    );
    let label = judged.judgement.label.map_or("unreadable", |l| l.as_str());
    out.push_str(&format!("<p>Verdict: <strong>{}</strong>", html(label)));
    if let Some(v) = &report.verdict {
        out.push_str(&format!(" (score {})", v.score));
    }
    out.push_str("</p>\n");
    let reason = blocked
        .map(|b| b.reason.clone())
        .or_else(|| judged.judgement.blocked.clone());
    match reason {
        Some(reason) => out.push_str(&format!(
            "<p><strong>Blocked by assay:</strong> {}</p>\n",
            html(&reason)
        )),
        None => out.push_str("<p>Allowed by the policy.</p>\n"),
    }
    if !report.errors.is_empty() {
        out.push_str("<h2>Not fully scanned</h2>\n<ul>\n");
        for e in &report.errors {
            out.push_str(&format!("<li>{}</li>\n", html(e)));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h2>Findings</h2>\n");
    if report.findings.is_empty() {
        out.push_str("<p>None.</p>\n");
    }
    out.push_str("<ul>\n");
    for (i, f) in report.findings.iter().enumerate() {
        let suppressed = judged
            .judgement
            .suppressed
            .iter()
            .find(|(index, _)| *index == i)
            .map(|(_, why)| format!(" <em>suppressed: {}</em>", html(why)))
            .unwrap_or_default();
        out.push_str(&format!(
            "<li><code>{} {}</code> {} at <code>{}</code>: {}{suppressed}",
            html(f.rule),
            html(f.slug),
            html(f.severity.as_str()),
            html(&f.location.to_string()),
            html(&assay::report::message_with_via(f)),
        ));
        if let Some(excerpt) = &f.excerpt {
            out.push_str(&format!("<pre>{}</pre>", html(excerpt)));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use assay::python::names::Decoder;
    use assay::via::{Step, Via};
    use assay::{ArtifactReport, Finding, Location, Severity};
    use assay_pipeline::Judgement;

    use super::*;

    #[test]
    fn a_finding_shows_its_decoding_chain_after_its_message() {
        let mut report = ArtifactReport::unreadable(Path::new("evil-1.0.tar.gz"), String::new());
        report.errors.clear();
        report.findings.push(Finding {
            rule: "AY104",
            slug: "exec-decoded-payload",
            severity: Severity::Critical,
            message: "`builtins.exec` runs code that was decoded first".to_owned(),
            location: Location::at("evil-1.0/setup.py", 3, 1),
            context: None,
            excerpt: None,
            decoded: None,
            value_kind: Default::default(),
            via: Some(Via::of(Step::Decoder {
                decoder: Decoder::Base64,
            })),
        });
        let judged = Judged {
            report: Arc::new(report),
            judgement: Judgement {
                label: None,
                blocked: None,
                suppressed: Vec::new(),
            },
        };
        let page = render(&"ab".repeat(32), &judged, None);
        assert!(
            page.contains("runs code that was decoded first (via base64)"),
            "{page}"
        );
    }
}
