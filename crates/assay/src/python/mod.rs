//! The semantic model of Python source.
//!
//! [`analyze`] parses one file with ruff's parser and walks it once, producing
//! a [`FileAnalysis`]: every call with its qualified name, evaluated
//! arguments and execution context; every constant string (after constant
//! evaluation); imports; and payloads decoded from base64/zlib/hex/... layers,
//! whose own facts are merged in, attributed to the line that decodes them.

use std::sync::Arc;

use crate::via::Via;
use serde::Serialize;
pub use template::Template;

/// When a piece of code runs, from the installing user's point of view.
/// Ordered from least to most exposed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ExecContext {
    /// Inside a function nothing at install, startup or import time calls.
    Runtime,
    /// Module top level (or code it calls) of an importable module.
    Import,
    /// Every interpreter start: `.pth` lines, `sitecustomize`, `usercustomize`.
    Startup,
    /// While the package is being built or installed: `setup.py`, `cmdclass`
    /// overrides, in-tree PEP 517 backends.
    Install,
}

impl ExecContext {
    pub const fn as_str(self) -> &'static str {
        match self {
            ExecContext::Runtime => "runtime",
            ExecContext::Import => "import",
            ExecContext::Startup => "startup",
            ExecContext::Install => "install",
        }
    }

    /// Words for the evidence chain: "install time".
    pub const fn describe(self) -> &'static str {
        match self {
            ExecContext::Runtime => "at runtime",
            ExecContext::Import => "on import",
            ExecContext::Startup => "at every interpreter start",
            ExecContext::Install => "at install time",
        }
    }

    /// Install, startup and import code runs without the user calling anything.
    pub const fn is_automatic(self) -> bool {
        !matches!(self, ExecContext::Runtime)
    }
}

/// What a Python file is, which decides the context of its top-level code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileRole {
    /// The sdist's `setup.py`: top level runs at install time.
    SetupScript,
    /// An in-tree PEP 517 build backend: runs at build time.
    BuildBackend,
    /// Executable lines of a `.pth` file.
    Pth,
    /// `sitecustomize.py` / `usercustomize.py`.
    SiteCustomize,
    /// An importable module.
    Module,
    /// Tests, docs, examples, scripts, `__main__`: run only when asked.
    Script,
    /// A module of the package that `setup.py` (or a build backend) imports
    /// while installing: its top level runs at install time.
    InstallHelper,
    /// A file of the package that `setup.py` runs as a program (`python -m
    /// pkg`, `python tool.py`): its `__main__` block runs too.
    InstallScript,
}

impl FileRole {
    /// The context of the file's top-level code.
    pub const fn top_level_context(self) -> ExecContext {
        match self {
            FileRole::SetupScript
            | FileRole::BuildBackend
            | FileRole::InstallHelper
            | FileRole::InstallScript => ExecContext::Install,
            FileRole::Pth | FileRole::SiteCustomize => ExecContext::Startup,
            FileRole::Module => ExecContext::Import,
            FileRole::Script => ExecContext::Runtime,
        }
    }
}

/// An evaluated expression: its constant value when known, and its taint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Value {
    /// The constant text (bytes are decoded lossily), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Arc<str>>,
    /// Text built from known and unknown parts (an f-string with holes
    /// that are not constant, `"curl " + url`), when it is not constant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<Template>,
    /// Taint labels ([`taint`]): source labels only.
    pub taint: taint::Taint,
    /// Parameters of the enclosing function the value carries (bit `i`
    /// for parameter `i`, `self` included), see [`taint::param`].
    #[serde(skip_serializing_if = "is_zero_u16")]
    pub params: u16,
    /// Fields of `self` the value carries (bit `k` for field `k` of
    /// [`FileAnalysis::fields`] of the enclosing class).
    #[serde(skip_serializing_if = "is_zero_u8")]
    pub fields: u8,
    /// Results of package functions of other modules the value carries
    /// (bit `k` for [`FileAnalysis::imported_calls`]`[k]`). Linking the
    /// package ([`crate::flows::returns`]) adds what they return to
    /// `taint`.
    #[serde(skip_serializing_if = "is_zero_u32")]
    pub imports: u32,
    /// The qualified name of what produced the value when it is a call
    /// result or a module object (`urllib.request.urlopen()`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<QualName>,
}

