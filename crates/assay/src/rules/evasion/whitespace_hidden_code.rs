use crate::finding::{Finding, Location, Severity};
use crate::python::{Call, ExecContext, FileAnalysis, QualName, names};
use crate::rules::helpers::source_text::{self, Literals, Region};
use crate::rules::{PackageFacts, Rule, RuleMeta, cut_to, declare_rule, preview};

declare_rule! {
    /// Code pushed off-screen by a long run of spaces or tabs on the line
    /// before it.
    ///
    /// ## What it finds
    /// A line where, outside string literals and comments, at least 100
    /// spaces or tabs follow a statement and are followed by more code
    /// (`print("")<300 spaces>;__import__("builtins").exec(...)`, or
    /// `setup(...,<300 spaces>exec(...))`), and lines whose code starts
    /// after 150 or more columns of blanks. The hidden part is shown as
    /// the decoded value, and the calls made in it are named.
    ///
    /// ## Why it matters
    /// Editors, diff views and code-review pages do not wrap long lines: a
    /// reader sees an innocent statement and nothing else. There is no
    /// formatting reason to put a hundred blanks between two tokens.
    /// Hidden code that executes code or spawns a process is critical
    /// wherever it runs; hidden code that imports, decodes or opens a
    /// connection is critical when it runs on its own (install, start-up,
    /// import) and high in a function; other hidden code is medium; in
    /// tests, docs and examples low.
    ///
    /// ## Example
    /// ```python
    /// from setuptools import setup                                                                                                         ;exec(__import__("base64").b64decode("aW1wb3J0IG9z..."))
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1027 (Obfuscated Files or Information), T1564 (Hide
    /// Artifacts).
    pub struct WhitespaceHiddenCode {
        id: "AY404",
        slug: "whitespace-hidden-code",
        category: DefenseEvasion,
        severity: Critical,
    }
}

/// Blanks between two tokens of one line that hide what follows.
const MID_LINE_RUN: usize = 100;
/// Blanks before the first token of a line that push it off-screen.
const LEADING_RUN: usize = 150;

impl Rule for WhitespaceHiddenCode {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            let runs = hidden_runs(&file.source);
            for run in runs {
                out.push(finding(file, &run));
            }
        }
    }
}

/// A run of blanks with code after it on the same line.
#[derive(Debug, PartialEq, Eq)]
struct HiddenRun {
    /// Byte offset of the first blank.
    start: usize,
    /// Byte offset of the code after the blanks.
    code: usize,
    /// Byte offset of the end of the line.
    line_end: usize,
}

/// Every run of blanks that hides code, at most one per line.
fn hidden_runs(source: &str) -> Vec<HiddenRun> {
    let bytes = source.as_bytes();
    // Cheap test first: most files have no run this long at all.
    if !has_long_blank_run(bytes) {
        return Vec::new();
    }
    let literals = Literals::scan(source);
    let mut found = Vec::new();
    let mut line_start = 0;
    while line_start < bytes.len() {
        let line_end =
            memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |e| line_start + e);
        let mut i = line_start;
        while i < line_end {
            if !matches!(bytes[i], b' ' | b'\t') {
                i += 1;
                continue;
            }
            let start = i;
            while i < line_end && matches!(bytes[i], b' ' | b'\t') {
                i += 1;
            }
            let leading = start == line_start;
            let long = i - start >= if leading { LEADING_RUN } else { MID_LINE_RUN };
            let code_follows = i < line_end && !matches!(bytes[i], b'#' | b'\\' | b'\r');
            if long && code_follows && literals.region(start) == Region::Code {
                found.push(HiddenRun {
                    start,
                    code: i,
                    line_end,
                });
                break;
            }
        }
        line_start = line_end + 1;
    }
    found
}

/// Whether `bytes` has a run of at least [`MID_LINE_RUN`] blanks. Such a
/// run covers a multiple of half its length, so only those bytes are
/// looked at first, and the run is measured around the blank ones.
fn has_long_blank_run(bytes: &[u8]) -> bool {
    const STEP: usize = MID_LINE_RUN / 2;
    let blank = |b: &u8| matches!(b, b' ' | b'\t');
    let mut at = 0;
    while at < bytes.len() {
        if blank(&bytes[at]) {
            let left = bytes[..at].iter().rev().take_while(|b| blank(b)).count();
            let right = bytes[at..].iter().take_while(|b| blank(b)).count();
            if left + right >= MID_LINE_RUN {
                return true;
            }
        }
        at += STEP;
    }
    false
}

