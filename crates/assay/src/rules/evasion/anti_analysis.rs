use std::collections::BTreeMap;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use crate::finding::{Finding, Severity};
use crate::python::{Call, ExecContext, FileAnalysis, FileRole, QualName, StringFact, names};
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule, string_finding};

declare_rule! {
    /// Checks for a virtual machine, sandbox, debugger or analyst's
    /// machine, followed by quitting.
    ///
    /// ## What it finds
    /// Code that names the artefacts of an analysis environment —
    /// VirtualBox, VMware, Parallels, QEMU, Xen and Sandboxie processes,
    /// drivers and DLLs (`vboxservice`, `vmtoolsd`, `SbieDll.dll`), Wine's
    /// `wine_get_unix_file_name`, the MAC prefixes of virtual network
    /// adapters (`08:00:27`, `00:0c:29`), analysis tools (`wireshark`,
    /// `x64dbg`, `procmon`, `httpdebuggerui`), the debugger checks
    /// `IsDebuggerPresent`/`CheckRemoteDebuggerPresent`, the user and
    /// machine names of public sandboxes (`WDAGUtilityAccount`) — and,
    /// as supporting evidence, probes of CPU count, memory or disk size.
    /// Several of these in one file, from more than one family, make a
    /// check; a check in a file that also quits (`sys.exit`, `os._exit`,
    /// killing processes) is the full evasion chain.
    ///
    /// ## Why it matters
    /// Stealers and droppers refuse to run where they could be watched,
    /// so that sandboxes and analysts see nothing. Legitimate libraries
    /// may mention one of these names (a VMware SDK, a debugger's
    /// helpers); they do not collect lists of analysts' tools and exit
    /// when one is found. A check that quits is high, critical when it
    /// runs without being called (install, start-up, import); a check
    /// alone is medium; in tests, docs and examples low.
    ///
    /// ## Example
    /// ```python
    /// BLACKLIST = ["vboxservice", "vmtoolsd", "wireshark", "x64dbg", "procmon"]
    /// for p in psutil.process_iter():
    ///     if p.name().lower().split(".")[0] in BLACKLIST:
    ///         os._exit(0)
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1497 (Virtualization/Sandbox Evasion), T1622
    /// (Debugger Evasion).
    pub struct AntiAnalysis {
        id: "AY408",
        slug: "anti-analysis-check",
        category: DefenseEvasion,
        severity: Critical,
    }
}

/// Families of analysis-environment artefacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    VirtualMachine,
    Sandbox,
    AnalysisTool,
    Debugger,
    VmNetworkAdapter,
    HardwareProbe,
}

impl Family {
    fn describe(self) -> &'static str {
        match self {
            Family::VirtualMachine => "virtual-machine artefacts",
            Family::Sandbox => "sandbox artefacts",
            Family::AnalysisTool => "analysis tools",
            Family::Debugger => "debugger checks",
            Family::VmNetworkAdapter => "virtual network adapters",
            Family::HardwareProbe => "hardware-size probes",
        }
    }
}

