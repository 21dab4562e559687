use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use crate::finding::{Finding, Severity};
use crate::python::{ExecContext, FileAnalysis, names, taint};
use crate::rules::{PackageFacts, Rule, RuleMeta, declare_rule, string_finding};

declare_rule! {
    /// Places that make code run again later: autostart entries, shell
    /// start-up files, scheduled tasks, shortcuts.
    ///
    /// ## What it finds
    /// Strings (after constant evaluation) naming Windows `Run`/`RunOnce`
    /// registry keys, the Startup folder, Start-menu and taskbar shortcuts
    /// (`WScript.Shell` `CreateShortcut`), `schtasks /create`, crontab,
    /// systemd user units, XDG autostart, macOS LaunchAgents, and shell
    /// start-up files (`.bashrc`, `.zshrc`, `.profile`).
    ///
    /// ## Why it matters
    /// Malware that wants to outlive the install plants itself where the
    /// system will start it again; clipboard hijackers rewrite browser
    /// shortcuts so that every browser start loads their extension. Such
    /// places named by code that runs at install or startup time are high,
    /// and critical when that code also writes files or runs processes. On
    /// import and at runtime they are low (shell-completion installers,
    /// lexers and schedulers name them), medium when module-level code also
    /// writes or runs something, and critical when import-time code acts
    /// on the place itself (opens the `Run` key for writing, writes the
    /// unit file, runs `schtasks` on it): importing the package plants it
    /// on every machine that uses it.
    ///
    /// ## Example
    /// ```python
    /// import winreg, sys
    /// key = winreg.OpenKey(winreg.HKEY_CURRENT_USER,
    ///     r"Software\Microsoft\Windows\CurrentVersion\Run", 0, winreg.KEY_SET_VALUE)
    /// winreg.SetValueEx(key, "updater", 0, winreg.REG_SZ, sys.executable + " -m pkg")
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1547.001 (Registry Run Keys / Startup Folder), T1547.009
    /// (Shortcut Modification), T1053 (Scheduled Task/Job), T1546.004 (Unix
    /// Shell Configuration Modification), T1543 (Create or Modify System
    /// Process).
    pub struct Autostart {
        id: "AY601",
        slug: "persistence",
        category: Persistence,
        severity: Critical,
    }
}

const PLACES: &[(&str, &str)] = &[
    ("currentversion\\run", "a Windows Run key"),
    ("currentversion/run", "a Windows Run key"),
    (
        "\\start menu\\programs\\startup",
        "the Windows Startup folder",
    ),
    ("\\start menu", "Start-menu shortcuts"),
    ("user pinned\\taskbar", "taskbar shortcuts"),
    ("createshortcut", "a shortcut (WScript.Shell)"),
    ("schtasks", "a scheduled task"),
    ("crontab -", "crontab"),
    ("| crontab", "crontab"),
    ("/var/spool/cron", "cron"),
    ("/etc/cron", "cron"),
    (".config/systemd/user", "a systemd user unit"),
    (".config/autostart", "XDG autostart"),
    ("library/launchagents", "a macOS launch agent"),
    (".bashrc", "a shell start-up file"),
    (".zshrc", "a shell start-up file"),
    (".bash_profile", "a shell start-up file"),
];

static MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(PLACES.iter().map(|(needle, _)| needle))
        .expect("patterns compile")
});

impl Rule for Autostart {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            let mut seen = std::collections::BTreeSet::new();
            for s in &file.strings {
                // Long texts (documentation, man pages) mention these places
                // in passing; paths and commands are short.
                if s.value.len() > 512 {
                    continue;
                }
                let Some(hit) = MATCHER.find(&*s.value) else {
                    continue;
                };
                let what = PLACES[hit.pattern().as_usize()].1;
                if !seen.insert((what, s.context)) {
                    continue;
                }
                let mut f = string_finding(
                    &Self::META,
                    file,
                    s,
                    format!("refers to {what} {}", s.context.describe()),
                );
                // Install and startup code has no business there; modules
                // name these places in constants (shell-completion
                // installers, lexers, schedulers) without acting on import.
                let acts = acts_in(file, s.context);
                f.severity = match (s.context, acts) {
                    (ExecContext::Install | ExecContext::Startup, true) => Severity::Critical,
                    (ExecContext::Install | ExecContext::Startup, false) => Severity::High,
                    // Importing the package plants it: a registry key opened
                    // for writing, a file written, a command run on the place.
                    (ExecContext::Import, true) if plants_in(file, s.context) => {
                        f.message = format!("installs itself in {what} on import");
                        Severity::Critical
                    }
                    (ExecContext::Import, true) => Severity::Medium,
                    // Code fetched from the network and planted there runs
                    // at every logon, whoever asked for it first.
                    (ExecContext::Runtime, true)
                        if plants_in(file, s.context) && writes_downloaded(file, s.context) =>
                    {
                        f.message = format!(
                            "plants code fetched from the network in {what} {}",
                            s.context.describe()
                        );
                        Severity::High
                    }
                    _ => Severity::Low,
                };
                out.push(f);
            }
        }
    }
}

/// Does a call in this context act on an autostart place it names: a
/// registry key opened or created for writing, a file opened for writing,
/// a process run on it?
fn plants_in(file: &FileAnalysis, context: ExecContext) -> bool {
    file.calls.iter().filter(|c| c.context == context).any(|c| {
        let names_place = c.arg_texts().any(|t| t.len() <= 512 && MATCHER.is_match(t));
        let writable_key = c.name.is_in("winreg")
            && (c.name.any_name_contains("SetValue")
                || c.name.any_name_contains("CreateKey")
                || c.all_args().any(|a| {
                    a.origin.as_ref().is_some_and(|o| {
                        matches!(
                            o.as_str(),
                            "winreg.KEY_SET_VALUE" | "winreg.KEY_WRITE" | "winreg.KEY_ALL_ACCESS"
                        )
                    })
                }));
        let write_mode = matches!(c.name.as_str(), "builtins.open" | "io.open")
            && c.args
                .get(1)
                .or_else(|| c.keyword("mode"))
                .and_then(|m| m.printed())
                .is_some_and(|m| m.contains(['w', 'a']));
        names_place && (writable_key || write_mode || c.is_process())
    })
}

/// Does a call in this context write what was read from the network
/// (`f.write(requests.get(url).content)`)?
fn writes_downloaded(file: &FileAnalysis, context: ExecContext) -> bool {
    file.calls.iter().filter(|c| c.context == context).any(|c| {
        (c.name.is_attribute("write") || names::is_file_write(&c.name))
            && c.all_args().any(|a| a.has(taint::NETWORK))
    })
}

/// Does the file write files or run processes in this context?
fn acts_in(file: &FileAnalysis, context: ExecContext) -> bool {
    file.calls.iter().filter(|c| c.context == context).any(|c| {
        c.is_process()
            || names::is_file_write(&c.name)
            || c.name.is_attribute("write")
            || c.name.last_name_ends_with("SetValueEx")
            || c.name.is_attribute("Save")
    })
}
