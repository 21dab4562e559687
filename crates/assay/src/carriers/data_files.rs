//! Package files that code reads and then executes: `exec(open(path).read())`,
//! `exec(pkgutil.get_data(__name__, "payload.dat"))`, `runpy.run_path("x.dat")`.
//! Such a file is code whatever its name, and runs when its reader runs.

use std::collections::HashMap;

use crate::artifact::Package;
use crate::python::{Call, ExecContext, FileAnalysis, FileRole, QualName};

/// Calls that read a file's contents.
fn is_reader(name: &QualName) -> bool {
    matches!(
        name.as_str(),
        "builtins.open"
            | "io.open"
            | "codecs.open"
            | "pkgutil.get_data"
            | "importlib.resources.read_text"
            | "importlib.resources.read_binary"
            | "importlib_resources.read_text"
            | "pkg_resources.resource_string"
            | "pkg_resources.resource_stream"
    ) || name.is_attribute("read_text")
        || name.is_attribute("read_bytes")
        || name.is_from_call_of("pathlib.Path")
}

/// Calls that run code given as text or as a path.
fn is_executor(name: &QualName) -> bool {
    matches!(
        name.as_str(),
        "builtins.exec"
            | "builtins.eval"
            | "builtins.compile"
            | "runpy.run_path"
            | "builtins.execfile"
    )
}

/// The role a file gets when code of `context` runs it.
fn role_for(context: ExecContext) -> FileRole {
    match context {
        ExecContext::Install => FileRole::InstallHelper,
        ExecContext::Startup => FileRole::SiteCustomize,
        ExecContext::Import => FileRole::Module,
        ExecContext::Runtime => FileRole::Script,
    }
}

/// Package files (not Python sources) that the package's Python reads and
/// executes, each with the role of its strongest reader.
pub fn executed(package: &Package, python: &[FileAnalysis]) -> Vec<(String, FileRole)> {
    let candidates: Vec<(&str, &str)> = package
        .files
        .iter()
        .filter(|f| {
            let lower = f.path.to_ascii_lowercase();
            !(lower.ends_with(".py") || lower.ends_with(".pyw") || lower.ends_with(".pth"))
                && f.data.len() <= 8 * 1024 * 1024
        })
        .filter_map(|f| {
            let base = f.path.rsplit('/').next()?;
            (base.len() >= 4).then_some((f.path.as_str(), base))
        })
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let mut found: HashMap<String, ExecContext> = HashMap::new();
    for py in python {
        let executors: Vec<&Call> = py.calls.iter().filter(|c| is_executor(&c.name)).collect();
        if executors.is_empty() {
            continue;
        }
        let readers: Vec<&Call> = py.calls.iter().filter(|c| is_reader(&c.name)).collect();
        for exec in &executors {
            // The file read last before the exec, in the same function, is
            // the one whose text it runs: a setup script that reads its
            // README, then its module to `eval` a version string, runs the
            // module's text, not the README.
            let last_read = readers
                .iter()
                .filter(|r| r.line <= exec.line && r.function == exec.function)
                .max_by_key(|r| r.line);
            for (path, base) in &candidates {
                let names = |c: &Call| super::names_file(py, c, base);
                // A read whose path text is known reads that path only.
                let reads = |r: &Call| match r.arg_texts().next() {
                    Some(text) => text.contains(base),
                    None => names(r),
                };
                if names(exec) || last_read.is_some_and(|r| reads(r)) {
                    let entry = found.entry((*path).to_owned()).or_insert(exec.context);
                    *entry = (*entry).max(exec.context);
                }
            }
        }
    }
    found
        .into_iter()
        .map(|(path, context)| (path, role_for(context)))
        .collect()
}
