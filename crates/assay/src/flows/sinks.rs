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
    sends.then_some(SinkKind::Send)
}

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
    if let Some(command) = upload_command(call) {
        return command
            .split_whitespace()
            .find(|w| w.contains("://") || looks_like_address(w));
    }
    let url = call.args.first().or_else(|| call.keyword("url"))?;
    url.printed().filter(|t| t.contains("://"))
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
    let upload = upload_command(call).is_some();
    for (i, v) in call.args.iter().enumerate() {
        if i == 0 && kind == SinkKind::Send && !upload && !url_carries_data(v) {
            continue;
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
