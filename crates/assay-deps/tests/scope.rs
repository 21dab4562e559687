//! Scope control on lockfiles and pyproject.toml: what `uv sync` and
//! `poetry install` would install for a platform, Python, extras and
//! groups (`--extra`, `--group`, `--only-group`, `--no-default-groups`,
//! `--platform`, `--all-files`). The fixtures under `tests/fixtures/scope`
//! are a uv project and a Poetry 2 project written in the tools' formats.

use std::path::{Path, PathBuf};

use assay_deps::pep508_rs::MarkerEnvironment;
use assay_deps::{InputKind, Locked, ParseOptions, Parsed, Platform, Scope, marker_environment};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/scope")
        .join(name)
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// The marker environment of CPython `python` on `platform`.
fn environment(platform: Platform, python: &str) -> MarkerEnvironment {
    marker_environment(platform, python).expect("env")
}

/// Options selecting `scope` on `platform` with Python 3.12 (every
/// platform when `None`, as `--all-files`).
fn options(scope: Scope, platform: Option<Platform>) -> ParseOptions {
    ParseOptions {
        scope,
        environment: platform.map(|p| environment(p, "3.12.4")),
        ..ParseOptions::default()
    }
}

/// The lock at `path`, parsed with `options`.
fn lock_at(path: &Path, kind: InputKind, options: &ParseOptions) -> Locked {
    match assay_deps::parse_input_with(path, kind, options).expect("parses") {
        Parsed::Locked(l) => l,
        Parsed::Unresolved(_) => panic!("a lock"),
    }
}

/// The error a fixture gives with `scope`.
fn scope_error(file: &str, kind: InputKind, scope: Scope) -> String {
    assay_deps::parse_input_with(&fixture(file), kind, &options(scope, None))
        .expect_err("a scope the input does not define")
        .to_string()
}

/// The locked package names `scope` selects on `platform` (every
/// platform when `None`), sorted, with the notes.
fn locked(
    file: &str,
    kind: InputKind,
    scope: Scope,
    platform: Option<Platform>,
) -> (Vec<String>, Vec<String>) {
    let l = lock_at(&fixture(file), kind, &options(scope, platform));
    let mut out: Vec<String> = l.packages.iter().map(|p| p.name.to_string()).collect();
    out.sort();
    (out, l.notes.into_iter().map(|n| n.message).collect())
}

fn uv(scope: Scope, platform: Option<Platform>) -> Vec<String> {
    locked("uv/uv.lock", InputKind::UvLock, scope, platform).0
}

fn poetry(scope: Scope, platform: Option<Platform>) -> Vec<String> {
    locked("poetry/poetry.lock", InputKind::PoetryLock, scope, platform).0
}

const LINUX: Option<Platform> = Some(Platform::LinuxX86_64);
const WINDOWS: Option<Platform> = Some(Platform::WindowsAmd64);

#[test]
fn uv_lock_default_scope_is_dependencies_and_dev_for_this_platform() {
    let (found, notes) = locked("uv/uv.lock", InputKind::UvLock, Scope::default(), LINUX);
    assert_eq!(
        found,
        [
            "app",
            "certifi",
            "charset-normalizer",
            "idna",
            "iniconfig",
            "pluggy",
            "pytest",
            "requests",
            "uvloop"
        ]
    );
    let all = notes.join("\n");
    assert!(all.contains("extras not scanned: fast, socks"), "{all}");
    assert!(all.contains("dependency groups not scanned: docs"), "{all}");
    assert!(all.contains("4 of 13 locked packages"), "{all}");
}

#[test]
fn uv_lock_platform_windows_takes_colorama_and_drops_uvloop() {
    let found = uv(Scope::default(), WINDOWS);
    assert!(found.contains(&"colorama".to_owned()), "{found:?}");
    assert!(!found.contains(&"uvloop".to_owned()), "{found:?}");
}

#[test]
fn uv_lock_all_files_keeps_every_platform() {
    let found = uv(Scope::default(), None);
    assert!(found.contains(&"colorama".to_owned()), "{found:?}");
    assert!(found.contains(&"uvloop".to_owned()), "{found:?}");
    // Scope still applies: the docs group and the extras are out.
    assert!(!found.contains(&"sphinx-lite".to_owned()), "{found:?}");
    assert!(!found.contains(&"orjson".to_owned()), "{found:?}");
}

