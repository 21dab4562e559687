//! Package files that code reads and then executes: `exec(open(path).read())`,
//! `exec(pkgutil.get_data(__name__, "payload.dat"))`, `runpy.run_path("x.dat")`.
//! Such a file is code whatever its name, and runs when its reader runs.

use std::collections::HashMap;

use aho_corasick::AhoCorasick;

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
    let mut bases: Option<Bases> = None;
    let mut found: HashMap<String, ExecContext> = HashMap::new();
    for py in python {
        let executors: Vec<&Call> = py.calls.iter().filter(|c| is_executor(&c.name)).collect();
        if executors.is_empty() {
            continue;
        }
        let bases = bases.get_or_insert_with(|| Bases::of(&candidates));
        let readers: Vec<&Call> = py.calls.iter().filter(|c| is_reader(&c.name)).collect();
        for exec in &executors {
            let last_read = readers
                .iter()
                .filter(|r| r.line <= exec.line && r.function == exec.function)
                .max_by_key(|r| r.line);
            let mut named = bases.named_by(py, exec);
            if let Some(read) = last_read {
                let read = match read.arg_texts().next() {
                    Some(text) => bases.found_in([text]),
                    None => bases.named_by(py, read),
                };
                named.iter_mut().zip(read).for_each(|(n, r)| *n |= r);
            }
            for (base, _) in named.iter().enumerate().filter(|(_, n)| **n) {
                for path in &bases.paths[base] {
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

/// The candidate files' base names, each once, searched for together: a
/// package of many data files and many `exec` calls is one pass over each
/// text, not one per file.
struct Bases<'p> {
    searcher: AhoCorasick,
    /// The paths of the files of each base name, by pattern index.
    paths: Vec<Vec<&'p str>>,
}

impl<'p> Bases<'p> {
    fn of(candidates: &[(&'p str, &'p str)]) -> Self {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut names: Vec<&str> = Vec::new();
        let mut paths: Vec<Vec<&str>> = Vec::new();
        for (path, base) in candidates {
            let at = *index.entry(base).or_insert_with(|| {
                names.push(base);
                paths.push(Vec::new());
                names.len() - 1
            });
            paths[at].push(path);
        }
        // Building fails only past the searcher's size limits (billions of
        // states, far more bytes of names than an archive may list): then
        // no name is searched for rather than the scan failing.
        let searcher = AhoCorasick::new(&names).unwrap_or_else(|_| {
            paths.clear();
            AhoCorasick::new([""; 0]).expect("an empty searcher")
        });
        Bases { searcher, paths }
    }

    /// Which base names occur in any of `texts`.
    fn found_in<'t>(&self, texts: impl IntoIterator<Item = &'t str>) -> Vec<bool> {
        let mut found = vec![false; self.paths.len()];
        for text in texts {
            for m in self.searcher.find_overlapping_iter(text) {
                found[m.pattern().as_usize()] = true;
            }
        }
        found
    }

    /// Which base names `call` of `py` names, as [`super::names_file`]
    /// tells for one.
    fn named_by(&self, py: &FileAnalysis, call: &Call) -> Vec<bool> {
        let lines = call.line..=call.line.saturating_add(2);
        let near = py.strings.iter().filter(|s| lines.contains(&s.line));
        let mut named = self.found_in(call.arg_texts().chain(near.map(|s| &*s.value)));
        if super::builds_path(call) {
            let anywhere = self.found_in(py.strings.iter().map(|s| &*s.value));
            named.iter_mut().zip(anywhere).for_each(|(n, a)| *n |= a);
        }
        named
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_base_name_in_a_text_is_found_overlapping_ones_too() {
        let candidates = [
            ("pkg/payload.dat", "payload.dat"),
            ("pkg/load.dat", "load.dat"),
            ("other/load.dat", "load.dat"),
            ("pkg/theme.bin", "theme.bin"),
        ];
        let bases = Bases::of(&candidates);
        assert_eq!(
            bases.paths,
            [
                vec!["pkg/payload.dat"],
                vec!["pkg/load.dat", "other/load.dat"],
                vec!["pkg/theme.bin"]
            ]
        );
        assert_eq!(bases.found_in(["run payload.dat"]), [true, true, false]);
        assert_eq!(
            bases.found_in(["load.da", "x theme.bin"]),
            [false, false, true]
        );
    }
}
