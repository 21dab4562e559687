//! A small, tolerant HTML scanner for PEP 503 pages: anchors with their
//! attributes and text, `<base href>`, and `<meta name=... content=...>`.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

/// One `<a>` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Anchor {
    /// Attributes with lower-case names and unescaped values (valueless
    /// attributes map to `""`).
    pub attrs: BTreeMap<String, String>,
    /// The unescaped, trimmed text content.
    pub text: String,
}

/// What a page holds that the simple API uses.
#[derive(Debug, Default)]
pub(crate) struct Document {
    /// Only [`parse`] fills it in; [`scan`] hands anchors over instead.
    #[cfg(test)]
    pub anchors: Vec<Anchor>,
    pub base_href: Option<String>,
    pub meta: BTreeMap<String, String>,
}

/// Scans `html` for tags. Never fails: unknown or broken markup is skipped.
#[cfg(test)]
pub(crate) fn parse(html: &str) -> Document {
    let mut anchors = Vec::new();
    let mut doc = scan(html, |a| {
        anchors.push(a);
        ControlFlow::Continue(())
    });
    doc.anchors = anchors;
    doc
}

/// Scans `html` for tags, handing each anchor to `on_anchor` as it is
/// found (a page of a million links is never held as anchors), until it
/// breaks. The document returned has no anchors.
pub(crate) fn scan(html: &str, mut on_anchor: impl FnMut(Anchor) -> ControlFlow<()>) -> Document {
    let mut doc = Document::default();
    let mut pos = 0;
    // Offsets are shared: ASCII lower-casing keeps every byte position.
    let lower = html.to_ascii_lowercase();
    while let Some(off) = html[pos..].find('<') {
        let start = pos + off;
        if html[start..].starts_with("<!--") {
            pos = html[start..]
                .find("-->")
                .map_or(html.len(), |e| start + e + 3);
            continue;
        }
        let (name, attrs, end) = parse_tag(html, start + 1);
        pos = end.max(start + 1);
        match name.as_str() {
            "a" => {
                let (text_end, close) = anchor_end(&lower, pos);
                let text = strip_tags(&html[pos..text_end]);
                let anchor = Anchor {
                    attrs,
                    text: unescape(text.trim()),
                };
                if on_anchor(anchor).is_break() {
                    return doc;
                }
                if let Some(c) = close {
                    pos = html[c..].find('>').map_or(html.len(), |e| c + e + 1);
                }
            }
            "base" if doc.base_href.is_none() => {
                doc.base_href = attrs.get("href").cloned();
            }
            "meta" => {
                if let (Some(n), Some(c)) = (attrs.get("name"), attrs.get("content")) {
                    doc.meta.insert(n.to_ascii_lowercase(), c.clone());
                }
            }
            "script" | "style" => {
                let close = find_ci(&lower, pos, &format!("</{name}"));
                pos = close.unwrap_or(html.len());
            }
            _ => {}
        }
    }
    doc
}

/// Where an anchor's text ends: at `</a` (returned as the close tag), or
/// unclosed at the next `<a` or the end. Stopping at the next anchor keeps
/// hostile pages full of unclosed anchors linear.
fn anchor_end(lower: &str, from: usize) -> (usize, Option<usize>) {
    let bytes = lower.as_bytes();
    let mut i = from;
    while let Some(off) = lower.get(i..).and_then(|r| r.find('<')) {
        let at = i + off;
        let rest = &bytes[at..];
        if rest.starts_with(b"</a") {
            return (at, Some(at));
        }
        if rest.starts_with(b"<a")
            && rest
                .get(2)
                .is_none_or(|c| c.is_ascii_whitespace() || *c == b'>' || *c == b'/')
        {
            return (at, None);
        }
        i = at + 1;
    }
    (lower.len(), None)
}