#[test]
fn uv_lock_extra_follows_the_extra_of_a_dependency() {
    let scope = Scope {
        extras: names(&["socks"]),
        ..Scope::default()
    };
    let found = uv(scope, LINUX);
    assert!(found.contains(&"pysocks".to_owned()), "{found:?}");
    assert!(!found.contains(&"orjson".to_owned()), "{found:?}");
    let all = Scope {
        all_extras: true,
        ..Scope::default()
    };
    assert!(uv(all, LINUX).contains(&"orjson".to_owned()));
}

#[test]
fn uv_lock_only_group_leaves_out_the_project() {
    let scope = Scope {
        only_groups: names(&["docs"]),
        ..Scope::default()
    };
    assert_eq!(uv(scope.clone(), LINUX), ["sphinx-lite"]);
    assert_eq!(uv(scope, WINDOWS), ["colorama", "sphinx-lite"]);
}

#[test]
fn uv_lock_no_default_groups_and_group() {
    let scope = Scope {
        no_default_groups: true,
        ..Scope::default()
    };
    let found = uv(scope, LINUX);
    assert!(!found.contains(&"pytest".to_owned()), "{found:?}");
    assert!(found.contains(&"requests".to_owned()), "{found:?}");
    let scope = Scope {
        groups: names(&["docs"]),
        ..Scope::default()
    };
    let found = uv(scope, LINUX);
    assert!(found.contains(&"pytest".to_owned()), "{found:?}");
    assert!(found.contains(&"sphinx-lite".to_owned()), "{found:?}");
}

#[test]
fn uv_lock_unknown_extra_or_group_is_an_error() {
    let extra = Scope {
        extras: names(&["sock"]),
        ..Scope::default()
    };
    let err = scope_error("uv/uv.lock", InputKind::UvLock, extra);
    assert!(err.contains("it defines: fast, socks"), "{err}");
    let group = Scope {
        groups: names(&["lint"]),
        ..Scope::default()
    };
    let err = scope_error("uv/uv.lock", InputKind::UvLock, group);
    assert!(err.contains("no such dependency group"), "{err}");
}

#[test]
fn poetry_lock_default_scope_for_this_platform() {
    // docs is optional in the pyproject.toml beside the lock; pywin32 and
    // colorama are Windows-only; pysocks comes with the socks extra.
    assert_eq!(
        poetry(Scope::default(), LINUX),
        [
            "certifi",
            "charset-normalizer",
            "idna",
            "iniconfig",
            "pluggy",
            "pytest",
            "requests"
        ]
    );
    let windows = poetry(Scope::default(), WINDOWS);
    assert!(windows.contains(&"pywin32".to_owned()), "{windows:?}");
    assert!(windows.contains(&"colorama".to_owned()), "{windows:?}");
    let everywhere = poetry(Scope::default(), None);
    assert!(everywhere.contains(&"pywin32".to_owned()), "{everywhere:?}");
}

#[test]
fn poetry_lock_extras_and_groups() {
    let socks = poetry(
        Scope {
            extras: names(&["socks"]),
            ..Scope::default()
        },
        LINUX,
    );
    assert!(socks.contains(&"pysocks".to_owned()), "{socks:?}");
    let only_dev = poetry(
        Scope {
            only_groups: names(&["dev"]),
            ..Scope::default()
        },
        LINUX,
    );
    assert_eq!(only_dev, ["iniconfig", "pluggy", "pytest"]);
    let main_only = poetry(
        Scope {
            no_default_groups: true,
            ..Scope::default()
        },
        LINUX,
    );
    assert_eq!(
        main_only,
        ["certifi", "charset-normalizer", "idna", "requests"]
    );
    let docs = poetry(
        Scope {
            groups: names(&["docs"]),
            ..Scope::default()
        },
        WINDOWS,
    );
    assert!(docs.contains(&"sphinx-lite".to_owned()), "{docs:?}");
}