impl Value {
    pub fn has(&self, label: taint::Taint) -> bool {
        self.taint & label != 0
    }

    /// The value as text: its constant text, else its template printed
    /// with `{}` for each hole ([`Template::printed`]).
    pub fn printed(&self) -> Option<&str> {
        self.text
            .as_deref()
            .or_else(|| self.template.as_ref().map(Template::printed))
    }
}

fn is_zero_u16(v: &u16) -> bool {
    *v == 0
}

fn is_zero_u8(v: &u8) -> bool {
    *v == 0
}

fn is_zero_u32(v: &u32) -> bool {
    *v == 0
}

/// A function, method, lambda or nested function defined in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionInfo {
    /// Its name in the file's call graph (`Class.method`, `outer.inner`).
    pub name: Arc<str>,
    /// The class it is a method of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<Arc<str>>,
    /// Parameter names in the order Python binds them: positional ones,
    /// `*args` (or the bare `*` before keyword-only ones), keyword-only
    /// ones, `**kwargs`, stars kept as in the `def`; `self` or `cls`
    /// included for methods.
    pub params: Vec<Arc<str>>,
    pub line: u32,
    /// What each decorator names, outermost first (`atexit.register`,
    /// `functools.lru_cache()`), where the walker knows it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decorators: Vec<QualName>,
    /// The docstring.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docstring: Option<Arc<str>>,
}

/// A call of a function or class defined in the same file (which
/// [`FileAnalysis::calls`] does not list): the edges of the file's call
/// graph, with what each argument carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalCall {
    /// The function called (`helper`, `Class`, `Class.method`).
    pub callee: Arc<str>,
    /// The calling function, `None` at top level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<Arc<str>>,
    pub line: u32,
    /// The call goes through an instance or the class (`self.m(x)`,
    /// `obj.m(x)`, `Class(x)`): the callee's first parameter is that
    /// object, not the first argument.
    pub bound: bool,
    pub args: Vec<Value>,
    pub keywords: Vec<(Arc<str>, Value)>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub silenced: bool,
}

/// A `while` loop: the lines it spans, and the function it sits in
/// (`None` at top level). The calls of a loop's body are the file's calls
/// whose line falls in the span, in the same function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhileLoop {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<Arc<str>>,
    pub line: u32,
    pub end_line: u32,
    /// Each callee in the body, by its last name as spelled (`sendto`,
    /// `sleep`, `?` for `f()()`), sorted; `None` when the body is nested too
    /// deep to look through.
    pub callees: Option<Vec<LoopCallee>>,
}

/// A call in a loop's body: the last name it spells, and whether a
/// statement of its own discards the result (`sock.sendto(data, addr)`,
/// not `n = sock.send(buf)`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LoopCallee {
    pub name: Arc<str>,
    pub discarded: bool,
}

impl WhileLoop {
    /// Whether a fact at `line` of `function` sits in this loop.
    pub fn holds(&self, function: Option<&str>, line: u32) -> bool {
        self.function.as_deref() == function && (self.line..=self.end_line).contains(&line)
    }
}

/// `self.NAME = value` in a method: which field bit the class gives the
/// attribute, and what the stored value carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldStore {
    pub class: Arc<str>,
    pub field: Arc<str>,
    /// Its index in [`Value::fields`] of the class's methods.
    pub index: u8,
    /// The method that stores it.
    pub function: Arc<str>,
    pub line: u32,
    pub value: Value,
}

/// One call in the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Call {
    /// Qualified name of the callee: `os.system`, `builtins.exec`,
    /// `socket.socket().connect` (a method of what `socket.socket()` returned).
    pub name: QualName,
    pub line: u32,
    pub column: u32,
    pub context: ExecContext,
    /// The enclosing function (`Class.method`), `None` at top level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<Arc<str>>,
    pub args: Vec<Value>,
    pub keywords: Vec<(Arc<str>, Value)>,
    /// The decoding chain when this call sits in a decoded payload
    /// (`base64 → zlib`); its line is then the line that decodes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
    /// The call sits in the body of a `try` whose handlers swallow any
    /// error (`except: pass`, `except Exception: pass`): if it fails, no
    /// one hears of it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub silenced: bool,
    /// For a method of a connection object (`conn.request(...)`,
    /// `ws.send(...)`, `smtp.sendmail(...)`), the address the object was
    /// opened to, as a URL (`https://h:443`, `tcp://h:25`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<Arc<str>>,
    /// The kinds of API `name` is, kept inline ([`ApiClasses`]).
    #[serde(skip)]
    pub classes: ApiClasses,
}

