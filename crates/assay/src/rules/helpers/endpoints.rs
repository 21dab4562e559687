//! Throwaway receivers: collectors, tunnels, paste sites, dynamic-DNS
//! hosts and bare public IP addresses, recognised in URLs and hosts.

use crate::python::Call;

/// What kind of receiver a host is.
/// What kind of throwaway receiver an endpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Collector,
    Tunnel,
    Paste,
    DynamicDns,
    RawIp,
}

impl Kind {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Kind::Collector => "an out-of-band interaction collector",
            Kind::Tunnel => "a tunnel endpoint",
            Kind::Paste => "a paste or file-drop site",
            Kind::DynamicDns => "a dynamic-DNS host",
            Kind::RawIp => "a bare public IP address",
        }
    }
}

/// Host suffixes (matched on whole labels) and what they are. Tunnel and
/// dynamic-DNS suffixes need a label of their own in front (a specific
/// endpoint, not the provider's home page).
const HOSTS: &[(&str, Kind, bool)] = &[
    ("oastify.com", Kind::Collector, false),
    ("burpcollaborator.net", Kind::Collector, false),
    ("oast.fun", Kind::Collector, false),
    ("oast.pro", Kind::Collector, false),
    ("oast.live", Kind::Collector, false),
    ("oast.site", Kind::Collector, false),
    ("oast.online", Kind::Collector, false),
    ("oast.me", Kind::Collector, false),
    ("interact.sh", Kind::Collector, false),
    ("canarytokens.com", Kind::Collector, false),
    ("canarytokens.org", Kind::Collector, false),
    ("m.pipedream.net", Kind::Collector, false),
    ("requestbin.net", Kind::Collector, false),
    ("requestcatcher.com", Kind::Collector, false),
    ("webhook.site", Kind::Collector, false),
    ("dnslog.cn", Kind::Collector, false),
    ("ceye.io", Kind::Collector, false),
    // Mock-API and request-inspection services: an endpoint made in a
    // minute under a label of its own, that stores whatever it is sent.
    ("mockapi.io", Kind::Collector, true),
    ("beeceptor.com", Kind::Collector, true),
    ("requestinspector.com", Kind::Collector, false),
    ("ptsv3.com", Kind::Collector, false),
    ("ngrok.io", Kind::Tunnel, true),
    ("ngrok.app", Kind::Tunnel, true),
    ("ngrok-free.app", Kind::Tunnel, true),
    ("ngrok-free.dev", Kind::Tunnel, true),
    ("trycloudflare.com", Kind::Tunnel, true),
    ("serveo.net", Kind::Tunnel, false),
    ("serveousercontent.com", Kind::Tunnel, true),
    ("loca.lt", Kind::Tunnel, true),
    ("localtunnel.me", Kind::Tunnel, true),
    ("duckdns.org", Kind::DynamicDns, true),
    ("ddns.net", Kind::DynamicDns, true),
    ("hopto.org", Kind::DynamicDns, true),
    ("zapto.org", Kind::DynamicDns, true),
    ("no-ip.org", Kind::DynamicDns, true),
    ("no-ip.biz", Kind::DynamicDns, true),
    ("freemyip.com", Kind::DynamicDns, true),
    ("anondns.net", Kind::DynamicDns, true),
    ("dynu.net", Kind::DynamicDns, true),
    ("servehttp.com", Kind::DynamicDns, true),
];

/// Paste and file-drop URLs that serve what was uploaded, by host and
/// path prefix.
const PASTES: &[(&str, &str)] = &[
    ("pastebin.com", "/raw"),
    ("pastebin.com", "/api/api_post"),
    ("paste.ee", "/r/"),
    ("hastebin.com", "/raw"),
    ("transfer.sh", "/"),
    ("rentry.co", "/raw"),
];

/// The kind of receiver a URL in `text` points at, and its host.
/// The throwaway receiver a network call talks to, if any: a URL among its
/// arguments, or a bare host name or address (`socket.gethostbyname(host)`,
/// `connect((ip, port))`).
pub(crate) fn call_receiver(call: &Call) -> Option<(Kind, &str)> {
    call.arg_texts().find_map(|text| {
        classify(text).or_else(|| {
            let host = text.split_whitespace().next()?;
            (!host.contains('/') && host.contains('.'))
                .then(|| host_kind(host, "").map(|kind| (kind, host)))
                .flatten()
        })
    })
}