#[test]
fn pyproject_scope_follows_uv() {
    let parse = |scope: Scope| {
        let options = ParseOptions {
            scope,
            ..ParseOptions::default()
        };
        match assay_deps::parse_input_with(
            &fixture("uv/pyproject.toml"),
            InputKind::Pyproject,
            &options,
        )
        .expect("parses")
        {
            Parsed::Unresolved(u) => {
                let mut out: Vec<String> =
                    u.requirements.iter().map(|r| r.req.to_string()).collect();
                out.sort();
                out
            }
            Parsed::Locked(_) => panic!("unresolved"),
        }
    };
    let default = parse(Scope::default());
    assert!(
        default.iter().any(|r| r.starts_with("pytest")),
        "{default:?}"
    );
    assert!(
        !default.iter().any(|r| r.starts_with("orjson")),
        "{default:?}"
    );
    assert!(
        !default.iter().any(|r| r.starts_with("sphinx")),
        "{default:?}"
    );
    let fast = parse(Scope {
        extras: names(&["fast"]),
        ..Scope::default()
    });
    assert!(fast.iter().any(|r| r.starts_with("orjson")), "{fast:?}");
    let docs = parse(Scope {
        only_groups: names(&["docs"]),
        ..Scope::default()
    });
    assert_eq!(docs, ["sphinx-lite"]);
}