impl Call {
    /// The callee opens a connection or sends over one ([`names::is_network`]).
    pub fn is_network(&self) -> bool {
        self.classes.is_network()
    }

    /// The callee runs a process ([`names::is_process`]).
    pub fn is_process(&self) -> bool {
        self.classes.is_process()
    }

    /// The callee runs Python code given as a value ([`names::is_code_exec`]).
    pub fn is_code_exec(&self) -> bool {
        self.classes.is_code_exec()
    }

    /// What the callee captures from the user's session ([`names::capture`]).
    pub fn capture(&self) -> Option<names::Capture> {
        self.classes.capture()
    }

    /// Every argument, positional then keyword.
    pub fn all_args(&self) -> impl Iterator<Item = &Value> {
        self.args.iter().chain(self.keywords.iter().map(|(_, v)| v))
    }

    pub fn keyword(&self, name: &str) -> Option<&Value> {
        self.keywords
            .iter()
            .find(|(k, _)| &**k == name)
            .map(|(_, v)| v)
    }

    /// Every argument as text ([`Value::printed`]): constants, and
    /// templates with `{}` for each hole.
    pub fn arg_texts(&self) -> impl Iterator<Item = &str> {
        self.all_args().filter_map(|v| v.printed())
    }
}

/// A constant string: a literal, or the result of constant evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StringFact {
    pub value: Arc<str>,
    pub line: u32,
    pub column: u32,
    pub context: ExecContext,
    /// The decoding chain when the string sits in a decoded payload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
    /// Which groups of fixed texts the rules look for the string holds,
    /// worked out by the first rule that asks and kept (see
    /// [`StringFact::keyword_groups`]).
    #[serde(skip)]
    keyword_groups: Memo<u8>,
}

/// A value worked out on first use and kept. It is not part of what a
/// fact is: two facts are equal whatever their memos hold.
#[derive(Debug, Clone, Default)]
struct Memo<T>(std::sync::OnceLock<T>);

impl<T> PartialEq for Memo<T> {
    fn eq(&self, _: &Memo<T>) -> bool {
        true
    }
}

impl<T> Eq for Memo<T> {}

impl StringFact {
    /// A string found at `line`:`column`, run in `context`.
    pub fn new(value: Arc<str>, line: u32, column: u32, context: ExecContext) -> StringFact {
        StringFact {
            value,
            line,
            column,
            context,
            via: None,
            keyword_groups: Memo::default(),
        }
    }

    /// The groups of fixed texts the rules look for that the string
    /// holds, one bit each: `find` on the first question, kept for the
    /// next. The rules define the groups (`rules::helpers::string_keywords`);
    /// the fact only keeps the answer, so that a string is searched once.
    pub fn keyword_groups(&self, find: impl FnOnce(&str) -> u8) -> u8 {
        *self.keyword_groups.0.get_or_init(|| find(&self.value))
    }
}

/// A payload decoded from an encoded constant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payload {
    pub line: u32,
    pub column: u32,
    /// The layers, outermost first: `base64 → zlib`.
    pub chain: Via,
    /// The start of the decoded text, for reports.
    pub preview: String,
    pub len: usize,
    /// The payload is Python that assay parsed and analysed.
    pub is_python: bool,
    pub context: ExecContext,
    /// The decoded bytes in full, for the user's YARA rules.
    #[serde(skip)]
    pub decoded: Arc<[u8]>,
}

/// An `import` statement (or `__import__`/`importlib.import_module` call).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Import {
    /// The module imported (`os.path`).
    pub module: Arc<str>,
    pub line: u32,
    pub context: ExecContext,
}

