//! The fixed texts rules look for in a package's constant strings
//! (credential files and metadata endpoints, browser and wallet stores,
//! chat channels, mining pools and programs), found in one pass over each string. A string that
//! holds none of a group's texts is turned away without a search of its
//! own: the rules ask of every string, docstrings included, and most hold
//! nothing. The groups found are kept in the string's fact
//! ([`StringFact::keyword_groups`]), so each string is searched once
//! however many rules ask.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::chat_channels;
use super::mining::{self, Marker};
use crate::python::{StringFact, names};

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
    (".roblosecurity", "Roblox session cookie"),
];

/// Groups of texts, one bit each.
const CREDENTIAL_TARGET: u8 = 1;
const SECRET_STORE: u8 = 2;
const CHAT_CHANNEL: u8 = 4;
const MINING: u8 = 8;

/// Every text of every group (ASCII case-insensitively), with the group
/// of each pattern.
static ALL: LazyLock<(AhoCorasick, Vec<u8>)> = LazyLock::new(|| {
    // Credential paths are matched with `/` or `\` (`names::credential_target`).
    let targets = names::CREDENTIAL_PATHS
        .iter()
        .chain(names::METADATA_HOSTS)
        .flat_map(|(needle, _)| [needle.to_string(), needle.replace('/', "\\")])
        .map(|n| (n, CREDENTIAL_TARGET));
    let stores = STORES.iter().map(|(n, _)| ((*n).to_owned(), SECRET_STORE));
    let channels = chat_channels::CHANNELS
        .iter()
        .map(|(n, _)| ((*n).to_owned(), CHAT_CHANNEL));
    let mining = mining::keywords().map(|n| (n.to_owned(), MINING));
    let (needles, groups): (Vec<String>, Vec<u8>) =
        targets.chain(stores).chain(channels).chain(mining).unzip();
    let matcher = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(needles)
        .expect("keyword patterns compile");
    (matcher, groups)
});

/// The groups whose texts `text` holds.
fn groups_in(text: &str) -> u8 {
    let (matcher, groups) = &*ALL;
    let mut found = 0;
    for hit in matcher.find_overlapping_iter(text) {
        found |= groups[hit.pattern().as_usize()];
    }
    found
}

fn holds(s: &StringFact, group: u8) -> bool {
    s.keyword_groups(groups_in) & group != 0
}

/// The credential file or metadata endpoint the string names, if any
/// ([`names::credential_target`]).
pub(crate) fn credential_target(s: &StringFact) -> Option<&'static str> {
    holds(s, CREDENTIAL_TARGET)
        .then(|| names::credential_target(&s.value))
        .flatten()
}

/// The chat channel the string names, if any
/// ([`chat_channels::chat_channel`]).
pub(crate) fn chat_channel(s: &StringFact) -> Option<&'static str> {
    holds(s, CHAT_CHANNEL)
        .then(|| chat_channels::chat_channel(&s.value))
        .flatten()
}

/// The sign of mining the string holds, if any ([`mining::miner_marker`]).
pub(crate) fn miner_marker(s: &StringFact) -> Option<Marker> {
    holds(s, MINING)
        .then(|| mining::miner_marker(&s.value))
        .flatten()
}

/// [`STORES`] with `\\` and with `/`: Windows paths, and the same
/// folders built with `/` (`local / "User Data" / "Default" / "Cookies"`).
/// Only for paths built from unknown parts: a constant
/// `"Default/Network/Cookies"` is as often a browser automation's own
/// profile copy.
static STORE_NEEDLES: LazyLock<Vec<(String, &'static str)>> = LazyLock::new(|| {
    STORES
        .iter()
        .flat_map(|(needle, what)| {
            let slashed = needle.replace('\\', "/");
            let both = (slashed != *needle).then_some((slashed, *what));
            std::iter::once(((*needle).to_owned(), *what)).chain(both)
        })
        .collect()
});

/// The browser, messenger or wallet store the string names, if any.
pub(crate) fn secret_store(s: &StringFact) -> Option<&'static str> {
    static STORE_MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(STORES.iter().map(|(needle, _)| needle))
            .expect("patterns compile")
    });
    if !holds(s, SECRET_STORE) {
        return None;
    }
    STORE_MATCHER
        .find(&*s.value)
        .map(|hit| STORES[hit.pattern().as_usize()].1)
}

/// The browser, messenger or wallet store a path with unknown parts names
/// (`{}/User Data/Default/Login Data`), if any.
pub(crate) fn secret_store_in_path(text: &str) -> Option<&'static str> {
    static STORE_MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(STORE_NEEDLES.iter().map(|(needle, _)| needle))
            .expect("patterns compile")
    });
    STORE_MATCHER
        .find(text)
        .map(|hit| STORE_NEEDLES[hit.pattern().as_usize()].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(text: &str) -> StringFact {
        crate::python::StringFact::new(text.into(), 1, 0, crate::python::ExecContext::Import)
    }

    #[test]
    fn each_group_is_found_in_any_case_and_only_where_it_is() {
        let aws = fact("~/.AWS/credentials");
        assert_eq!(credential_target(&aws), Some("AWS credentials"));
        assert_eq!(secret_store(&aws), None);
        assert_eq!(chat_channel(&aws), None);
        let windows = fact("C:\\Users\\x\\.aws\\credentials");
        assert_eq!(credential_target(&windows), Some("AWS credentials"));
        let chrome = fact("AppData\\Local\\Google\\Chrome\\User Data\\Default\\Login Data");
        assert_eq!(secret_store(&chrome), Some("browser saved passwords"));
        assert_eq!(credential_target(&chrome), None);
        let hook = fact("https://discord.com/api/webhooks/1/x");
        assert_eq!(chat_channel(&hook), Some("Discord webhook"));
        assert_eq!(miner_marker(&hook), None);
        let pool = fact("stratum+tcp://pool.SupportXMR.com:3333");
        assert_eq!(miner_marker(&pool), Some(Marker::Stratum));
        assert_eq!(chat_channel(&pool), None);
        let docstring = fact("Reads the configuration from the user's home folder.");
        assert_eq!(credential_target(&docstring), None);
        assert_eq!(secret_store(&docstring), None);
        assert_eq!(chat_channel(&docstring), None);
        assert_eq!(miner_marker(&docstring), None);
        assert_eq!(groups_in(&docstring.value), 0);
    }

    #[test]
    fn every_text_of_every_group_is_found() {
        for (needle, _) in STORES {
            assert!(secret_store(&fact(needle)).is_some(), "{needle}");
        }
        for (needle, _) in chat_channels::CHANNELS {
            assert!(chat_channel(&fact(needle)).is_some(), "{needle}");
        }
        for (needle, _) in names::CREDENTIAL_PATHS.iter().chain(names::METADATA_HOSTS) {
            assert!(credential_target(&fact(needle)).is_some(), "{needle}");
        }
    }
}
