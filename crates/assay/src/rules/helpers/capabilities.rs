//! The capabilities of one install-time or startup-time file (processes,
//! connections, file writes), shared by the install-time and `.pth` rules.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::finding::{Finding, Severity};
use crate::python::{Call, ExecContext, FileAnalysis, names, taint};
use crate::rules::helpers::commands::{
    installed_packages, is_build_tool, is_discovery, is_hostile_command, is_sensitive_path,
    network_tool, opens_desktop_program,
};
use crate::rules::helpers::taint_words::describe_taint;
use crate::rules::{RuleMeta, code_finding, shell_text};

/// The capabilities of one install-time (or startup-time) file, shared by
/// the startup rule. `shipped_pth` names the `.pth` files the package
/// ships: writing one of them is what installing its wheel does.
pub(crate) fn check_file(
    meta: &'static RuleMeta,
    file: &FileAnalysis,
    context: ExecContext,
    shipped_pth: &[&str],
    out: &mut Vec<Finding>,
) {
    let when = context.describe();
    // Per function (or top level): the first network call, and what else it
    // does. A download followed by running something in the same function
    // is a dropper; the two in different places is usually a build that
    // fetches sources in one step and compiles in another.
    let mut scopes: BTreeMap<Option<&str>, (Option<&Call>, Vec<&'static str>)> = BTreeMap::new();
    for call in file.calls.iter().filter(|c| c.context == context) {
        let name = &call.name;
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
            let secrets = command.as_deref().and_then(names::secret_command);
            let (severity, why): (Severity, Cow<'static, str>) = match command.as_deref() {
                Some(cmd) if is_hostile_command(cmd) => (
                    Severity::Critical,
                    "a command that fetches, decodes or hides".into(),
                ),
                // Copied into the built files or the logs, or sent on.
                Some(_) if let Some(what) = secrets => (
                    Severity::High,
                    format!("a command that reads {what}").into(),
                ),
                Some(cmd) if network_tool(cmd).is_some() => {
                    (Severity::High, "a command that contacts the network".into())
                }
                Some(cmd) if opens_desktop_program(cmd) => (
                    Severity::High,
                    "a desktop program (the usual proof that a package ran code)".into(),
                ),
                Some(cmd) if is_discovery(cmd) => (
                    Severity::High,
                    "a discovery command (who and where the machine is)".into(),
                ),
                Some(_) if installs.is_some() => (
                    Severity::High,
                    "`pip install` of packages the metadata does not declare".into(),
                ),
                Some(cmd) if is_build_tool(cmd) => (Severity::Low, "a build tool".into()),
                Some(_) => (Severity::Medium, "a process".into()),
                None => (Severity::Medium, "a command built at run time".into()),
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
            f.severity = if writes_shipped_pth(&path, shipped_pth) {
                f.message.push_str(
                    " (the package ships this `.pth`: its lines are judged where it is shipped)",
                );
                Severity::Medium
            } else if is_sensitive_path(&path) {
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

/// Whether `path` (as shown: `` `dir/a1_cov.pth` ``) is a `.pth` file
/// the package ships under the same name.
fn writes_shipped_pth(path: &str, shipped_pth: &[&str]) -> bool {
    let path = path.trim_matches('`');
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    name.to_ascii_lowercase().ends_with(".pth") && shipped_pth.contains(&name)
}

/// The path a call writes to, when it writes a file.
fn written_path(call: &Call) -> Option<String> {
    let name = &call.name;
    if matches!(name.as_str(), "builtins.open" | "io.open" | "codecs.open") {
        let mode = call
            .args
            .get(1)
            .or_else(|| call.keyword("mode"))?
            .printed()?;
        if !mode.contains(['w', 'a', 'x']) {
            return None;
        }
        return Some(
            call.args
                .first()?
                .printed()
                .map_or_else(|| "a file".to_owned(), |p| format!("`{p}`")),
        );
    }
    names::is_file_write(name).then(|| {
        call.arg_texts()
            .last()
            .map_or_else(|| "a file".to_owned(), |p| format!("`{p}`"))
    })
}
