//! Which files are Python, and what role each plays: the role decides when
//! a file's top-level code runs.

use crate::artifact::{ArtifactKind, Package};
use crate::rules::FileKind;

use super::FileRole;

/// The role of every file of one package.
#[derive(Debug, Default)]
pub struct Roles {
    kind: Option<ArtifactKind>,
    /// The sdist's top folder (`name-1.0/`), stripped before matching.
    prefix: Option<String>,
    /// Files of an in-tree PEP 517 backend (`backend-path` + `build-backend`).
    backend_files: Vec<String>,
}

impl Roles {
    pub fn of(package: &Package) -> Roles {
        let prefix = match package.kind {
            ArtifactKind::Sdist => package.root_prefix().map(str::to_owned),
            _ => None,
        };
        let mut roles = Roles {
            kind: Some(package.kind),
            prefix,
            backend_files: Vec::new(),
        };
        let pyproject = package
            .files
            .iter()
            .find(|f| roles.relative(&f.path) == "pyproject.toml");
        if let Some(file) = pyproject {
            roles.backend_files = in_tree_backend(&String::from_utf8_lossy(&file.data));
        }
        roles
    }

    fn relative<'a>(&self, path: &'a str) -> &'a str {
        match &self.prefix {
            Some(prefix) => path.strip_prefix(prefix.as_str()).unwrap_or(path),
            None => path,
        }
    }

    /// Whether installing the package runs its code: an sdist (or a source
    /// folder) does; a wheel, an egg or an installed distribution does
    /// not (installing one copies files, and in an installed environment
    /// whatever install-time code there was has already run).
    pub fn installing_runs_code(&self) -> bool {
        !matches!(
            self.kind,
            Some(ArtifactKind::Wheel | ArtifactKind::Egg | ArtifactKind::Installed)
        )
    }

    /// The role of a file, or `None` when it is not Python.
    pub fn role(&self, path: &str, kind: FileKind, data: &[u8]) -> Option<FileRole> {
        let rel = self.relative(path);
        let name = rel.rsplit('/').next().unwrap_or(rel);
        match kind {
            FileKind::Pth => return Some(FileRole::Pth),
            FileKind::Python => {}
            FileKind::Text if has_python_shebang(data) => return Some(FileRole::Script),
            _ => return None,
        }
        let installs = self.installing_runs_code();
        Some(if matches!(name, "sitecustomize.py" | "usercustomize.py") {
            FileRole::SiteCustomize
        } else if rel == "setup.py" && installs {
            FileRole::SetupScript
        } else if installs && self.backend_files.iter().any(|b| b == rel) {
            FileRole::BuildBackend
        } else if is_script_path(rel, name) {
            FileRole::Script
        } else {
            FileRole::Module
        })
    }
}

/// Tests, docs, examples and scripts: code nobody imports by installing.
///
/// The first folder of a path (after an optional `src/`) is the
/// distribution's top-level package: it counts only when it is named
/// exactly like a test or docs folder (`tests/`, `docs/`). A package whose
/// own name merely contains "test" (`oauthtest`, `pytest_plugin`) is
/// imported like any other. Deeper folders count by the looser pattern
/// (`unittests/`, `_testing/`, `examples_basic/`).
fn is_script_path(rel: &str, name: &str) -> bool {
    const FOLDERS: &[&str] = &[
        "test",
        "tests",
        "testing",
        "docs",
        "doc",
        "examples",
        "example",
        "benchmarks",
        "bench",
        "scripts",
        "script",
        "tools",
    ];
    let mut dirs: Vec<&str> = rel.split('/').collect();
    dirs.pop();
    if dirs.first() == Some(&"src") {
        dirs.remove(0);
    }
    let in_folder = dirs.iter().enumerate().any(|(depth, d)| {
        let d = d.to_ascii_lowercase();
        if FOLDERS.contains(&d.as_str()) || d.ends_with(".data") {
            return true;
        }
        depth > 0 && (d.contains("test") || d.starts_with("example"))
    });
    in_folder
        || matches!(name, "conftest.py" | "noxfile.py" | "fabfile.py")
        || name.starts_with("test_")
        || name.ends_with("_test.py")
}

fn has_python_shebang(data: &[u8]) -> bool {
    data.starts_with(b"#!")
        && data
            .split(|&b| b == b'\n')
            .next()
            .is_some_and(|line| memchr::memmem::find(line, b"python").is_some())
}

/// The files of an in-tree build backend declared in `pyproject.toml`:
/// `build-backend = "pkg.mod"` looked up under each `backend-path` folder.
/// A line-level reading of the two keys is enough here: both are plain
/// strings by the specification.
fn in_tree_backend(pyproject: &str) -> Vec<String> {
    let value = |key: &str| {
        pyproject.lines().find_map(|line| {
            let (k, v) = line.split_once('=')?;
            (k.trim() == key).then(|| v.trim().to_owned())
        })
    };
    let Some(backend) = value("build-backend") else {
        return Vec::new();
    };
    let Some(paths) = value("backend-path") else {
        return Vec::new();
    };
    let module = backend
        .trim_matches(['"', '\''])
        .split(':')
        .next()
        .unwrap_or("");
    let module_path = module.replace('.', "/");
    paths
        .trim_matches(['[', ']'])
        .split(',')
        .map(|p| {
            p.trim()
                .trim_matches(['"', '\''])
                .trim_start_matches("./")
                .trim_end_matches('/')
        })
        .flat_map(|dir| {
            let base = if dir.is_empty() || dir == "." {
                module_path.clone()
            } else {
                format!("{dir}/{module_path}")
            };
            [format!("{base}.py"), format!("{base}/__init__.py")]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_files_from_pyproject() {
        let files = in_tree_backend(
            "[build-system]\nbuild-backend = \"_build.backend\"\nbackend-path = [\".\"]\n",
        );
        assert_eq!(files, ["_build/backend.py", "_build/backend/__init__.py"]);
        assert!(
            in_tree_backend("[build-system]\nbuild-backend = \"setuptools.build_meta\"\n")
                .is_empty()
        );
    }

    #[test]
    fn scripts_are_not_modules() {
        assert!(is_script_path("tests/test_x.py", "test_x.py"));
        // A package's `__main__.py` is what `python -m pkg` runs: package code.
        assert!(!is_script_path("pkg/__main__.py", "__main__.py"));
        assert!(is_script_path("pkg-1.0.data/scripts/run.py", "run.py"));
        assert!(!is_script_path("pkg/core.py", "core.py"));
        // A package named like a test is still imported...
        assert!(!is_script_path("oauthtest/__init__.py", "__init__.py"));
        assert!(!is_script_path("src/pytest_plugin/hooks.py", "hooks.py"));
        // ...while test folders inside it, or at the top, are not.
        assert!(is_script_path("pkg/unittests/helpers.py", "helpers.py"));
        assert!(is_script_path("src/tests/helpers.py", "helpers.py"));
    }
}