/// The semantic model of one Python source.
#[derive(Debug, Clone, Default)]
pub struct FileAnalysis {
    /// Path inside the artifact.
    pub path: String,
    pub role: Option<FileRole>,
    pub imports: Vec<Import>,
    pub calls: Vec<Call>,
    pub strings: Vec<StringFact>,
    pub payloads: Vec<Payload>,
    /// Every function defined in the file, for flow summaries.
    pub functions: Vec<FunctionInfo>,
    /// Calls of the file's own functions and classes.
    pub local_calls: Vec<LocalCall>,
    /// Attributes of `self` stored from symbolic values.
    pub fields: Vec<FieldStore>,
    /// The file's `while` loops, by line.
    pub loops: Vec<WhileLoop>,
    /// Package functions of other modules this file calls, in the order
    /// of their bits in [`Value::imports`].
    pub imported_calls: Vec<QualName>,
    /// What the file's functions return, by name (`Client.get`), where it
    /// carries a source or an imported result: sources and
    /// [`taint::imported`] bits.
    pub returns: Vec<(Arc<str>, taint::Taint)>,
    /// The first syntax error, when the file does not parse cleanly
    /// (`line N: message`). The facts then come from ruff's error recovery
    /// plus a text-level pass.
    pub parse_error: Option<String>,
    /// Things the analysis gave up on (nesting too deep, a value too
    /// large), and how the file was read.
    pub notes: Vec<AnalysisNote>,
    /// The decoded source, for excerpts.
    pub source: Arc<str>,
}

/// Longest excerpt line kept, in characters.
const EXCERPT_WIDTH: usize = 160;

impl FileAnalysis {
    /// The source line `line` (1-based), trimmed and cut to a readable width.
    pub fn excerpt(&self, line: u32) -> Option<String> {
        let text = self.source.lines().nth(line.checked_sub(1)? as usize)?;
        let text = text.trim();
        if text.chars().count() > EXCERPT_WIDTH {
            let cut: String = text.chars().take(EXCERPT_WIDTH).collect();
            Some(format!("{cut}…"))
        } else {
            Some(text.to_owned())
        }
    }
}

mod api_classes;
mod budget;
mod consts;
mod credential_names;
mod decode;
mod dismantle;
mod module_path;
pub mod names;
mod notes;
mod qualname;
mod roles;
mod source;
pub(crate) use source::string_end;
pub mod taint;
pub mod template;
mod text;
mod walker;

pub use api_classes::ApiClasses;
pub use budget::AnalysisLimits;
pub use module_path::module_of;
pub use notes::AnalysisNote;
pub use qualname::{QualName, Segment};
pub use roles::Roles;

use std::rc::Rc;

use budget::Budget;

use ruff_python_parser::{Mode, ParseOptions};
use ruff_text_size::TextSize;

/// Analyses one Python source (or `.pth` file) of the given role.
pub fn analyze(path: &str, data: &[u8], role: FileRole) -> FileAnalysis {
    analyze_with_entry_points(path, data, role, &[])
}

/// [`analyze`], with functions of the file that code elsewhere calls
/// without being asked (`setup.py` calling `pkg.hooks.post_install()`, a
/// package's `__init__` calling `.loader.run()` on import): they and what
/// they call get that context.
pub fn analyze_with_entry_points(
    path: &str,
    data: &[u8],
    role: FileRole,
    entry_points: &[(String, ExecContext)],
) -> FileAnalysis {
    analyze_in_artifact(path, data, role, entry_points, true)
}

/// [`analyze_with_entry_points`] for a file of an artifact that may not
/// run code when it is installed. `installs` is false for wheels, eggs and
/// installed distributions: installing them copies files and runs nothing,
/// so a setuptools command subclass in one of their modules is library
/// code the user calls (setuptools' own `bdist_rpm`), not an install hook.
pub fn analyze_in_artifact(
    path: &str,
    data: &[u8],
    role: FileRole,
    entry_points: &[(String, ExecContext)],
    installs: bool,
) -> FileAnalysis {
    analyze_within(
        path,
        data,
        role,
        entry_points,
        installs,
        &AnalysisLimits::default(),
    )
}