fn find_ci(lower: &str, from: usize, needle: &str) -> Option<usize> {
    lower.get(from..)?.find(needle).map(|i| from + i)
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Parses a tag starting after `<`; returns its lower-case name (empty for
/// end tags and declarations), attributes and the index after `>`.
fn parse_tag(html: &str, mut i: usize) -> (String, BTreeMap<String, String>, usize) {
    let b = html.as_bytes();
    let mut attrs = BTreeMap::new();
    let name_start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric()) {
        i += 1;
    }
    let name = html[name_start..i].to_ascii_lowercase();
    if name.is_empty() {
        let end = html[i..].find('>').map_or(html.len(), |e| i + e + 1);
        return (String::new(), attrs, end);
    }
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return (name, attrs, b.len());
        }
        if b[i] == b'>' {
            return (name, attrs, i + 1);
        }
        let an_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let attr_name = html[an_start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let v_start = i + 1;
                let v_end = html[v_start..]
                    .bytes()
                    .position(|c| c == q)
                    .map_or(html.len(), |p| v_start + p);
                value = unescape(&html[v_start..v_end]);
                i = (v_end + 1).min(b.len());
            } else {
                let v_start = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                value = unescape(&html[v_start..i]);
            }
        }
        if !attr_name.is_empty() {
            attrs.entry(attr_name).or_insert(value);
        } else if i == an_start && i < b.len() && b[i] != b'>' {
            // Nothing read: step over one character, never into one.
            i += html[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
}

/// Replaces HTML character references (named basics and numeric).
pub(crate) fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..]
            .find(|c: char| c == ';' || c == '&' || c.is_whitespace())
            .map(|e| e + 1);
        let decoded = end
            .filter(|&e| rest.as_bytes().get(e) == Some(&b';'))
            .and_then(|e| {
                let ent = &rest[1..e];
                let c = match ent {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some('\u{a0}'),
                    _ => {
                        let num = ent.strip_prefix('#')?;
                        let code = match num.strip_prefix(['x', 'X']) {
                            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                            None => num.parse().ok()?,
                        };
                        char::from_u32(code)
                    }
                }?;
                Some((c, e + 1))
            });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_anchors_and_attributes() {
        let doc = parse(
            r#"<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.1">
            <base href="https://mirror.example/base/"></head><body>
            <!-- <a href="commented">x</a> -->
            <A HREF='a-1.0.tar.gz#sha256=00' data-requires-python="&gt;=3.8" data-yanked>a-1.0.tar.gz</A>
            <a href=b-1.0.whl data-dist-info-metadata="sha256=ff">b<br>-1.0.whl</a>
            <a href="c&amp;d">trailing
            "#,
        );
        assert_eq!(doc.anchors.len(), 3);
        let a = &doc.anchors[0];
        assert_eq!(a.attrs["href"], "a-1.0.tar.gz#sha256=00");
        assert_eq!(a.attrs["data-requires-python"], ">=3.8");
        assert_eq!(a.attrs["data-yanked"], "");
        assert_eq!(doc.anchors[1].attrs["href"], "b-1.0.whl");
        assert_eq!(doc.anchors[1].text, "b-1.0.whl");
        assert_eq!(doc.anchors[2].attrs["href"], "c&d");
        assert_eq!(
            doc.base_href.as_deref(),
            Some("https://mirror.example/base/")
        );
        assert_eq!(doc.meta["pypi:repository-version"], "1.1");
    }

    /// Found by the `simple_page` fuzz target (session 10): after a value
    /// with no attribute name (`<aef="…"`), the parser stepped one byte
    /// into the next character and sliced the page there.
    #[test]
    fn nameless_attribute_value_before_a_multibyte_character_does_not_panic() {
        let doc = parse("<body><aef=\"x\"\u{4cd}euir=1><a href=\"\u{4cd}x\" =\"y\"\u{e9}>t</a>");
        assert_eq!(doc.anchors.len(), 1);
        assert_eq!(doc.anchors[0].attrs["href"], "\u{4cd}x");
        assert_eq!(
            doc.anchors[0].attrs.get("\u{e9}").map(String::as_str),
            Some("")
        );
    }

    #[test]
    fn unescapes_references() {
        assert_eq!(unescape("a&amp;b&#62;&#x3C;&bogus;&"), "a&b><&bogus;&");
        assert_eq!(unescape("&#xFFFFFFFF;"), "&#xFFFFFFFF;");
    }

    #[test]
    fn unclosed_anchors_stay_linear() {
        let page = "<a href=x>t".repeat(200_000);
        let start = std::time::Instant::now();
        let doc = parse(&page);
        assert_eq!(doc.anchors.len(), 200_000);
        assert_eq!(doc.anchors[0].text, "t");
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn hostile_markup_does_not_panic() {
        for s in [
            "<",
            "<a",
            "<a href",
            "<a href=\"",
            "<a href='x",
            "<a =",
            "<<<>>>",
            "<a/>é<a\u{0}",
        ] {
            let _ = parse(s);
        }
    }
}
