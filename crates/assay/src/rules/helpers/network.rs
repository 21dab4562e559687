//! Network calls: which ones only configure a client.

/// `httpx.Client(proxy=...)`, `requests.Session()`: configuring a client
/// sends nothing; the data shows up again at the call that does.
pub(crate) fn is_constructor(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    last.starts_with(|c: char| c.is_ascii_uppercase())
}
