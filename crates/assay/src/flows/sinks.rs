//! Which calls are sinks, where they send, and which of their arguments
//! are the data (not the destination).

use serde::{Deserialize, Serialize};

use crate::python::{Call, Value};

/// What a sink does with what it is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SinkKind {
    /// Sends it over the network.
    Send,
    /// Runs it as Python code.
    Exec,
    /// Runs it as a command.
    Process,
}

/// Last segments of network calls that carry data to the other end.
const SENDING: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "request",
    "urlopen",
    "Request",
    "send",
    "sendall",
    "sendto",
    "sendmail",
    "send_message",
    "storbinary",
    "storlines",
    "fetch",
    "execute",
];

/// Programs whose command line uploads a file or data.
const UPLOADERS: &[&str] = &["curl", "wget"];

/// The kind of sink `call` is, if any.
pub(super) fn kind(call: &Call) -> Option<SinkKind> {
    if call.is_code_exec() {
        return Some(SinkKind::Exec);
    }
    if call.is_process() {
        return Some(if upload_command(call).is_some() {
            SinkKind::Send
        } else {
            SinkKind::Process
        });
    }
    let sends = call.is_network()
        && call
            .name
            .last_name()
            .is_some_and(|last| SENDING.contains(&last));
    (sends || dns_query(call).is_some()).then_some(SinkKind::Send)
}

/// Name look-ups, whose question reaches the name server of the domain
/// asked about.
const RESOLVERS: &[&str] = &[
    "socket.gethostbyname",
    "socket.gethostbyname_ex",
    "socket.getaddrinfo",
    "dns.resolver.resolve",
    "dns.resolver.query",
    "dns.resolver.Resolver().resolve",
    "dns.resolver.Resolver().query",
];

/// The fixed domain under which a name look-up asks for a name built from
/// unknown parts (`socket.gethostbyname(f"{chunk}.{i}.x.example")` →
/// `x.example`): whatever fills the parts reaches that domain's name
/// server, so the look-up sends it there.
pub(super) fn dns_query(call: &Call) -> Option<&str> {
    if !RESOLVERS.contains(&call.name.as_str()) {
        return None;
    }
    let name = call.args.first().or_else(|| call.keyword("qname"))?;
    let template = name.template.as_ref()?;
    let printed = template.printed();
    let (_, domain) = printed.rsplit_once("}.")?;
    let internal = INTERNAL_SUFFIXES.iter().any(|s| {
        domain
            .strip_suffix(s)
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
    });
    (domain.contains('.') && !domain.contains(['{', '/', ' ']) && !internal).then_some(domain)
}

/// Names no public name server answers for: a cluster's, a LAN's, the
/// machine's own.
const INTERNAL_SUFFIXES: &[&str] = &[
    "local",
    "localhost",
    "internal",
    "lan",
    "home.arpa",
    "svc",
    "svc.cluster.local",
    "consul",
];

/// The command line of a process call that runs `curl`/`wget` with an
/// upload (`-F`, `-d`, `--data`, `-T`, `--post-file`, `--upload-file`).
fn upload_command(call: &Call) -> Option<&str> {
    let text = call.args.first().and_then(|v| v.printed())?;
    // The program first: most texts are no command, and a long one is
    // then never split.
    let mut words = text.split_whitespace();
    let program = crate::rules::program_name(words.next()?);
    if !UPLOADERS.contains(&program) {
        return None;
    }
    let uploads = words.any(|w| {
        matches!(
            w,
            "-F" | "-d" | "--data" | "--data-binary" | "--form" | "-T" | "--upload-file"
        ) || w.starts_with("--post-file")
            || w.starts_with("--post-data")
    });
    uploads.then_some(text)
}

/// The constant destination of a send: the URL (or the upload command's
/// URL), when it has a constant host.
pub(super) fn destination(call: &Call) -> Option<&str> {
    if let Some(domain) = dns_query(call) {
        return Some(domain);
    }
    if let Some(connected) = &call.destination {
        return Some(connected);
    }
    if let Some(command) = upload_command(call) {
        return command
            .split_whitespace()
            .find(|w| w.contains("://") || looks_like_address(w));
    }
    let url = call
        .args
        .get(url_position(call)?)
        .or_else(|| call.keyword("url"))?;
    url.printed().filter(|t| t.contains("://"))
}

/// Which positional argument of a send is its URL: none for a method of
/// a connection object (the address was given when the object was made),
/// the second for `request(method, url)` (`requests.request("POST",
/// url)`, `Session().request`, `PoolManager().request`), else the first.
fn url_position(call: &Call) -> Option<usize> {
    if call.destination.is_some() {
        return None;
    }
    Some(usize::from(method_first(call)))
}

/// `request("POST", …)`: the first argument is the HTTP method.
fn method_first(call: &Call) -> bool {
    call.name.last_name() == Some("request")
        && call.args.first().and_then(Value::printed).is_some_and(|m| {
            matches!(
                m.to_ascii_uppercase().as_str(),
                "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS"
            )
        })
}

fn looks_like_address(word: &str) -> bool {
    let host = word.split(['/', ':']).next().unwrap_or(word);
    host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// The host of a URL, when it is constant (`https://api.example/x` →
/// `api.example`); `None` when a hole of a template names it.
pub(crate) fn host_of(url: &str) -> Option<&str> {
    let after = url.split_once("://").map_or(url, |(_, rest)| rest);
    let end = after.find(['/', '?', '#', ' ']).unwrap_or(after.len());
    let authority = &after[..end];
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let host = host_port.split(':').next().unwrap_or(host_port);
    (!host.is_empty() && !host.contains('{') && host.contains('.')).then_some(host)
}

/// The arguments that carry data to the sink, each with its slot. For a
/// send, the URL is the destination: a parameter that *is* the URL chooses
/// where to send, it is not sent — unless the URL's host is constant and
/// the parameter fills a hole after it (a query string).
pub(super) fn data_args(call: &Call, kind: SinkKind) -> Vec<(super::ArgSlot, &Value)> {
    use super::ArgSlot;
    let mut out = Vec::new();
    // A look-up's data is the name it asks for.
    let upload = upload_command(call).is_some() || dns_query(call).is_some();
    let url = url_position(call);
    let (method, bound) = (method_first(call), call.destination.is_some());
    for (i, v) in call.args.iter().enumerate() {
        if kind == SinkKind::Send {
            // The method of `request("POST", url)` is no data, nor the
            // path of a connection's `request("POST", "/path", body)`.
            if method && (i == 0 || (bound && i == 1)) {
                continue;
            }
            if Some(i) == url && !upload && !url_carries_data(v) {
                continue;
            }
        }
        out.push((ArgSlot::Position(i), v));
    }
    for (k, v) in &call.keywords {
        if kind == SinkKind::Send && &**k == "url" && !url_carries_data(v) {
            continue;
        }
        // Settings, not data.
        if matches!(
            &**k,
            "timeout" | "verify" | "stream" | "allow_redirects" | "method"
        ) {
            continue;
        }
        out.push((ArgSlot::Keyword(k.clone()), v));
    }
    out
}

fn url_carries_data(url: &Value) -> bool {
    url.printed().and_then(host_of).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_urls() {
        assert_eq!(
            host_of("https://api.example.com/v1?x"),
            Some("api.example.com")
        );
        assert_eq!(host_of("http://user@1.2.3.4:8080/up"), Some("1.2.3.4"));
        assert_eq!(host_of("https://{}/v1"), None);
        assert_eq!(host_of("{}"), None);
    }
}
