//! Whose host is it: a package's own service hosts, learnt from the
//! package, against hosts that look like no one's service.
//!
//! A host is the package's own when its registered domain appears in the
//! package's metadata URLs or e-mail addresses, or when the package talks
//! to it from more than one call site. An endpoint built from a parameter
//! or configuration has no constant host at all: the user chose it. A host
//! is *foreign* ([`Hosts::foreign`]) when its name is not written in the
//! source (assembled, reversed or encoded), when it is a bare public IP
//! address or a throwaway receiver (tunnel, paste site, interaction
//! collector), or when it is not the package's own and the call that
//! sends to it swallows every error (fire-and-forget).

use std::collections::{HashMap, HashSet};

use crate::artifact::CoreMetadata;
use crate::python::FileAnalysis;
use crate::rules::helpers::{chat_channels, endpoints};

/// Why a host is foreign: its name is not in the source as written.
pub const HIDDEN_HOST: &str = "an address assembled, reversed or encoded in the code";
/// Why a host is foreign: a chat channel whose token is in the code.
pub const PRIVATE_CHANNEL: &str = "the author's private chat channel, whose token is in the code";
/// Why a host is foreign: a subdomain of a free app-hosting platform
/// that the package's metadata does not name.
pub const APP_HOST: &str = "a free app-hosting subdomain the package's metadata does not name";
/// Why a host is foreign: the package does not otherwise use it, and the
/// send swallows every error.
pub const UNUSED_HOST: &str = "a host the package uses nowhere else, with every error swallowed";

/// Why a host is foreign: data is spelled into the names asked of its
/// name server, a channel no service is reached by.
pub const NAME_SERVER: &str = "a name server asked for names spelled from the data, a DNS tunnel";

/// Why a host is foreign: the code carries the token of an account on it,
/// and an account whose token ships in a package is its author's.
pub const AUTHOR_ACCOUNT: &str = "an account whose access token is written in the code";

/// Token prefixes of code and chat services, with the service's domain.
const ACCOUNT_TOKENS: &[(&str, &str)] = &[
    ("ghp_", "github.com"),
    ("gho_", "github.com"),
    ("github_pat_", "github.com"),
    ("glpat-", "gitlab.com"),
    ("xoxb-", "slack.com"),
    ("xoxp-", "slack.com"),
];

/// Whether `strings` (a file's constants, folded) hold an access token of
/// the service `host` belongs to (`ghp_…` for `api.github.com`).
pub fn author_account<'s>(host: &str, mut strings: impl Iterator<Item = &'s str>) -> bool {
    let domain = registered_domain(host);
    let prefixes: Vec<&str> = ACCOUNT_TOKENS
        .iter()
        .filter(|(_, service)| *service == domain)
        .map(|(prefix, _)| *prefix)
        .collect();
    !prefixes.is_empty()
        && strings.any(|text| {
            prefixes.iter().any(|prefix| {
                text.match_indices(prefix).any(|(at, _)| {
                    text[at + prefix.len()..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .count()
                        >= 20
                })
            })
        })
}

/// Free app-hosting platforms: anyone gets `NAME.<suffix>` in a minute,
/// with no account a victim could trace, and takes it down as fast. A
/// stealer's receiver (a function relaying what it is given) lives there
/// as often as on a bare IP. The suffixes are public suffixes: each
/// subdomain is a different owner's site.
const APP_HOSTING: &[&str] = &[
    "netlify.app",
    "vercel.app",
    "herokuapp.com",
    "onrender.com",
    "glitch.me",
    "repl.co",
    "replit.app",
    "replit.dev",
    "pages.dev",
    "workers.dev",
    "deno.dev",
    "fly.dev",
    "up.railway.app",
    "koyeb.app",
    "cyclic.app",
    "surge.sh",
    "000webhostapp.com",
    "pythonanywhere.com",
    "web.app",
    "firebaseapp.com",
    "cloudfunctions.net",
];

/// The app-hosting platform `host` is a site of (`x.onrender.com`).
fn app_hosting_suffix(host: &str) -> Option<&'static str> {
    // Compared as bytes: a hostile host name need not be ASCII.
    let host = host.trim_end_matches('.').as_bytes();
    APP_HOSTING.iter().copied().find(|suffix| {
        host.len() > suffix.len() + 1
            && host[host.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
            && host[host.len() - suffix.len() - 1] == b'.'
    })
}

/// The registered domains a package's metadata names: its URLs and the
/// domains of its e-mail addresses.
fn metadata_domains(metadata: &CoreMetadata) -> impl Iterator<Item = String> + '_ {
    let urls = metadata
        .home_page
        .iter()
        .chain(&metadata.download_url)
        .chain(metadata.project_urls.iter().map(|(_, u)| u))
        .filter_map(|url| super::sinks::host_of(url))
        .map(registered_domain);
    let mails = metadata
        .author_email
        .iter()
        .chain(&metadata.maintainer_email)
        .flat_map(|email| email.split([',', ' ', '<', '>']))
        .filter_map(|part| {
            part.split_once('@')
                .map(|(_, domain)| registered_domain(domain))
        });
    urls.chain(mails)
}