/// [`analyze_in_artifact`] within an analysis budget: past a limit the
/// rest is not analysed, what was found before is kept, and a note says
/// so (AY401).
pub fn analyze_within(
    path: &str,
    data: &[u8],
    role: FileRole,
    entry_points: &[(String, ExecContext)],
    installs: bool,
    limits: &AnalysisLimits,
) -> FileAnalysis {
    let (text, encoding_note) = source::decode(data);
    let mut analysis = FileAnalysis {
        path: path.to_owned(),
        role: Some(role),
        notes: encoding_note
            .map(|declared| AnalysisNote::ReadAsLatin1 { declared })
            .into_iter()
            .collect(),
        ..FileAnalysis::default()
    };
    let code = match role {
        FileRole::Pth => match source::pth_code(&text) {
            Some(code) => Arc::from(code),
            None => {
                analysis.source = text;
                return analysis;
            }
        },
        _ => text,
    };
    let lines = LineIndex::new(&code);
    let mut driver = Driver::new(*limits, path);
    let (mut walk, parse_error) = driver.walk_file(&code, role);
    if !installs && role.top_level_context() != ExecContext::Install {
        walk.forced
            .retain(|_, context| *context != ExecContext::Install);
    }
    for (function, context) in entry_points {
        let forced = walk
            .forced
            .entry(Arc::from(function.as_str()))
            .or_insert(*context);
        *forced = (*forced).max(*context);
    }
    // `__main__.py` runs when the user runs `python -m pkg` (or a command
    // that imports it), never because something imported the package.
    let user_run = role == FileRole::Module && path.rsplit('/').next() == Some("__main__.py");
    let top = if user_run {
        ExecContext::Runtime
    } else {
        role.top_level_context()
    };
    let main = if matches!(role, FileRole::SetupScript | FileRole::InstallScript) {
        ExecContext::Install
    } else {
        ExecContext::Runtime
    };
    let contexts = walk.resolve(top, main);
    let context = |node: &Option<Arc<str>>, fixed: Option<ExecContext>| {
        fixed.unwrap_or_else(|| walker::context_of(&contexts, node, top, main))
    };

    // The walk's facts are moved into the analysis, not copied.
    let returns = std::mem::take(&mut walk.returns);
    analysis.imported_calls = std::mem::take(&mut walk.imported);
    // What functions return, for callers in other modules: sources and
    // imported results only (a parameter of this function means nothing
    // to its caller's walk).
    analysis.returns = returns
        .iter()
        .map(|(name, taint)| (name.clone(), taint & !taint::FUNCTION_SYMBOLIC))
        .filter(|(_, taint)| *taint != 0)
        .collect();
    analysis.returns.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let value = |v: walker::PendingValue| v.resolved(&returns);
    analysis.calls = std::mem::take(&mut walk.calls)
        .into_iter()
        .map(|c| {
            let (line, column) = lines.position(c.offset);
            Call {
                line,
                column,
                context: context(&c.node, c.fixed),
                function: c.node,
                args: c.args.into_iter().map(value).collect(),
                keywords: c.keywords.into_iter().map(|(k, v)| (k, value(v))).collect(),
                via: c.via,
                silenced: c.silenced,
                destination: c.destination,
                classes: c.name.api_classes(),
                name: c.name,
            }
        })
        .collect();
    analysis.strings = walk
        .strings
        .iter()
        .map(|s| {
            let (line, column) = lines.position(s.offset);
            StringFact {
                via: s.via.clone(),
                ..StringFact::new(s.value.clone(), line, column, context(&s.node, s.fixed))
            }
        })
        .collect();
    analysis.imports = walk
        .imports
        .iter()
        .map(|(module, offset, node)| {
            Import::new(
                module.clone(),
                lines.position(*offset).0,
                context(node, None),
            )
        })
        .collect();
    analysis.payloads = walk
        .payloads
        .iter()
        .map(|p| {
            let (line, column) = lines.position(p.offset);
            let mut payload = Payload::new(line, column, p.chain.clone(), &p.bytes, p.is_python);
            payload.context = context(&p.node, None);
            payload
        })
        .collect();
    analysis.functions = walk
        .functions
        .iter()
        .map(|f| FunctionInfo {
            name: f.name.clone(),
            class: f.class.clone(),
            params: f.params.clone(),
            line: lines.position(f.offset).0,
            decorators: f.decorators.clone(),
            docstring: f.docstring.clone(),
        })
        .collect();
    analysis.local_calls = std::mem::take(&mut walk.local_calls)
        .into_iter()
        .map(|c| LocalCall {
            callee: c.callee,
            function: c.node,
            line: lines.position(c.offset).0,
            bound: c.bound,
            args: c.args.into_iter().map(value).collect(),
            keywords: c.keywords.into_iter().map(|(k, v)| (k, value(v))).collect(),
            silenced: c.silenced,
        })
        .collect();
    let mut loops: Vec<WhileLoop> = walk
        .loops
        .iter()
        .map(|l| WhileLoop {
            function: l.node.clone(),
            line: lines.position(l.start).0,
            end_line: lines.position(l.end).0,
            callees: l.callees.clone(),
        })
        .collect();
    // A function walked again for a call site repeats its loops.
    loops.sort_unstable_by_key(|l| (l.line, l.end_line));
    loops.dedup_by_key(|l| (l.line, l.end_line));
    analysis.loops = loops;
    analysis.fields = std::mem::take(&mut walk.field_stores)
        .into_iter()
        .map(|f| FieldStore {
            class: f.class,
            field: f.field,
            index: f.index,
            function: f.node,
            line: lines.position(f.offset).0,
            value: value(f.value),
        })
        .collect();
    let budget = &driver.budget;
    if let Some(error) = parse_error {
        // Error recovery gave the facts above; a text pass adds the strings
        // the broken parts hold, so nothing escapes by not parsing.
        let left = budget.facts_left();
        let strings = text::strings(&code, 1, top, left);
        if strings.len() >= left {
            budget.facts_exhausted();
        }
        analysis.strings.extend(strings);
        analysis.parse_error = Some(error);
    } else if let Some(cut) = driver.unparsed_from {
        // The part past the token budget was not parsed: its strings are
        // still read.
        let left = budget.facts_left();
        let first_line = lines.position(TextSize::new(cut as u32)).0;
        let rest = text::strings(&code[cut..], first_line, top, left);
        if rest.len() >= left {
            budget.facts_exhausted();
        }
        analysis.strings.extend(rest);
    }
    analysis.notes.extend(walk.notes);
    analysis.notes.extend(budget.notes());
    analysis.source = code;
    analysis
}

