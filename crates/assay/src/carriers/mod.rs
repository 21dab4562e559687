//! Code carried outside `.py` files: pickles, bytecode, and the other
//! places attackers hide what a source scanner does not read. Each carrier
//! is read from bytes in memory, never loaded or run, and handed to rules
//! as plain facts.

pub mod appended;
pub mod bytecode;
pub mod data_files;
mod joblib_arrays;
pub mod marshal;
pub mod path_archives;
pub mod pickle;
pub mod pickle_files;
pub mod pyc;
pub mod recovered;
pub mod run_points;

use rayon::prelude::*;

use crate::artifact::Package;
use crate::python::{Call, FileAnalysis};
use crate::rules::FileKind;
pub use pickle_files::PickleFile;

/// Whether `call` of `py` names the package file whose base name is
/// `base`: an argument's text holds it, a string on the call's lines does
/// (`open(os.path.join(HERE, "theme.dat"))`), or an argument is a path
/// built at run time in a file that spells the name.
pub fn names_file(py: &FileAnalysis, call: &Call, base: &str) -> bool {
    if call.arg_texts().any(|t| t.contains(base)) {
        return true;
    }
    let lines = call.line..=call.line.saturating_add(2);
    let spelled = |near: bool| {
        py.strings
            .iter()
            .any(|s| (!near || lines.contains(&s.line)) && s.value.contains(base))
    };
    if spelled(true) {
        return true;
    }
    builds_path(call) && spelled(false)
}

/// Whether an argument of `call` is a path built at run time.
fn builds_path(call: &Call) -> bool {
    call.all_args().any(|a| {
        a.origin.as_ref().is_some_and(|o| {
            o.is_in("os.path")
                || o.is_in("pathlib")
                || o.as_str().starts_with("importlib.resources")
        })
    })
}

/// Everything the carriers found in one package.
#[derive(Debug, Clone, Default)]
pub struct Carriers {
    /// Every pickle stream, in file order.
    pub pickles: Vec<PickleFile>,
    /// Every `.pyc`/`.pyo` file, with what was recovered from it.
    pub bytecode: Vec<BytecodeFile>,
    /// The commands the package installs, and what they run.
    pub run_points: Vec<run_points::RunPoint>,
    /// Zip, tar or Python data after the end of an image, font or other
    /// binary.
    pub appended: Vec<appended::Appended>,
}

/// A compiled Python file and the Python recovered from it.
#[derive(Debug, Clone, PartialEq)]
pub struct BytecodeFile {
    pub path: String,
    /// The CPython version its header names (`3.11`), when it names one.
    pub version: Option<String>,
    /// The recovered Python, when the code object could be read.
    pub source: Option<String>,
    /// The code was disassembled (not only its constants read: a CPython
    /// whose opcodes assay does not know).
    pub disassembled: bool,
    /// Python runs it instead of its source: an unchecked hash-based file
    /// in `__pycache__` (PEP 552) is never compared with the source.
    pub replaces_source: bool,
}

impl Carriers {
    /// Reads the carriers of every file of `package`.
    pub fn of(package: &Package) -> Carriers {
        let pickles = package
            .files
            .par_iter()
            .flat_map_iter(|f| pickle_files::pickles_in(&f.path, &f.data))
            .collect();
        let bytecode = package
            .files
            .par_iter()
            .filter(|f| FileKind::detect(&f.path, &f.data) == FileKind::Bytecode)
            .map(|f| {
                let recovered = bytecode::from_pyc(&f.data);
                let header = pyc::version_of(&f.data);
                let cached = f.path.starts_with("__pycache__/") || f.path.contains("/__pycache__/");
                BytecodeFile {
                    path: f.path.clone(),
                    version: header.map(|h| h.version()),
                    replaces_source: cached && header.is_some_and(|h| h.unchecked),
                    disassembled: recovered.as_ref().is_some_and(|r| r.disassembled),
                    source: recovered.map(|r| r.source),
                }
            })
            .collect();
        let prefix = package.sdist_prefix().unwrap_or("");
        let run_points = package
            .files
            .iter()
            .flat_map(|f| run_points::declared_in(&f.path, &f.data, prefix))
            .collect();
        let appended = package
            .files
            .par_iter()
            .filter_map(|f| appended::find(&f.path, &f.data))
            .collect();
        Carriers {
            pickles,
            bytecode,
            run_points,
            appended,
        }
    }
}