/// Names of analysis-environment artefacts, lower case, matched as whole
/// words of a string (`vmtoolsd.exe`, `C:\\windows\\system32\\vboxhook.dll`).
const ARTEFACTS: &[(&str, Family)] = &[
    ("vboxservice", Family::VirtualMachine),
    ("vboxtray", Family::VirtualMachine),
    ("vboxguest", Family::VirtualMachine),
    ("vboxmouse", Family::VirtualMachine),
    ("vboxvideo", Family::VirtualMachine),
    ("vboxsf", Family::VirtualMachine),
    ("vboxhook", Family::VirtualMachine),
    ("vboxdisp", Family::VirtualMachine),
    ("vbox__", Family::VirtualMachine),
    ("vmtoolsd", Family::VirtualMachine),
    ("vmwaretray", Family::VirtualMachine),
    ("vmwareuser", Family::VirtualMachine),
    ("vmwareservice", Family::VirtualMachine),
    ("vmsrvc", Family::VirtualMachine),
    ("vmusrvc", Family::VirtualMachine),
    ("vmacthlp", Family::VirtualMachine),
    ("vgauthservice", Family::VirtualMachine),
    ("vm3dservice", Family::VirtualMachine),
    ("vmhgfs", Family::VirtualMachine),
    ("vmmouse", Family::VirtualMachine),
    ("prl_cc", Family::VirtualMachine),
    ("prl_tools", Family::VirtualMachine),
    ("xenservice", Family::VirtualMachine),
    ("qemu-ga", Family::VirtualMachine),
    ("sbiedll", Family::Sandbox),
    ("sandboxie", Family::Sandbox),
    ("sbiesvc", Family::Sandbox),
    ("cuckoomon", Family::Sandbox),
    ("joeboxcontrol", Family::Sandbox),
    ("joeboxserver", Family::Sandbox),
    ("wine_get_unix_file_name", Family::Sandbox),
    ("wdagutilityaccount", Family::Sandbox),
    ("wireshark", Family::AnalysisTool),
    ("dumpcap", Family::AnalysisTool),
    ("fiddler", Family::AnalysisTool),
    ("httpdebuggerui", Family::AnalysisTool),
    ("httpdebuggersvc", Family::AnalysisTool),
    ("ollydbg", Family::AnalysisTool),
    ("x32dbg", Family::AnalysisTool),
    ("x64dbg", Family::AnalysisTool),
    ("x96dbg", Family::AnalysisTool),
    ("ida64", Family::AnalysisTool),
    ("idaq", Family::AnalysisTool),
    ("idaq64", Family::AnalysisTool),
    ("immunitydebugger", Family::AnalysisTool),
    ("windbg", Family::AnalysisTool),
    ("pestudio", Family::AnalysisTool),
    ("processhacker", Family::AnalysisTool),
    ("procmon", Family::AnalysisTool),
    ("procmon64", Family::AnalysisTool),
    ("procexp", Family::AnalysisTool),
    ("procexp64", Family::AnalysisTool),
    ("tcpview", Family::AnalysisTool),
    ("autoruns", Family::AnalysisTool),
    ("regmon", Family::AnalysisTool),
    ("filemon", Family::AnalysisTool),
    ("fakenet", Family::AnalysisTool),
    ("ksdumper", Family::AnalysisTool),
    ("ksdumperclient", Family::AnalysisTool),
    ("dnspy", Family::AnalysisTool),
    ("de4dot", Family::AnalysisTool),
    ("ilspy", Family::AnalysisTool),
    ("cheatengine", Family::AnalysisTool),
    ("reshacker", Family::AnalysisTool),
    ("isdebuggerpresent", Family::Debugger),
    ("checkremotedebuggerpresent", Family::Debugger),
];

/// MAC address prefixes of virtual network adapters.
const VM_MACS: &[&str] = &[
    "08:00:27", "00:0c:29", "00:50:56", "00:05:69", "00:1c:14", "00:15:5d", "00:1c:42", "00:16:3e",
    "0a:00:27",
];

/// Calls that end the program or other processes.
fn quits(call: &Call) -> bool {
    let name = &call.name;
    match name.as_str() {
        "sys.exit" | "os._exit" | "os.abort" | "os.kill" | "builtins.exit" | "builtins.quit" => {
            true
        }
        _ if name.last_name_ends_with("ExitProcess") || name.is_attribute("kill") => true,
        _ if name.is_attribute("terminate") && name.any_name_contains("psutil") => true,
        _ if names::is_process(name) => call.arg_texts().any(|cmd| {
            cmd.split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
                .any(|w| {
                    w.eq_ignore_ascii_case("taskkill") || w.eq_ignore_ascii_case("taskkill.exe")
                })
        }),
        _ => false,
    }
}

/// Calls that measure the machine (sandboxes are small).
fn probes_hardware(name: &QualName) -> bool {
    matches!(
        name.as_str(),
        "psutil.virtual_memory" | "psutil.disk_usage" | "shutil.disk_usage" | "psutil.cpu_count"
    ) || name.last_name_ends_with("GlobalMemoryStatusEx")
        || name.last_name_ends_with("GetTickCount")
        || name.last_name_ends_with("GetTickCount64")
}

impl Rule for AntiAnalysis {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        out.extend(facts.python.iter().filter_map(check_file));
    }
}

/// Evidence of one artefact: its name and where it was seen.
enum Seen<'a> {
    String(&'a StringFact),
    Call(&'a Call),
}

impl Seen<'_> {
    fn context(&self) -> ExecContext {
        match self {
            Seen::String(s) => s.context,
            Seen::Call(c) => c.context,
        }
    }

    fn line(&self) -> u32 {
        match self {
            Seen::String(s) => s.line,
            Seen::Call(c) => c.line,
        }
    }
}