/// Parses and walks sources: the file's own and its decoded payloads.
struct Driver {
    /// Bytes of decoded payload analysed so far for this file.
    payload_bytes: usize,
    /// The file's budget, shared by every walk of it and its payloads.
    budget: Rc<Budget>,
    /// Where the file's own source stopped being parsed, for the budget.
    unparsed_from: Option<usize>,
    /// The file's own source while its tokens are not counted yet: a
    /// source no longer than the tokens left cannot run past them (a
    /// token takes at least a byte), so it is counted only when a payload
    /// is about to be parsed after it (most files have none).
    uncounted: Option<Arc<str>>,
    /// The top-level package of the file ([`module_of`]'s first name).
    package_root: Option<Arc<str>>,
}

/// Most bytes of decoded payloads analysed for one file.
const MAX_PAYLOAD_BYTES: usize = 32 * 1024 * 1024;

impl Driver {
    fn new(limits: AnalysisLimits, path: &str) -> Self {
        let module = module_of(path);
        let root = module.split('.').next().filter(|r| !r.is_empty());
        Driver {
            payload_bytes: 0,
            budget: Rc::new(Budget::new(limits)),
            unparsed_from: None,
            uncounted: None,
            package_root: root.map(Arc::from),
        }
    }

    /// [`Driver::walk_source`] for the file's own source.
    fn walk_file(&mut self, code: &Arc<str>, role: FileRole) -> (walker::Walk, Option<String>) {
        let (globals, helpers) = (walker::Scope::default(), walker::Helpers::default());
        if code.len() > self.budget.tokens_left() {
            return self.walk_source(code, role, 0, globals, &helpers);
        }
        self.uncounted = Some(Arc::clone(code));
        self.parse_and_walk(code, role, 0, globals, &helpers)
    }

