//! Escaping package-supplied text (hostile input) for HTML and URLs.

/// Text safe inside HTML element content and quoted attribute values.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                out.push_str(&format!("&#x{:x};", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// One URL path segment: everything but RFC 3986 unreserved characters is
/// percent-encoded, so a name can carry no `/`, `?` or `#`.
pub fn url_path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes; `None` when the result is not UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A one-line HTTP reason phrase: visible ASCII and spaces only (RFC 9112
/// allows tabs, spaces and visible characters; anything else becomes `?`).
pub fn reason_phrase(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .take(900)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_controls() {
        assert_eq!(
            html("<a href=\"x\">'&'</a>\u{1b}"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;&#x1b;"
        );
        assert_eq!(html("plain text"), "plain text");
    }

    #[test]
    fn url_segments_round_trip() {
        for name in ["demo-1.0+local.tar.gz", "a/b?c#d e%", "ünï-1.0.whl"] {
            let encoded = url_path_segment(name);
            assert!(!encoded.contains(['/', '?', '#', ' ']));
            assert_eq!(percent_decode(&encoded).as_deref(), Some(name));
        }
        assert_eq!(percent_decode("%zz%4"), Some("%zz%4".to_owned()));
        assert_eq!(percent_decode("%ff"), None);
    }

    #[test]
    fn reason_phrases_stay_on_one_line() {
        assert_eq!(reason_phrase("a\r\nb\u{e9}"), "a??b?");
    }
}