/// What the package says about its hosts.
#[derive(Debug, Default)]
pub struct Hosts {
    /// Registered domains the package's metadata names.
    own: HashSet<String>,
    /// Call sites that send to each registered domain.
    sites: HashMap<String, usize>,
}

impl Hosts {
    /// `kinds` holds each call's sink kind, by file then call.
    pub(super) fn of(
        python: &[FileAnalysis],
        kinds: &[Vec<Option<super::SinkKind>>],
        metadata: Option<&CoreMetadata>,
    ) -> Hosts {
        let mut hosts = Hosts::default();
        if let Some(m) = metadata {
            hosts.own.extend(metadata_domains(m));
        }
        for (file, kinds) in python.iter().zip(kinds) {
            for (call, kind) in file.calls.iter().zip(kinds) {
                if kind.is_some()
                    && let Some(host) =
                        super::sinks::destination(call).and_then(super::sinks::host_of)
                {
                    *hosts.sites.entry(registered_domain(host)).or_default() += 1;
                }
            }
        }
        hosts
    }

    /// The package's own host: named in its metadata, or sent to from
    /// more than one call site.
    pub(super) fn is_own(&self, host: &str) -> bool {
        let domain = registered_domain(host);
        self.own.contains(&domain) || self.sites.get(&domain).is_some_and(|&n| n > 1)
    }

    /// Why `host` looks like no one's service, if it does. `source` is the
    /// text of the file that sends to it; `silenced` says the send
    /// swallows every error.
    pub(super) fn foreign(
        &self,
        url: &str,
        host: &str,
        source: &str,
        silenced: bool,
    ) -> Option<&'static str> {
        foreign_endpoint(url, host, source)
            .or_else(|| {
                (app_hosting_suffix(host).is_some() && !self.is_own(host)).then_some(APP_HOST)
            })
            .or_else(|| (silenced && !self.is_own(host)).then_some(UNUSED_HOST))
    }
}

/// Why the endpoint `url` (with host `host`), sent to from a file whose
/// text is `source`, belongs to no service a user would send data to,
/// whatever the package: its host is not written in the source, it is a
/// throwaway receiver, or it is a chat channel whose token the code
/// carries (the author's own).
pub fn foreign_endpoint(url: &str, host: &str, source: &str) -> Option<&'static str> {
    if !source.contains(host) {
        return Some(HIDDEN_HOST);
    }
    if let Some((kind, _)) = endpoints::classify(&format!("http://{host}/x")) {
        return Some(kind.describe());
    }
    chat_channels::private_channel(url).map(|_| PRIVATE_CHANNEL)
}

