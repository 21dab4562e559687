//! Signs of cryptocurrency mining in a text: stratum pool URLs, the
//! miner option `--donate-level`, mining-pool hosts and miner programs.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

/// Mining-pool hosts, matched on whole labels.
const POOLS: &[&str] = &[
    "supportxmr.com",
    "minexmr.com",
    "nanopool.org",
    "2miners.com",
    "nicehash.com",
    "moneroocean.stream",
    "hashvault.pro",
    "c3pool.com",
    "herominers.com",
    "unmineable.com",
    "minergate.com",
    "xmrpool.eu",
    "monerohash.com",
    "f2pool.com",
    "ethermine.org",
    "flypool.org",
    "dwarfpool.com",
    "miningpoolhub.com",
    "zergpool.com",
    "hiveon.net",
    "p2pool.io",
    "kryptex.network",
];

/// Miner programs, matched as whole words.
const MINERS: &[&str] = &[
    "xmrig",
    "xmr-stak",
    "xmr-stak-rx",
    "nbminer",
    "lolminer",
    "phoenixminer",
    "teamredminer",
    "ethminer",
    "cpuminer",
    "ccminer",
    "nanominer",
    "srbminer",
    "srbminer-multi",
    "minerd",
];

/// A sign of mining in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Marker {
    Stratum,
    Option,
    Pool(&'static str),
    Program(&'static str),
    /// A wallet address handed to a program with a wallet or user option:
    /// whoever wrote the address is paid for the work.
    Wallet,
}

impl Marker {
    pub(crate) fn describe(&self) -> String {
        match self {
            Marker::Stratum => "a stratum mining-pool URL".to_owned(),
            Marker::Option => "the miner option `--donate-level`".to_owned(),
            Marker::Pool(pool) => format!("the mining pool `{pool}`"),
            Marker::Program(miner) => format!("the miner `{miner}`"),
            Marker::Wallet => "a cryptocurrency wallet address written in the code".to_owned(),
        }
    }
}

/// Every fixed text a marker holds (ASCII case-insensitively): a text
/// with none of them holds no marker.
pub(super) fn keywords() -> impl Iterator<Item = &'static str> {
    ["stratum", "--donate-level"]
        .into_iter()
        .chain(POOLS.iter().copied())
        .chain(MINERS.iter().copied())
}

/// Finds texts worth a closer look without lower-casing every string of a
/// package.
static PREFILTER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(keywords())
        .expect("patterns compile")
});

/// What mining marker a text holds, if any.
pub(crate) fn miner_marker(text: &str) -> Option<Marker> {
    if text.len() > 16 * 1024 || !PREFILTER.is_match(text) {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    if let Some(at) = lower.find("stratum") {
        let rest = &lower[at + "stratum".len()..];
        let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
        if rest.starts_with("+tcp://")
            || rest.starts_with("+ssl://")
            || rest.starts_with("+tls://")
            || rest.starts_with("://")
        {
            return Some(Marker::Stratum);
        }
    }
    if lower.contains("--donate-level") {
        return Some(Marker::Option);
    }
    let is_separator = |c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.');
    for word in lower.split(is_separator) {
        // The word's byte offset in `lower` (it is a subslice of it).
        let start = word.as_ptr() as usize - lower.as_ptr() as usize;
        let word = word.trim_matches('.');
        // A pool's host in an `http(s)://` URL is its web API (statistics,
        // payouts), not where a miner connects.
        let web = lower[..start].ends_with("//");
        if let Some(pool) = POOLS
            .iter()
            .find(|p| word == **p || word.strip_suffix(**p).is_some_and(|l| l.ends_with('.')))
            .filter(|_| !web)
        {
            return Some(Marker::Pool(pool));
        }
        let program = word
            .strip_suffix(".exe")
            .unwrap_or(word)
            .trim_end_matches(|c: char| c == '-' || c == '.' || c.is_ascii_digit());
        if let Some(miner) = MINERS.iter().find(|m| program == **m) {
            return Some(Marker::Program(miner));
        }
    }
    None
}
