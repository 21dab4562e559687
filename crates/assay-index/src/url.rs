//! Just enough URL handling for index pages: splitting, credentials,
//! hosts and RFC 3986 reference resolution. Kept local to avoid a large
//! dependency for a few well-defined algorithms.

/// The parts of an absolute URL (`scheme://authority/path?query#fragment`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parts<'a> {
    pub scheme: &'a str,
    pub authority: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub fragment: Option<&'a str>,
}

/// Splits an absolute `http`/`https`/`file` URL; `None` if it is not one.
pub(crate) fn split(url: &str) -> Option<Parts<'_>> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    Some(Parts {
        scheme,
        authority,
        path,
        query,
        fragment,
    })
}

/// The lower-cased host of a URL (no port, no credentials, no brackets).
pub(crate) fn host(url: &str) -> Option<String> {
    let parts = split(url)?;
    let hostport = parts
        .authority
        .rsplit_once('@')
        .map_or(parts.authority, |(_, h)| h);
    let host = if let Some(rest) = hostport.strip_prefix('[') {
        rest.split_once(']').map_or(rest, |(h, _)| h)
    } else {
        hostport.split_once(':').map_or(hostport, |(h, _)| h)
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// The host and optional port (`host:port`) of a URL, lower-cased.
pub(crate) fn host_port(url: &str) -> Option<String> {
    let parts = split(url)?;
    let hostport = parts
        .authority
        .rsplit_once('@')
        .map_or(parts.authority, |(_, h)| h);
    (!hostport.is_empty()).then(|| hostport.to_ascii_lowercase())
}

/// `url` as it may be shown to a user or written in a report: without its
/// `user:password@`.
pub fn without_credentials(url: &str) -> String {
    strip_credentials(url).0
}

/// Removes `user:password@` from a URL; returns the clean URL and the
/// percent-decoded user name and password if there were any.
pub(crate) fn strip_credentials(url: &str) -> (String, Option<(String, String)>) {
    let Some(parts) = split(url) else {
        return (url.to_owned(), None);
    };
    let Some((userinfo, hostport)) = parts.authority.rsplit_once('@') else {
        return (url.to_owned(), None);
    };
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let mut clean = format!("{}://{}{}", parts.scheme, hostport, parts.path);
    if let Some(q) = parts.query {
        clean.push('?');
        clean.push_str(q);
    }
    if let Some(f) = parts.fragment {
        clean.push('#');
        clean.push_str(f);
    }
    (
        clean,
        Some((percent_decode(user), percent_decode(password))),
    )
}

/// Decodes `%XX` escapes (invalid escapes are kept as they are).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Removes the fragment (`#...`) of a URL.
pub(crate) fn without_fragment(url: &str) -> &str {
    url.split_once('#').map_or(url, |(u, _)| u)
}

/// Resolves `reference` against the absolute `base` (RFC 3986 §5.2).
/// Returns `None` if `base` is not absolute and `reference` is relative.
pub(crate) fn join(base: &str, reference: &str) -> Option<String> {
    let reference = reference.trim();
    if split(reference).is_some() {
        return Some(reference.to_owned());
    }
    let b = split(base)?;
    if let Some(rest) = reference.strip_prefix("//") {
        return Some(format!("{}://{}", b.scheme, rest));
    }
    let (ref_main, fragment) = match reference.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (reference, None),
    };
    let (ref_path, query) = match ref_main.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (ref_main, None),
    };
    let (path, query) = if ref_path.is_empty() {
        (b.path.to_owned(), query.or(b.query))
    } else if ref_path.starts_with('/') {
        (remove_dot_segments(ref_path), query)
    } else {
        let dir = match b.path.rfind('/') {
            Some(i) => &b.path[..=i],
            None => "/",
        };
        (remove_dot_segments(&format!("{dir}{ref_path}")), query)
    };
    let mut out = format!("{}://{}{}", b.scheme, b.authority, path);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    Some(out)
}

fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

/// Ensures a URL ends with `/` (index base URLs are directories).
pub(crate) fn with_trailing_slash(url: &str) -> String {
    if url.ends_with('/') {
        url.to_owned()
    } else {
        format!("{url}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_references() {
        let base = "https://mirror.example/simple/pkg/";
        assert_eq!(
            join(base, "../../files/pkg-1.0.tar.gz#sha256=ab").as_deref(),
            Some("https://mirror.example/files/pkg-1.0.tar.gz#sha256=ab")
        );
        assert_eq!(
            join(base, "/packages/a.whl").as_deref(),
            Some("https://mirror.example/packages/a.whl")
        );
        assert_eq!(
            join(base, "a.whl").as_deref(),
            Some("https://mirror.example/simple/pkg/a.whl")
        );
        assert_eq!(
            join(base, "//other.example/x").as_deref(),
            Some("https://other.example/x")
        );
        assert_eq!(
            join(base, "http://127.0.0.1:8/x").as_deref(),
            Some("http://127.0.0.1:8/x")
        );
        assert_eq!(join("not a url", "x"), None);
    }

    #[test]
    fn credentials_and_hosts() {
        let (clean, creds) = strip_credentials("https://us%40r:p%3Aw@mirror.example:8443/simple");
        assert_eq!(clean, "https://mirror.example:8443/simple");
        assert_eq!(creds, Some(("us@r".into(), "p:w".into())));
        assert_eq!(host(&clean).as_deref(), Some("mirror.example"));
        assert_eq!(host_port(&clean).as_deref(), Some("mirror.example:8443"));
        assert_eq!(host("http://[::1]:80/x").as_deref(), Some("::1"));
        assert_eq!(strip_credentials("https://h/x").1, None);
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%41%zz"), "A%zz");
    }
}