fn check_file(file: &FileAnalysis) -> Option<Finding> {
    let mut found: BTreeMap<String, (Family, Seen<'_>)> = BTreeMap::new();
    for s in &file.strings {
        for (name, family) in artefacts_in(&s.value) {
            found.entry(name).or_insert((family, Seen::String(s)));
        }
    }
    for call in &file.calls {
        let lower = call
            .name
            .last_name()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if let Some((name, family)) = ARTEFACTS.iter().find(|(n, _)| *n == lower) {
            found
                .entry((*name).to_owned())
                .or_insert((*family, Seen::Call(call)));
        } else if probes_hardware(&call.name) {
            found
                .entry(call.name.to_string())
                .or_insert((Family::HardwareProbe, Seen::Call(call)));
        }
    }
    let artefacts = found
        .values()
        .filter(|(f, _)| *f != Family::HardwareProbe)
        .count();
    let mut families: Vec<Family> = found.values().map(|(f, _)| *f).collect();
    families.sort_unstable();
    families.dedup();
    // One name is a mention; a check collects several, of more than one
    // kind, or a whole list.
    let check = (artefacts >= 3 && families.len() >= 2) || artefacts >= 5;
    if !check {
        return None;
    }
    let quit = file.calls.iter().find(|c| quits(c));
    let context = found
        .values()
        .map(|(_, seen)| seen.context())
        .chain(quit.map(|c| c.context))
        .max()
        .unwrap_or(ExecContext::Runtime);
    let names: Vec<&str> = found
        .iter()
        .filter(|(_, (f, _))| *f != Family::HardwareProbe)
        .map(|(n, _)| n.as_str())
        .take(6)
        .collect();
    let kinds: Vec<&str> = families.iter().map(|f| f.describe()).collect();
    let first = found
        .values()
        .filter(|(f, _)| *f != Family::HardwareProbe)
        .map(|(_, seen)| seen)
        .min_by_key(|seen| seen.line())?;
    let script = file.role == Some(FileRole::Script);
    let mut message = format!(
        "looks for an analysis environment ({}: {})",
        kinds.join(", "),
        names.join(", ")
    );
    let severity = match quit {
        Some(q) => {
            message = format!("{message} and quits with `{}` at line {}", q.name, q.line);
            if context.is_automatic() && !script {
                Severity::Critical
            } else {
                Severity::High
            }
        }
        None => Severity::Medium,
    };
    let mut f = match first {
        Seen::String(s) => string_finding(&AntiAnalysis::META, file, s, message),
        Seen::Call(c) => code_finding(&AntiAnalysis::META, file, c, message),
    };
    f.severity = crate::verdict::cap_for_role(file.role, severity);
    f.context = Some(context);
    Some(f)
}

/// The artefacts a string names, as whole words (`vmtoolsd.exe` names
/// `vmtoolsd`; `myvmtoolsdata` names nothing).
fn artefacts_in(text: &str) -> Vec<(String, Family)> {
    static MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(ARTEFACTS.iter().map(|(name, _)| name))
            .expect("patterns compile")
    });
    // Names sit in short strings (list items, paths, registry keys), not
    // in messages and docstrings.
    if text.len() > 512 {
        return Vec::new();
    }
    let bytes = text.as_bytes();
    let boundary = |at: Option<&u8>| at.is_none_or(|b| !b.is_ascii_alphanumeric());
    let mut out = Vec::new();
    for hit in MATCHER.find_overlapping_iter(text) {
        let before = hit.start().checked_sub(1).and_then(|i| bytes.get(i));
        if boundary(before) && boundary(bytes.get(hit.end())) {
            let (name, family) = ARTEFACTS[hit.pattern().as_usize()];
            out.push((name.to_owned(), family));
        }
    }
    // A MAC address (four to six hex pairs: not a time of day) with the
    // prefix of a virtual adapter.
    if !(11..=17).contains(&text.len()) {
        return out;
    }
    let mac = text.to_ascii_lowercase().replace('-', ":");
    let groups: Vec<&str> = mac.split(':').collect();
    let is_mac = (4..=6).contains(&groups.len())
        && groups
            .iter()
            .all(|g| g.len() == 2 && g.bytes().all(|b| b.is_ascii_hexdigit()));
    if let Some(prefix) = VM_MACS.iter().find(|p| is_mac && mac.starts_with(**p)) {
        out.push(((*prefix).to_owned(), Family::VmNetworkAdapter));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artefacts_are_whole_words() {
        let names = |t: &str| -> Vec<String> { artefacts_in(t).into_iter().map(|a| a.0).collect() };
        assert_eq!(names("vmtoolsd.exe"), ["vmtoolsd"]);
        assert_eq!(names(r"C:\windows\System32\VBoxHook.dll"), ["vboxhook"]);
        assert!(names("myvmtoolsdata").is_empty());
        assert_eq!(names("08-00-27-aa-bb-cc"), ["08:00:27"]);
        assert!(names("00:50:56").is_empty());
        assert!(names("Copyright (c) 2017 VMware, Inc.").is_empty());
    }
}
