use std::collections::BTreeSet;

use crate::finding::{Finding, Severity};
use crate::python::{Call, names, names::Capture, taint};
use crate::rules::collection::{runs_by_itself, same_function, when};
use crate::rules::helpers::clipboard::{is_clipboard_write_command, reads_clipboard_in_shell};
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule, shell_text};

declare_rule! {
    /// Clipboard hijackers: code that reads the clipboard, looks for a
    /// cryptocurrency address in it and writes another one back.
    ///
    /// ## What it finds
    /// A function that reads the clipboard (`pyperclip.paste`, tkinter's
    /// `clipboard_get`, `GetClipboardData`, `pbpaste`, …, or a value read
    /// from it elsewhere) and writes it (`pyperclip.copy`,
    /// `clipboard_append`, `SetClipboardText`/`SetClipboardData`,
    /// `pbcopy`, `clip`, …), in a file that matches wallet addresses:
    /// regular expressions for Bitcoin (base58 or `bc1` bech32), Ethereum
    /// (`0x` + 40 hex digits), Monero (`4[0-9AB]…`) and other base58
    /// coins, or a literal address written to the clipboard.
    ///
    /// ## Why it matters
    /// Users copy and paste wallet addresses rather than type them; a
    /// hijacker watching the clipboard swaps the address for the
    /// attacker's, and the payment goes to the attacker. No library does
    /// this: clipboard managers read and write the clipboard without
    /// matching wallet addresses, wallet applications validate addresses
    /// without writing the clipboard in the same step. High at runtime,
    /// critical when it runs on import, at install or at interpreter start
    /// (hijackers start their loop in a thread from module level).
    ///
    /// ## Example
    /// ```python
    /// import re, time, pyperclip
    /// ATTACKER = "0x4Ee1c2AaA47c0A2b4F4dDcB1Bf7F0f8B1e7D2A9c"
    /// while True:
    ///     if re.fullmatch(r"0x[a-fA-F0-9]{40}", pyperclip.paste()):
    ///         pyperclip.copy(ATTACKER)
    ///     time.sleep(0.5)
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1565.002 (Transmitted Data Manipulation), T1115
    /// (Clipboard Data).
    pub struct ClipboardWalletSwap {
        id: "AY804",
        slug: "clipboard-wallet-swap",
        category: Impact,
        severity: Critical,
    }
}

impl Rule for ClipboardWalletSwap {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            let writes: Vec<&Call> = file.calls.iter().filter(|c| writes_clipboard(c)).collect();
            if writes.is_empty() {
                continue;
            }
            // Address patterns are often module constants.
            let file_pattern = file.strings.iter().find_map(|s| wallet_regex(&s.value));
            let mut seen = BTreeSet::new();
            for write in writes {
                let scope: Vec<&Call> = same_function(file, write).collect();
                let Some(read) = scope.iter().find(|c| {
                    c.capture() == Some(Capture::Clipboard)
                        || reads_clipboard_in_shell(c)
                        || c.all_args().any(|a| a.has(taint::COLLECTED))
                }) else {
                    continue;
                };
                let coin = scope
                    .iter()
                    .flat_map(|c| c.arg_texts())
                    .find_map(wallet_regex)
                    .or_else(|| write.arg_texts().find_map(wallet_address))
                    .or(file_pattern);
                let Some(coin) = coin else { continue };
                if !seen.insert((write.function.as_deref(), write.context)) {
                    continue;
                }
                let mut f = code_finding(
                    &Self::META,
                    file,
                    write,
                    format!(
                        "`{}` replaces {coin} addresses on the clipboard {} (read with `{}`)",
                        write.name,
                        when(file, write.context),
                        read.name
                    ),
                );
                f.severity = if runs_by_itself(file, write.context) {
                    Severity::Critical
                } else {
                    Severity::High
                };
                out.push(f);
            }
        }
    }
}

fn writes_clipboard(call: &Call) -> bool {
    let name = &call.name;
    matches!(
        name.as_str(),
        "pyperclip.copy" | "clipboard.copy" | "xerox.copy" | "pyclip.copy" | "klembord.set"
    ) || matches!(
        name.last_name(),
        Some("clipboard_append" | "SetClipboardText" | "SetClipboardData")
    ) || (names::is_process(name)
        && shell_text(call).is_some_and(|cmd| is_clipboard_write_command(&cmd)))
}

const BASE58: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const BECH32: &str = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// The coin a regular expression matches addresses of.
fn wallet_regex(text: &str) -> Option<&'static str> {
    if text.len() > 2048 {
        return None;
    }
    // Base58 character classes leave out 0, O, I and l.
    let base58 = ["a-km-zA-HJ-NP-Z", "A-HJ-NP-Za-km-z", "a-km-zA-HJ-NP-Z1-9"]
        .iter()
        .any(|c| text.contains(c));
    let lower = text.to_ascii_lowercase();
    if lower.contains("0x[") && (lower.contains("{40}") || lower.contains("{40,")) {
        return Some("Ethereum");
    }
    if (lower.contains("bc1") && text.contains(['[', '{', '(']))
        || text.contains(BECH32)
        || (base58 && text.contains("[13]"))
    {
        return Some("Bitcoin");
    }
    if base58 && text.contains("4[0-9AB]") {
        return Some("Monero");
    }
    base58.then_some("cryptocurrency")
}

/// The coin of a literal wallet address.
fn wallet_address(text: &str) -> Option<&'static str> {
    let t = text.trim();
    let all = |s: &str, set: &str| !s.is_empty() && s.chars().all(|c| set.contains(c));
    if let Some(hex) = t.strip_prefix("0x")
        && hex.len() == 40
        && hex.chars().all(|c| c.is_ascii_hexdigit())
    {
        return Some("Ethereum");
    }
    if let Some(rest) = t.strip_prefix("bc1")
        && (39..=59).contains(&rest.len())
        && all(rest, BECH32)
    {
        return Some("Bitcoin");
    }
    if t.starts_with(['1', '3']) && (26..=35).contains(&t.len()) && all(t, BASE58) {
        return Some("Bitcoin");
    }
    if t.starts_with('4') && t.len() == 95 && all(t, BASE58) {
        return Some("Monero");
    }
    if t.starts_with('T') && t.len() == 34 && all(t, BASE58) {
        return Some("Tron");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wallet_patterns() {
        assert_eq!(
            wallet_regex("^[13][a-km-zA-HJ-NP-Z1-9]{25,34}$"),
            Some("Bitcoin")
        );
        assert_eq!(wallet_regex("^0x[a-fA-F0-9]{40}$"), Some("Ethereum"));
        assert_eq!(
            wallet_regex("(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}"),
            Some("Bitcoin")
        );
        assert_eq!(
            wallet_regex("/4[0-9AB][1-9A-HJ-NP-Za-km-z]{93}$/g"),
            Some("Monero")
        );
        assert_eq!(wallet_regex("^[a-zA-Z0-9_]+$"), None);
        assert_eq!(wallet_regex("0x1234"), None);
        assert_eq!(
            wallet_address("0x52908400098527886E0F7030069857D2E4169EE7"),
            Some("Ethereum")
        );
        assert_eq!(
            wallet_address("1BoatSLRHtKNngkdXEeobR76b53LETtpyT"),
            Some("Bitcoin")
        );
        assert_eq!(
            wallet_address("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
            Some("Bitcoin")
        );
        assert_eq!(wallet_address("hello world"), None);
        assert_eq!(wallet_address("0xZZ"), None);
    }
}