    /// Parses `code` and walks it; returns the walk and the first syntax
    /// error (after trying Python 2 fix-ups when the code does not parse).
    fn walk_source(
        &mut self,
        code: &str,
        role: FileRole,
        layer: u8,
        globals: walker::Scope,
        helpers: &walker::Helpers<'_>,
    ) -> (walker::Walk, Option<String>) {
        if let Some(file) = self.uncounted.take() {
            let count = source::count_tokens(&file, usize::MAX);
            self.budget.parsed(count.tokens, false, None);
        }
        // The parsed tree costs about a hundred bytes a token: past the
        // budget, the source is cut where a top-level statement starts.
        let count = source::count_tokens(code, self.budget.tokens_left());
        let code = match count.cut {
            Some(cut) => {
                let line = (layer == 0)
                    .then(|| LineIndex::new(code).position(TextSize::new(cut as u32)).0);
                if layer == 0 {
                    self.unparsed_from = Some(cut);
                }
                self.budget.parsed(count.tokens, true, line);
                &code[..cut]
            }
            None => {
                self.budget.parsed(count.tokens, false, None);
                code
            }
        };
        self.parse_and_walk(code, role, layer, globals, helpers)
    }

    /// Parses `code`, within the token budget already, and walks it.
    fn parse_and_walk(
        &mut self,
        code: &str,
        role: FileRole,
        layer: u8,
        globals: walker::Scope,
        helpers: &walker::Helpers<'_>,
    ) -> (walker::Walk, Option<String>) {
        if source::too_deep(code) {
            let mut walk = walker::Walk::default();
            walk.notes.push(AnalysisNote::TooDeepToParse {
                levels: source::MAX_NESTING,
            });
            let error = format!("nested deeper than {} levels", source::MAX_NESTING);
            return (walk, Some(error));
        }
        let options = ParseOptions::from(Mode::Module);
        let mut parsed = ruff_python_parser::parse_unchecked(code, options.clone());
        let mut error = parsed.errors().first().map(|e| {
            let line = LineIndex::new(code).position(e.location.start()).0;
            format!("line {line}: {}", e.error)
        });
        if error.is_some()
            && let Some(fixed) = source::python2_fixups(code)
        {
            let retry = ruff_python_parser::parse_unchecked(&fixed, options);
            if retry.errors().len() < parsed.errors().len() {
                parsed = retry;
                if parsed.errors().is_empty() {
                    error = error.map(|e| {
                        format!("{e} (analysed as Python 2 after rewriting print/exec statements)")
                    });
                }
            }
        }
        let module = match parsed.into_syntax() {
            ruff_python_ast::Mod::Module(m) => m,
            ruff_python_ast::Mod::Expression(_) => return (walker::Walk::default(), error),
        };
        // The caller's helpers stay callable from the payload it executes.
        let helpers: walker::Helpers<'_> = helpers.iter().map(|(k, v)| (k.clone(), *v)).collect();
        let budget = self.budget.clone();
        // Only the file's own calls get bits for imported results: a
        // payload's facts are kept apart from the file's.
        let package_root = self.package_root.clone().filter(|_| layer == 0);
        let walk = walker::Walker::new(role, layer, globals, helpers, budget, package_root, self)
            .run(&module.body);
        if walk.deep {
            dismantle::dismantle(module.body);
        }
        (walk, error)
    }
}

impl walker::PayloadSink for Driver {
    fn analyse(
        &mut self,
        code: &str,
        layer: u8,
        globals: walker::Scope,
        helpers: &walker::Helpers<'_>,
    ) -> Option<walker::Walk> {
        if self.payload_bytes + code.len() > MAX_PAYLOAD_BYTES {
            return None;
        }
        self.payload_bytes += code.len();
        Some(
            self.walk_source(code, FileRole::Module, layer, globals, helpers)
                .0,
        )
    }
}

/// Byte offsets to 1-based lines and columns.
struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
        LineIndex { starts }
    }

    fn position(&self, offset: TextSize) -> (u32, u32) {
        let offset = offset.to_u32();
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line.saturating_sub(1)];
        (line as u32, offset - start + 1)
    }
}

#[cfg(test)]
mod tests;
