//! Every reader of hostile PEP 508 text, given the two inputs on which
//! pep508_rs 0.9.2 panics: an error whose span ends inside a character
//! (its `Display` slices there) and a marker word whose length in
//! characters ends inside one (its parser slices there). Each reader must
//! report or skip the requirement, never panic.

use std::path::Path;

use assay_deps::{
    DistDeps, InputKind, Locked, ParseOptions, Parsed, Platform, Scope, build_requires,
    deps_from_core_metadata, deps_from_sdist, marker_environment, metadata_disagreement,
};

/// An extra list with a character where `,` or `]` belongs: the error
/// underlines one byte of a two-byte character.
const ERROR_SPAN_IN_A_CHARACTER: &str = "demo[a \u{e9}]";
/// A word after a marker expression that is one character of two bytes.
const MARKER_WORD_IN_A_CHARACTER: &str = "six ; python_version >= '3' \u{e9}";
/// The same, found by the `setup_py` fuzz target in a `setup.cfg` extra:
/// the word `x@'…` runs into an unclosed quote.
const MARKER_WORD_INTO_A_QUOTE: &str =
    "urllib3[socks]; extra == '\u{fffd}\u{fffd}ra == 'x@'\u{fffd}\u{fffd}ra ==";
const HOSTILE: [&str; 3] = [
    ERROR_SPAN_IN_A_CHARACTER,
    MARKER_WORD_IN_A_CHARACTER,
    MARKER_WORD_INTO_A_QUOTE,
];

fn requirement_names(deps: &DistDeps) -> Vec<String> {
    match deps {
        DistDeps::Known { requires, .. } => requires.iter().map(|r| r.name().to_string()).collect(),
        DistDeps::Unknown { reason } => panic!("unknown deps: {reason}"),
    }
}

#[test]
fn requirements_file_reports_the_line() {
    for line in HOSTILE {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("requirements.txt");
        std::fs::write(&path, format!("idna\n{line}\n")).expect("write");
        let error =
            assay_deps::parse_input_with(&path, InputKind::Requirements, &ParseOptions::default())
                .expect_err(line)
                .to_string();
        assert!(error.contains(":2"), "{error}");
    }
}

#[test]
fn pyproject_dependencies_report_the_requirement() {
    for spec in HOSTILE {
        let text =
            format!("[project]\nname = \"p\"\nversion = \"1\"\ndependencies = [\"{spec}\"]\n");
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("pyproject.toml");
        std::fs::write(&path, text).expect("write");
        let result =
            assay_deps::parse_input_with(&path, InputKind::Pyproject, &ParseOptions::default());
        assert!(result.is_err(), "{spec}: {result:?}");
    }
}

#[test]
fn setup_cfg_and_setup_py_skip_the_requirement() {
    for spec in HOSTILE {
        let cfg = format!("[options]\ninstall_requires =\n    idna\n    {spec}\n");
        let deps = deps_from_sdist(&[
            ("demo-1.0/setup.cfg", cfg.as_bytes()),
            (
                "demo-1.0/setup.py",
                b"from setuptools import setup\nsetup()\n",
            ),
        ]);
        assert_eq!(requirement_names(&deps), ["idna"], "{spec}");
        let py =
            format!("from setuptools import setup\nsetup(install_requires=['idna', \"{spec}\"])\n");
        let deps = deps_from_sdist(&[("demo-1.0/setup.py", py.as_bytes())]);
        assert_eq!(requirement_names(&deps), ["idna"], "{spec}");
    }
}

/// Core metadata: `METADATA`, `PKG-INFO` and PEP 658 files alike.
#[test]
fn core_metadata_skips_the_requires_dist_with_a_note() {
    for spec in HOSTILE {
        let metadata = format!(
            "Metadata-Version: 2.1\nName: p\nVersion: 1\nRequires-Dist: idna\nRequires-Dist: {spec}\n"
        );
        let deps = deps_from_core_metadata(metadata.as_bytes());
        assert_eq!(requirement_names(&deps), ["idna"], "{spec}");
        assert!(
            deps.note().is_some_and(|n| n.contains("line 5")),
            "{deps:?}"
        );
    }
}

/// PEP 658 metadata compared with the metadata inside the wheel.
#[test]
fn served_and_inside_metadata_compare_without_panic() {
    let inside = "Metadata-Version: 2.1\nName: p\nVersion: 1\nRequires-Dist: idna\n";
    for spec in HOSTILE {
        let served = format!("{inside}Requires-Dist: {spec}\n");
        let found = metadata_disagreement(served.as_bytes(), inside.as_bytes());
        assert_eq!(found.len(), 1, "{spec}: {found:?}");
    }
}

#[test]
fn build_system_requires_skip_the_requirement() {
    let origin = assay_deps::Origin::new("p 1 build-system.requires", 0);
    for spec in HOSTILE {
        let pyproject = format!("[build-system]\nrequires = [\"setuptools>=61\", \"{spec}\"]\n");
        let (requires, skipped) = build_requires(Some(&pyproject), &origin);
        assert_eq!(requires.len(), 1, "{spec}");
        assert_eq!(skipped, [spec]);
    }
}

/// Lockfile markers are evaluated when a platform is chosen; one the
/// parser cannot read holds, so the package is kept.
#[test]
fn lockfile_markers_that_do_not_parse_hold() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scope");
    let linux = ParseOptions {
        scope: Scope::default(),
        environment: Some(marker_environment(Platform::LinuxX86_64, "3.12.4").expect("env")),
        ..ParseOptions::default()
    };
    for (project, lock, kind) in [
        ("uv", "uv.lock", InputKind::UvLock),
        ("poetry", "poetry.lock", InputKind::PoetryLock),
        ("pylock", "pylock.toml", InputKind::PyLock),
        ("pipenv", "Pipfile.lock", InputKind::PipfileLock),
    ] {
        // The lock with its project's other files, its markers made hostile.
        let dir = tempfile::tempdir().expect("temp dir");
        for entry in std::fs::read_dir(fixtures.join(project)).expect("fixture") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("fixture");
            let text = if path.ends_with(lock) {
                let hostile = text
                    .replace("win32'", "win32' \u{e9}")
                    .replace("win32\\\"", "win32\\\" \u{e9}");
                assert_ne!(hostile, text, "{lock}");
                hostile
            } else {
                text
            };
            std::fs::write(dir.path().join(path.file_name().expect("name")), text).expect("write");
        }
        let parsed = assay_deps::parse_input_with(&dir.path().join(lock), kind, &linux);
        let Ok(Parsed::Locked(Locked { packages, .. })) = parsed else {
            panic!("{lock}: {parsed:?}");
        };
        assert!(
            packages.iter().any(|p| p.name.as_ref() == "colorama"),
            "{lock}: the win32-only package is kept when its marker does not parse"
        );
    }
}