/// Why the endpoint `url` on `host` is foreign to a package whose
/// metadata is `metadata`: [`foreign_endpoint`], or a free app-hosting
/// site the metadata does not name. For rules that weigh one call; the
/// flows weigh hosts with [`Hosts::foreign`].
pub fn foreign_to_package(
    url: &str,
    host: &str,
    source: &str,
    metadata: Option<&CoreMetadata>,
) -> Option<&'static str> {
    foreign_endpoint(url, host, source).or_else(|| {
        app_hosting_suffix(host)?;
        let domain = registered_domain(host);
        let named = metadata.is_some_and(|m| metadata_domains(m).any(|d| d == domain));
        (!named).then_some(APP_HOST)
    })
}

/// [`foreign_to_package`] for a URL, whose host is read from it.
pub fn foreign_url(
    url: &str,
    source: &str,
    metadata: Option<&CoreMetadata>,
) -> Option<&'static str> {
    foreign_to_package(url, super::sinks::host_of(url)?, source, metadata)
}

/// The registrable part of a host name: its last two labels, three when
/// the second-level label is a short public suffix part (`co.uk`) or the
/// host is a site of an app-hosting platform (`x.onrender.com`).
fn registered_domain(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return host;
    }
    if let Some(suffix) = app_hosting_suffix(&host) {
        let site = host[..host.len() - suffix.len() - 1]
            .rsplit('.')
            .next()
            .unwrap_or("");
        return format!("{site}.{suffix}");
    }
    let labels: Vec<&str> = host.split('.').collect();
    let keep = match labels.as_slice() {
        [.., second, _] if second.len() <= 3 && labels.len() > 2 => 3,
        _ => 2,
    };
    labels[labels.len().saturating_sub(keep)..].join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_token_in_the_code_makes_its_service_the_authors() {
        let token = "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
        assert!(author_account("api.github.com", [token].into_iter()));
        assert!(!author_account("api.gitlab.com", [token].into_iter()));
        assert!(!author_account("api.github.com", ["ghp_short"].into_iter()));
        assert!(!author_account("api.github.com", ["token"].into_iter()));
    }

    #[test]
    fn registered_domains() {
        assert_eq!(registered_domain("api.example.com"), "example.com");
        assert_eq!(
            registered_domain("api.my-app.onrender.com"),
            "my-app.onrender.com"
        );
        assert_eq!(registered_domain("onrender.com"), "onrender.com");
        assert_eq!(registered_domain("a.b.example.co.uk"), "example.co.uk");
        assert_eq!(registered_domain("1.2.3.4"), "1.2.3.4");
    }

    #[test]
    fn foreign_hosts() {
        let hosts = Hosts::default();
        let source = "URL = 'https://api.example.com/v1'";
        let url = "https://api.example.com/v1";
        assert!(
            hosts
                .foreign(url, "api.example.com", source, false)
                .is_none()
        );
        assert!(
            hosts
                .foreign(url, "api.example.com", source, true)
                .is_some()
        );
        assert!(
            hosts
                .foreign(
                    "https://collector.example.org/",
                    "collector.example.org",
                    source,
                    false
                )
                .is_some()
        );
        let site = "https://calm-lake-42.vercel.app/api";
        assert_eq!(
            hosts.foreign(site, "calm-lake-42.vercel.app", site, false),
            Some(APP_HOST)
        );
        assert_eq!(
            foreign_to_package(site, "calm-lake-42.vercel.app", site, None),
            Some(APP_HOST)
        );
        // The platform's own site, and hosts that merely end alike.
        assert!(app_hosting_suffix("vercel.app").is_none());
        assert!(app_hosting_suffix("notvercel.app").is_none());
        // Not ASCII: no panic on a byte that is inside a character.
        assert!(app_hosting_suffix("你的项目主页.com").is_none());
        assert_eq!(registered_domain("主页.onrender.com"), "主页.onrender.com");
        let bot = "https://api.telegram.org/bot1234567890:AAHJuPVZFFHSurKXCxqa_h3kjxqd7IRcUJU/sendMessage";
        assert_eq!(
            hosts.foreign(bot, "api.telegram.org", bot, false),
            Some(PRIVATE_CHANNEL)
        );
        let configured = "https://api.telegram.org/bot{}/sendMessage";
        assert!(
            hosts
                .foreign(configured, "api.telegram.org", configured, false)
                .is_none()
        );
    }
}