/// The throwaway receiver a URL in `text` points at, if any.
pub(crate) fn classify(text: &str) -> Option<(Kind, &str)> {
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let scheme_ok = rest[..at]
            .rsplit(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .is_some_and(|s| {
                let s = s.to_ascii_lowercase();
                matches!(s.as_str(), "http" | "https" | "ws" | "wss" | "ftp" | "tcp")
            });
        let after = &rest[at + 3..];
        let end = after
            .find(['/', '?', '#', '"', '\'', ' ', '\n', '{'])
            .unwrap_or(after.len());
        let authority = &after[..end];
        let host_port = authority.rsplit('@').next().unwrap_or(authority);
        let host = host_port.split(':').next().unwrap_or(host_port);
        let path = &after[end..];
        if scheme_ok && let Some(kind) = host_kind(host, path) {
            return Some((kind, host));
        }
        rest = after;
    }
    None
}

fn host_kind(host: &str, path: &str) -> Option<Kind> {
    let lower = host.to_ascii_lowercase();
    let lower = lower.trim_end_matches('.');
    for (suffix, kind, needs_label) in HOSTS {
        if lower == *suffix && !needs_label {
            return Some(*kind);
        }
        if let Some(label) = lower.strip_suffix(suffix).and_then(|l| l.strip_suffix('.'))
            && !label.is_empty()
            && label != "www"
        {
            return Some(*kind);
        }
    }
    for (site, prefix) in PASTES {
        if (lower == *site || lower.strip_suffix(site).is_some_and(|l| l.ends_with('.')))
            && path.starts_with(prefix)
            && path.len() > prefix.len() + 1
        {
            return Some(Kind::Paste);
        }
    }
    is_public_ipv4(lower).then_some(Kind::RawIp)
}

/// A public DNS resolver (`8.8.8.8`): code connects a UDP socket to one to
/// learn its own address, not to send anything.
pub(crate) fn is_public_resolver(host: &str) -> bool {
    const RESOLVERS: &[[u8; 4]] = &[
        [8, 8, 8, 8],
        [8, 8, 4, 4],
        [1, 1, 1, 1],
        [1, 0, 0, 1],
        [9, 9, 9, 9],
        [208, 67, 222, 222],
    ];
    host.parse::<std::net::Ipv4Addr>()
        .is_ok_and(|ip| RESOLVERS.contains(&ip.octets()))
}

fn is_public_ipv4(host: &str) -> bool {
    let Ok(ip) = host.parse::<std::net::Ipv4Addr>() else {
        return false;
    };
    let [a, b, ..] = ip.octets();
    !(ip.is_private()
        || is_public_resolver(host)
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 100 && (64..128).contains(&b)
        || a >= 224)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_receivers() {
        assert_eq!(
            classify("https://abc123.oastify.com/x").map(|k| k.0),
            Some(Kind::Collector)
        );
        assert_eq!(
            classify("http://x.y.oast.fun").map(|k| k.0),
            Some(Kind::Collector)
        );
        assert_eq!(
            classify("https://reda-seq.ngrok-free.dev/tron").map(|k| k.0),
            Some(Kind::Tunnel)
        );
        assert_eq!(
            classify("https://pastebin.com/raw/AbCd1234").map(|k| k.0),
            Some(Kind::Paste)
        );
        assert_eq!(
            classify("http://evil.duckdns.org:8080/").map(|k| k.0),
            Some(Kind::DynamicDns)
        );
        assert_eq!(
            classify("http://144.24.115.170/receive_log").map(|k| k.0),
            Some(Kind::RawIp)
        );
    }

    #[test]
    fn ordinary_hosts_are_not_receivers() {
        assert_eq!(classify("https://ngrok.com/docs"), None);
        assert_eq!(classify("https://www.duckdns.org/"), None);
        assert_eq!(classify("https://pastebin.com/"), None);
        assert_eq!(
            classify("https://pastebin.com/api/api_post.php").map(|k| k.0),
            Some(Kind::Paste)
        );
        assert_eq!(classify("http://127.0.0.1:8000/"), None);
        assert_eq!(classify("http://192.168.1.10/"), None);
        assert_eq!(classify("http://169.254.169.254/latest"), None);
        assert_eq!(classify("http://203.0.113.7/"), None);
        assert_eq!(
            classify("https://66c0dc0bba6f27ca9a57c4bf.mockapi.io/tron").map(|k| k.0),
            Some(Kind::Collector)
        );
        assert_eq!(classify("https://mockapi.io/docs"), None);
        assert_eq!(classify("see oastify.com for details"), None);
        assert_eq!(classify("https://notoastify.com/"), None);
    }
}