fn finding(file: &FileAnalysis, run: &HiddenRun) -> Finding {
    let source = &*file.source;
    let (line, code_column) = source_text::position(source, run.code);
    let hidden = source[run.code..run.line_end].trim_end();
    let hidden_calls: Vec<&Call> = file
        .calls
        .iter()
        .filter(|c| c.line == line && c.column >= code_column)
        .collect();
    let mut risky: Vec<&Call> = hidden_calls
        .iter()
        .copied()
        .filter(|c| risk(&c.name).is_some())
        .collect();
    risky.sort_by_key(|c| risk(&c.name));
    let imports = {
        let statement = hidden.trim_start_matches([';', ',', ' ', '\t']);
        statement.starts_with("import ") || statement.starts_with("from ")
    };
    let import_contexts = file
        .imports
        .iter()
        .filter(|i| imports && i.line == line)
        .map(|i| i.context);
    let context = hidden_calls
        .iter()
        .map(|c| c.context)
        .chain(import_contexts)
        .max();
    // Code hidden off-screen that executes code or starts a process is a
    // payload made to be missed in review, wherever it runs.
    let runs = risky.first().is_some_and(|c| risk(&c.name) <= Some(1));
    let severity = match (risky.is_empty() && !imports, context) {
        (true, _) => Severity::Medium,
        (false, Some(c)) if c.is_automatic() => Severity::Critical,
        (false, _) if runs => Severity::Critical,
        (false, _) => Severity::High,
    };
    let blanks = run.code - run.start;
    let what = match risky.first() {
        Some(call) => format!("code that calls `{}`", call.name),
        None if imports => "an import".to_owned(),
        None => "code".to_owned(),
    };
    let when = context.map_or("", |c| c.describe());
    let mut message = format!("{blanks} blanks push {what} off-screen");
    if !when.is_empty() {
        message = format!("{message}; it runs {when}");
    }
    let mut f = WhitespaceHiddenCode::META
        .finding(Location::at(file.path.clone(), line, code_column), message);
    f.severity = crate::verdict::cap_for_role(file.role, severity);
    f.context = context.or(Some(default_context(file)));
    let visible = source[source_text::line_around(source, run.start).start..run.start].trim();
    f.excerpt = Some(cut_to(
        &format!("{visible} [… {blanks} blanks …] {hidden}"),
        160,
    ));
    f.decoded = Some(preview(hidden));
    f
}

/// The context of a file's top level, for hidden code that makes no call.
fn default_context(file: &FileAnalysis) -> ExecContext {
    file.role
        .map_or(ExecContext::Import, |r| r.top_level_context())
}

/// Calls worth hiding, most telling first: code execution, processes,
/// network, imports by name, decoding.
fn risk(name: &QualName) -> Option<u8> {
    if names::is_code_exec(name) {
        Some(0)
    } else if names::is_process(name) {
        Some(1)
    } else if names::is_network(name) {
        Some(2)
    } else if matches!(
        name.as_str(),
        "builtins.__import__" | "importlib.import_module" | "builtins.getattr"
    ) {
        Some(3)
    } else {
        names::decoder(name).map(|_| 4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(src: &str) -> Vec<String> {
        hidden_runs(src)
            .iter()
            .map(|r| src[r.code..r.line_end].to_owned())
            .collect()
    }

    #[test]
    fn code_after_a_long_run_is_hidden() {
        let pad = " ".repeat(120);
        let src = format!("import os{pad};exec('x')\nprint(1)\n");
        assert_eq!(runs(&src), [";exec('x')"]);
        let tabs = "\t".repeat(110);
        assert_eq!(
            runs(&format!("setup(name='a',{tabs}exec(y))\n")),
            ["exec(y))"]
        );
    }

    #[test]
    fn long_runs_are_found_wherever_they_start() {
        for offset in 0..60 {
            let text = format!("{}x{}y", "a".repeat(offset), " \t".repeat(50));
            assert!(has_long_blank_run(text.as_bytes()), "{offset}");
            let short = format!("{}x{}y", "a".repeat(offset), " ".repeat(99));
            assert!(!has_long_blank_run(short.as_bytes()), "{offset}");
        }
    }

    #[test]
    fn leading_runs_need_more_blanks() {
        let src = format!("x = (1,\n{}2)\n", " ".repeat(120));
        assert!(runs(&src).is_empty());
        let src = format!("x = (1,\n{}exec(z))\n", " ".repeat(160));
        assert_eq!(runs(&src), ["exec(z))"]);
    }

    #[test]
    fn blanks_in_strings_comments_and_line_ends_are_not() {
        let pad = " ".repeat(200);
        assert!(runs(&format!("s = 'a{pad}b'\n")).is_empty());
        assert!(runs(&format!("s = \"\"\"\n{pad}table\n\"\"\"\n")).is_empty());
        assert!(runs(&format!("x = 1{pad}# comment\n")).is_empty());
        assert!(runs(&format!("x = 1{pad}\ny = 2\n")).is_empty());
        assert!(runs(&format!("x = 1 +{pad}\\\n  2\n")).is_empty());
        assert!(runs(&format!("# {pad} exec(x)\n")).is_empty());
    }
}