#[test]
fn uv_lock_conflicting_extras_follow_uvs_encoded_markers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("uv.lock");
    std::fs::write(
        &path,
        r#"version = 1
revision = 2
requires-python = ">=3.10"
conflicts = [[
    { package = "project", extra = "cpu" },
    { package = "project", extra = "cu118" },
]]

[[package]]
name = "project"
version = "0.1.0"
source = { virtual = "." }

[package.optional-dependencies]
cpu = [
    { name = "torch", version = "2.0.0", source = { registry = "https://mirror.example/simple" }, marker = "extra == 'extra-7-project-cpu'" },
]
cu118 = [
    { name = "torch", version = "2.0.0+cu118", source = { registry = "https://mirror.example/cu118" }, marker = "extra == 'extra-7-project-cu118'" },
]

[[package]]
name = "torch"
version = "2.0.0"
source = { registry = "https://mirror.example/simple" }
wheels = [{ url = "https://mirror.example/files/torch-2.0.0-cp312-none-any.whl", hash = "sha256:0000000000000000000000000000000000000000000000000000000000000001" }]

[[package]]
name = "torch"
version = "2.0.0+cu118"
source = { registry = "https://mirror.example/cu118" }
wheels = [{ url = "https://mirror.example/files/torch-2.0.0+cu118-cp312-none-any.whl", hash = "sha256:0000000000000000000000000000000000000000000000000000000000000002" }]
"#,
    )
    .expect("write");
    let versions = |extra: &str| {
        let scope = Scope {
            extras: names(&[extra]),
            ..Scope::default()
        };
        lock_at(&path, InputKind::UvLock, &options(scope, LINUX))
            .packages
            .iter()
            .map(|p| {
                p.version
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(versions("cu118"), ["2.0.0+cu118"]);
    assert_eq!(versions("cpu"), ["2.0.0"]);
}

fn pylock(scope: Scope, platform: Option<Platform>) -> Vec<String> {
    locked("pylock/pylock.toml", InputKind::PyLock, scope, platform).0
}

fn pipfile(scope: Scope, platform: Option<Platform>) -> Vec<String> {
    locked(
        "pipenv/Pipfile.lock",
        InputKind::PipfileLock,
        scope,
        platform,
    )
    .0
}

#[test]
fn pylock_default_scope_is_dependencies_and_default_groups() {
    let (found, notes) = locked(
        "pylock/pylock.toml",
        InputKind::PyLock,
        Scope::default(),
        LINUX,
    );
    assert_eq!(found, ["cpu-kernels", "pytest", "requests"]);
    let notes = notes.join("\n");
    assert!(notes.contains("extras not scanned: cuda"), "{notes}");
    assert!(
        notes.contains("dependency groups not scanned: docs"),
        "{notes}"
    );
    assert!(notes.contains("other platforms"), "{notes}");
}

#[test]
fn pylock_extras_and_groups_are_selectable() {
    let scope = Scope {
        extras: names(&["CUDA"]),
        groups: names(&["docs"]),
        no_default_groups: true,
        ..Scope::default()
    };
    assert_eq!(
        pylock(scope.clone(), LINUX),
        ["nvidia-cublas", "requests", "sphinx"]
    );
    // The extra's package is for Linux only; --all-files keeps it anyway.
    assert_eq!(
        pylock(scope.clone(), WINDOWS),
        ["colorama", "requests", "sphinx"]
    );
    assert_eq!(
        pylock(scope, None),
        ["colorama", "nvidia-cublas", "requests", "sphinx"]
    );
    let only = Scope {
        only_groups: names(&["docs"]),
        ..Scope::default()
    };
    assert_eq!(pylock(only, None), ["sphinx"]);
    let all = Scope {
        all_groups: true,
        all_extras: true,
        ..Scope::default()
    };
    assert_eq!(
        pylock(all, None),
        ["colorama", "nvidia-cublas", "pytest", "requests", "sphinx"]
    );
}

#[test]
fn pylock_unknown_extra_is_an_error() {
    let scope = Scope {
        extras: names(&["rocm"]),
        ..Scope::default()
    };
    let err = scope_error("pylock/pylock.toml", InputKind::PyLock, scope);
    assert!(err.contains("it defines: cuda"), "{err}");
}

#[test]
fn pipfile_lock_develop_is_the_dev_group() {
    let (found, notes) = locked(
        "pipenv/Pipfile.lock",
        InputKind::PipfileLock,
        Scope::default(),
        LINUX,
    );
    assert_eq!(found, ["pytest", "requests"]);
    let notes = notes.join("\n");
    assert!(
        notes.contains("dependency groups not scanned: docs"),
        "{notes}"
    );
    let no_dev = Scope {
        no_default_groups: true,
        ..Scope::default()
    };
    assert_eq!(pipfile(no_dev, WINDOWS), ["colorama", "requests"]);
    let only = Scope {
        only_groups: names(&["dev"]),
        ..Scope::default()
    };
    assert_eq!(pipfile(only, None), ["pytest"]);
    let docs = Scope {
        groups: names(&["docs"]),
        ..Scope::default()
    };
    assert_eq!(pipfile(docs, LINUX), ["pytest", "requests", "sphinx"]);
    let extra = Scope {
        extras: names(&["socks"]),
        ..Scope::default()
    };
    let err = scope_error("pipenv/Pipfile.lock", InputKind::PipfileLock, extra);
    assert!(err.contains("extra"), "a Pipfile.lock has no extras: {err}");
}

fn poetry1(scope: Scope, platform: Option<Platform>) -> Vec<String> {
    locked(
        "poetry1/poetry.lock",
        InputKind::PoetryLock,
        scope,
        platform,
    )
    .0
}

/// A Poetry 1 lock has no package markers: with the pyproject.toml beside
/// it, the walk starts at the project's direct dependencies and follows
/// `[package.dependencies]` edges only where their markers hold.
#[test]
fn poetry1_lock_is_narrowed_by_edge_markers() {
    assert_eq!(
        poetry1(Scope::default(), LINUX),
        ["click", "iniconfig", "pytest"]
    );
    assert_eq!(
        poetry1(Scope::default(), WINDOWS),
        ["click", "colorama", "iniconfig", "pytest", "pywin32"]
    );
    let no_dev = Scope {
        no_default_groups: true,
        ..Scope::default()
    };
    assert_eq!(poetry1(no_dev, WINDOWS), ["click", "colorama", "pywin32"]);
    assert_eq!(poetry1(Scope::default(), None).len(), 6);
}

/// Without the pyproject.toml the direct dependencies are unknown: every
/// package of a selected category is kept, as before.
#[test]
fn poetry1_lock_alone_keeps_every_package_of_its_categories() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lock = dir.path().join("poetry.lock");
    std::fs::copy(fixture("poetry1/poetry.lock"), &lock).expect("copy");
    let found = lock_at(
        &lock,
        InputKind::PoetryLock,
        &options(Scope::default(), LINUX),
    );
    assert_eq!(found.packages.len(), 6);
}

/// The files of each package of the lock-version 1.1 fixture, sorted.
fn poetry1_files(options: &ParseOptions) -> Vec<(String, Vec<String>)> {
    let lock = lock_at(
        &fixture("poetry1-files/poetry.lock"),
        InputKind::PoetryLock,
        options,
    );
    let mut out: Vec<(String, Vec<String>)> = lock
        .packages
        .iter()
        .map(|p| {
            let mut files: Vec<String> =
                p.files.iter().filter_map(|f| f.filename.clone()).collect();
            files.sort();
            (p.name.to_string(), files)
        })
        .collect();
    out.sort();
    out
}

/// Lock-version 1.1 lists files in `[metadata.files]` (names as written,
/// `OldLib` for `oldlib`), with every digest.
#[test]
fn poetry1_lock_reads_files_from_metadata_files() {
    let lock = lock_at(
        &fixture("poetry1-files/poetry.lock"),
        InputKind::PoetryLock,
        &options(Scope::default(), None),
    );
    let oldlib = lock
        .packages
        .iter()
        .find(|p| p.name.as_ref() == "oldlib")
        .expect("oldlib");
    assert_eq!(oldlib.files.len(), 2);
    assert!(
        oldlib.files.iter().all(|f| f.hashes.len() == 1),
        "{oldlib:?}"
    );
}

/// `[metadata] python-versions = ">=3.10,<3.12"`: wheels for 3.8, 3.9 and
/// PyPy 3.8 are never installed from this lock and are left out, with a
/// note; the sdist and the 3.10/3.11 wheels stay. `oldlib`, whose wheels
/// are all for older Pythons, keeps them (none would leave nothing to scan).
#[test]
fn poetry_lock_python_versions_drop_wheels_for_other_pythons() {
    let all_files = options(Scope::default(), None);
    let found = poetry1_files(&all_files);
    let numpy = &found.iter().find(|(n, _)| n == "numpy").expect("numpy").1;
    assert_eq!(
        numpy,
        &[
            "numpy-1.24.4-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "numpy-1.24.4-cp310-cp310-win_amd64.whl",
            "numpy-1.24.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "numpy-1.24.4-cp311-cp311-win_amd64.whl",
            "numpy-1.24.4.tar.gz",
        ]
    );
    let oldlib = &found.iter().find(|(n, _)| n == "oldlib").expect("oldlib").1;
    assert_eq!(oldlib.len(), 2, "{oldlib:?}");
    let notes: Vec<String> = lock_at(
        &fixture("poetry1-files/poetry.lock"),
        InputKind::PoetryLock,
        &all_files,
    )
    .notes
    .into_iter()
    .map(|n| n.message)
    .collect();
    let notes = notes.join("\n");
    assert!(
        notes.contains(
            "5 wheels for Python versions outside the lock's python-versions (>=3.10,<3.12)"
        ),
        "{notes}"
    );
}

/// The same lock with `python-versions = "*"` keeps every wheel.
#[test]
fn poetry_lock_any_python_keeps_every_wheel() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(fixture("poetry1-files/poetry.lock")).expect("read");
    let any = text.replace(
        "python-versions = \">=3.10,<3.12\"\ncontent-hash",
        "python-versions = \"*\"\ncontent-hash",
    );
    assert_ne!(any, text, "the fixture's [metadata] python-versions");
    let lock = dir.path().join("poetry.lock");
    std::fs::write(&lock, any).expect("write");
    let found = lock_at(
        &lock,
        InputKind::PoetryLock,
        &options(Scope::default(), None),
    );
    let numpy = found
        .packages
        .iter()
        .find(|p| p.name.as_ref() == "numpy")
        .expect("numpy");
    assert_eq!(numpy.files.len(), 10);
}

/// A direct dependency's `python = "<3.11"` (Poetry's syntax) holds on
/// Python 3.10 and not on 3.11.
#[test]
fn poetry1_direct_dependency_python_constraint_is_a_marker() {
    let on = |python: &str| -> Vec<String> {
        let options = ParseOptions {
            environment: Some(environment(Platform::LinuxX86_64, python)),
            ..ParseOptions::default()
        };
        poetry1_files(&options)
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    };
    assert_eq!(on("3.10.12"), ["numpy", "oldlib", "tomli"]);
    assert_eq!(on("3.11.7"), ["numpy", "oldlib"]);
}
