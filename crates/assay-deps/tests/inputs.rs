//! Parsing every input format from small realistic samples.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use assay_deps::{
    InputError, InputKind, ParseOptions, Parsed, Source, parse_input, parse_input_with,
};

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    fs::write(&path, text).expect("write");
    path
}

fn unresolved(parsed: Parsed) -> assay_deps::Unresolved {
    match parsed {
        Parsed::Unresolved(u) => u,
        Parsed::Locked(_) => panic!("expected unresolved requirements"),
    }
}

fn locked(parsed: Parsed) -> assay_deps::Locked {
    match parsed {
        Parsed::Locked(l) => l,
        Parsed::Unresolved(_) => panic!("expected a lock"),
    }
}

#[test]
fn detects_kinds_by_name() {
    let cases = [
        ("requirements.txt", Some(InputKind::Requirements)),
        ("requirements-dev.in", Some(InputKind::Requirements)),
        ("requirements/base.txt", Some(InputKind::Requirements)),
        ("notes.txt", None),
        ("pyproject.toml", Some(InputKind::Pyproject)),
        ("uv.lock", Some(InputKind::UvLock)),
        ("poetry.lock", Some(InputKind::PoetryLock)),
        ("pylock.toml", Some(InputKind::PyLock)),
        ("pylock.dev.toml", Some(InputKind::PyLock)),
        ("Pipfile.lock", Some(InputKind::PipfileLock)),
        ("Pipfile", None),
    ];
    for (name, kind) in cases {
        assert_eq!(InputKind::detect(Path::new(name)), kind, "{name}");
    }
}

#[test]
fn requirements_file_with_everything() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "base.txt", "six==1.16.0\n-r requirements.txt\n");
    write(dir.path(), "constraints.txt", "urllib3<2\n");
    let path = write(
        dir.path(),
        "requirements.txt",
        r#"# a comment
--index-url https://mirror.example/simple
--extra-index-url=${EXTRA_URL}/simple
--no-binary :all:
-r base.txt
-c constraints.txt
requests[socks,security] >=2.31, <3 ; python_version >= "3.8"  # trailing comment
flask \
    ==3.0.0 \
    --hash=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
    --hash sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210
-e ./local_pkg
./dist/wheelpkg-1.0-py3-none-any.whl
file:./vendor/tarpkg-2.0.tar.gz
git+https://git.example/org/repo.git@v1#egg=vcspkg
direct @ https://mirror.example/files/direct-1.0.tar.gz
"#,
    );
    fs::create_dir_all(dir.path().join("local_pkg")).expect("mkdir");
    write(
        dir.path(),
        "local_pkg/pyproject.toml",
        "[project]\nname = \"local-thing\"\n",
    );
    let env: HashMap<String, String> =
        [("EXTRA_URL".to_string(), "https://extra.example".to_string())].into();
    let parsed = parse_input_with(
        &path,
        InputKind::Requirements,
        &ParseOptions {
            env: Some(env),
            ..ParseOptions::default()
        },
    )
    .expect("parses");
    let u = unresolved(parsed);
    assert_eq!(
        u.index.index_url.as_deref(),
        Some("https://mirror.example/simple")
    );
    assert_eq!(
        u.index.extra_index_urls,
        vec!["https://extra.example/simple".to_string()]
    );
    assert!(u.notes.iter().any(|n| n.message.contains("--no-binary")));
    assert!(
        u.notes
            .iter()
            .any(|n| n.message.contains("includes itself")),
        "{:?}",
        u.notes
    );

    let names: Vec<String> = u
        .requirements
        .iter()
        .map(|r| r.name().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "six",
            "requests",
            "flask",
            "local-thing",
            "wheelpkg",
            "tarpkg",
            "vcspkg",
            "direct"
        ]
    );
    let requests = &u.requirements[1];
    assert_eq!(requests.req.extras.len(), 2);
    assert_eq!(requests.origin.line, 7);
    assert!(requests.req.marker.try_to_string().is_some());
    let flask = &u.requirements[2];
    assert_eq!(flask.hashes.len(), 2);
    assert_eq!(flask.origin.line, 8);
    assert_eq!(
        flask.specifiers().map(ToString::to_string).as_deref(),
        Some("==3.0.0")
    );
    assert!(matches!(&u.requirements[3].source, Source::Editable(p) if p.ends_with("local_pkg")));
    assert!(
        matches!(&u.requirements[4].source, Source::LocalPath(p) if p.ends_with("wheelpkg-1.0-py3-none-any.whl"))
    );
    assert!(
        matches!(&u.requirements[5].source, Source::LocalPath(p) if p.ends_with("tarpkg-2.0.tar.gz"))
    );
    assert!(
        matches!(&u.requirements[6].source, Source::Vcs(url) if url.starts_with("git+https://"))
    );
    assert!(
        matches!(&u.requirements[7].source, Source::Url(url) if url.ends_with("direct-1.0.tar.gz"))
    );
    assert_eq!(u.constraints.len(), 1);
    assert_eq!(u.constraints[0].name().as_ref(), "urllib3");
}

#[test]
fn requirements_errors_name_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "requirements.txt",
        "ok==1\nthis is not [valid\n",
    );
    let err = parse_input(&path, InputKind::Requirements).expect_err("invalid");
    match err {
        InputError::Invalid { line, file, .. } => {
            assert_eq!(line, 2);
            assert!(file.ends_with("requirements.txt"));
        }
        other => panic!("unexpected {other}"),
    }
    let path = write(dir.path(), "r2.txt", "foo==1 --hash=sha256:nothex\n");
    assert!(parse_input(&path, InputKind::Requirements).is_err());
    let path = write(dir.path(), "r3.txt", "--bogus-option\n");
    assert!(parse_input(&path, InputKind::Requirements).is_err());
    let path = write(dir.path(), "r4.txt", "-r missing.txt\n");
    let err = parse_input(&path, InputKind::Requirements).expect_err("missing include");
    assert!(err.to_string().contains("r4.txt:1"), "{err}");
    let path = write(dir.path(), "r5.txt", "${UNSET_VAR_FOR_TEST}==1\n");
    assert!(
        parse_input_with(
            &path,
            InputKind::Requirements,
            &ParseOptions {
                env: Some(HashMap::new()),
                ..ParseOptions::default()
            }
        )
        .is_err()
    );
}

#[test]
fn hostile_requirements_do_not_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let samples = [
        "\\\n\\\n\\",
        "-e",
        "--hash=sha256:",
        "foo @",
        "foo[[[[",
        "@@@@",
        &"(".repeat(10_000),
        "foo==1 ; python_version >> '3'",
        "\u{0}\u{1}",
        "${",
        "-r",
    ];
    for (i, sample) in samples.iter().enumerate() {
        let path = write(dir.path(), &format!("h{i}.txt"), sample);
        let _ = parse_input(&path, InputKind::Requirements);
    }
    let path = dir.path().join("bin.txt");
    fs::write(&path, [0xff, 0xfe, 0x00, 0x41]).expect("write");
    assert!(parse_input(&path, InputKind::Requirements).is_err());
}

#[test]
fn pyproject_dependencies_extras_and_groups() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "pyproject.toml",
        r#"[build-system]
requires = ["hatchling"]

[project]
name = "demo"
version = "0.1.0"
dynamic = ["optional-dependencies"]
dependencies = [
    "httpx>=0.27",
    "attrs ; python_version < '3.12'",
]

[project.optional-dependencies]
cli = ["click>=8"]
all = ["demo[cli]"]

[dependency-groups]
test = ["pytest>=8", {include-group = "lint"}]
lint = ["ruff"]
"#,
    );
    // uv's default scope: the dependencies and the `dev` group (none here).
    let default = unresolved(parse_input(&path, InputKind::Pyproject).expect("parses"));
    let mut names: Vec<String> = default
        .requirements
        .iter()
        .map(|r| r.name().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["attrs", "httpx"]);
    let everything = ParseOptions {
        scope: assay_deps::Scope {
            all_extras: true,
            all_groups: true,
            ..assay_deps::Scope::default()
        },
        ..ParseOptions::default()
    };
    let u = unresolved(parse_input_with(&path, InputKind::Pyproject, &everything).expect("parses"));
    let mut names: Vec<String> = u
        .requirements
        .iter()
        .map(|r| r.name().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["attrs", "click", "httpx", "pytest", "ruff"]);
    let httpx = u
        .requirements
        .iter()
        .find(|r| r.name().as_ref() == "httpx")
        .expect("httpx");
    assert_eq!(httpx.origin.line, 9);
    assert!(
        u.notes
            .iter()
            .any(|n| n.message.contains("optional-dependencies"))
    );
    assert!(u.notes.iter().any(|n| n.message.contains("self-reference")));

    let bad = write(
        dir.path(),
        "bad/pyproject.toml",
        "[dependency-groups]\na = [{include-group = \"b\"}]\nb = [{include-group = \"a\"}]\n",
    );
    assert!(parse_input(&bad, InputKind::Pyproject).is_err());
    let broken = write(
        dir.path(),
        "broken/pyproject.toml",
        "[project]\nname = \"x\"\ndependencies = [\n\"ok\",\n\"no good [\",\n]\n",
    );
    let err = parse_input(&broken, InputKind::Pyproject).expect_err("invalid requirement");
    assert!(err.to_string().contains(":5:"), "{err}");
    let syntax = write(dir.path(), "syntax/pyproject.toml", "[project\nname = 1\n");
    let err = parse_input(&syntax, InputKind::Pyproject).expect_err("bad toml");
    assert!(err.to_string().contains(":1:"), "{err}");
}

#[test]
fn uv_lock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "uv.lock",
        r#"version = 1
requires-python = ">=3.12"

[[package]]
name = "demo"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "idna" }]

[[package]]
name = "idna"
version = "3.7"
source = { registry = "https://mirror.example/simple" }
sdist = { url = "https://mirror.example/files/idna-3.7.tar.gz", hash = "sha256:028ff3aadf0609c1fd278d8ea3089299412a7a8b9bd005dd08b9f8285bcb5cfc", size = 189575 }
wheels = [
    { url = "https://mirror.example/files/idna-3.7-py3-none-any.whl", hash = "sha256:82fee1fc78add43492d3a1898bfa6d8a904cc97d8427f683ed8e798d07761aa0", size = 66836 },
]
"#,
    );
    let l = locked(parse_input(&path, InputKind::UvLock).expect("parses"));
    assert_eq!(l.packages.len(), 2);
    assert!(matches!(l.packages[0].source, Source::Editable(_)));
    let idna = &l.packages[1];
    assert_eq!(idna.name.as_ref(), "idna");
    assert_eq!(
        idna.version.as_ref().map(ToString::to_string).as_deref(),
        Some("3.7")
    );
    assert_eq!(idna.index.as_deref(), Some("https://mirror.example/simple"));
    assert_eq!(idna.origin.line, 11);
    assert_eq!(idna.files.len(), 2);
    assert_eq!(idna.files[0].filename.as_deref(), Some("idna-3.7.tar.gz"));
    assert_eq!(idna.files[1].hashes[0].algorithm, "sha256");

    let bad = write(
        dir.path(),
        "bad/uv.lock",
        "[[package]]\nname = \"x\"\nversion = \"not a version!\"\n",
    );
    let err = parse_input(&bad, InputKind::UvLock).expect_err("bad version");
    assert!(err.to_string().contains(":2:"), "{err}");
}

#[test]
fn the_project_root_of_a_uv_workspace_is_not_an_artifact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "uv.lock",
        r#"version = 1
requires-python = ">=3.12"

[[package]]
name = "workspace-root"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "member" }]

[[package]]
name = "member"
version = "0.1.0"
source = { editable = "packages/member" }
"#,
    );
    let l = locked(parse_input(&path, InputKind::UvLock).expect("parses"));
    // The virtual root is left out, with a note; the member is a local
    // path scanned from disk.
    assert_eq!(l.packages.len(), 1);
    assert_eq!(l.packages[0].name.as_ref(), "member");
    assert!(matches!(&l.packages[0].source, Source::Editable(p) if p.ends_with("packages/member")));
    assert!(
        l.notes
            .iter()
            .any(|n| n.message.contains("workspace-root is the project itself")),
        "{:?}",
        l.notes
    );
}

#[test]
fn poetry_lock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "poetry.lock",
        r#"# This file is automatically @generated by Poetry and should not be changed by hand.

[[package]]
name = "certifi"
version = "2024.7.4"
description = "Python package for providing Mozilla's CA Bundle."
optional = false
python-versions = ">=3.6"
files = [
    {file = "certifi-2024.7.4-py3-none-any.whl", hash = "sha256:c198e21b1289c2ab85ee4e67bb4b4ef3ead0892059901a8d5b622f24a1101e90"},
    {file = "certifi-2024.7.4.tar.gz", hash = "sha256:5a1e7645bc0ec61a09e26c36f6106dd4cf40c6db3a1fb6352b0244e7fb057c7b"},
]

[[package]]
name = "private"
version = "1.0"
description = ""
optional = false
python-versions = "*"
files = []

[package.source]
type = "legacy"
url = "https://mirror.example/private/simple"
reference = "private"

[metadata]
lock-version = "2.0"
"#,
    );
    let l = locked(parse_input(&path, InputKind::PoetryLock).expect("parses"));
    assert_eq!(l.packages.len(), 2);
    assert_eq!(l.packages[0].files.len(), 2);
    assert_eq!(
        l.packages[0].files[1].filename.as_deref(),
        Some("certifi-2024.7.4.tar.gz")
    );
    assert!(l.packages[0].files[0].url.is_none());
    assert_eq!(l.packages[0].origin.line, 4);
    assert_eq!(
        l.packages[1].index.as_deref(),
        Some("https://mirror.example/private/simple")
    );
}

#[test]
fn pylock_toml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "pylock.toml",
        r#"lock-version = "1.0"
created-by = "hand"

[[packages]]
name = "attrs"
version = "23.2.0"
index = "https://mirror.example/simple"

[packages.sdist]
name = "attrs-23.2.0.tar.gz"
url = "https://mirror.example/files/attrs-23.2.0.tar.gz"
hashes = {sha256 = "935dc3b529c262f6cf76e50877d35a4bd3c1de194fd41f47a2b7ae8f19971f30"}

[[packages.wheels]]
url = "https://mirror.example/files/attrs-23.2.0-py3-none-any.whl"
hashes = {sha256 = "99b87a485a5820b23b879f04c2305b44b951b502fd64be915879d77a7e8fc6f1"}

[[packages]]
name = "tool"
marker = "sys_platform == 'win32'"
vcs = {type = "git", url = "https://git.example/tool.git", commit-id = "abc123"}
"#,
    );
    let l = locked(parse_input(&path, InputKind::PyLock).expect("parses"));
    assert_eq!(l.packages.len(), 2);
    let attrs = &l.packages[0];
    assert_eq!(attrs.files.len(), 2);
    assert_eq!(
        attrs.files[1].filename.as_deref(),
        Some("attrs-23.2.0-py3-none-any.whl")
    );
    assert_eq!(
        attrs.index.as_deref(),
        Some("https://mirror.example/simple")
    );
    assert!(
        matches!(&l.packages[1].source, Source::Vcs(u) if u == "git+https://git.example/tool.git@abc123")
    );
    assert_eq!(
        l.packages[1].marker.as_deref(),
        Some("sys_platform == 'win32'")
    );
    assert!(l.packages[1].version.is_none());

    let bad = write(dir.path(), "bad/pylock.toml", "created-by = \"x\"\n");
    assert!(parse_input(&bad, InputKind::PyLock).is_err());
}

#[test]
fn pipfile_lock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "Pipfile.lock",
        r#"{
    "_meta": {
        "hash": {"sha256": "aaaa"},
        "pipfile-spec": 6,
        "sources": [{"name": "mirror", "url": "https://mirror.example/simple", "verify_ssl": true}]
    },
    "default": {
        "six": {
            "hashes": [
                "sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926",
                "sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254"
            ],
            "index": "mirror",
            "markers": "python_version >= '2.7'",
            "version": "==1.16.0"
        }
    },
    "develop": {
        "pytest": {"hashes": [], "version": "==8.2.0"}
    }
}
"#,
    );
    let l = locked(parse_input(&path, InputKind::PipfileLock).expect("parses"));
    assert_eq!(l.packages.len(), 2);
    let six = &l.packages[0];
    assert_eq!(
        six.version.as_ref().map(ToString::to_string).as_deref(),
        Some("1.16.0")
    );
    assert_eq!(six.files[0].hashes.len(), 2);
    assert_eq!(six.index.as_deref(), Some("https://mirror.example/simple"));
    assert_eq!(six.origin.line, 8);
    let bad = write(
        dir.path(),
        "bad/Pipfile.lock",
        "{\n\"default\": {\n\"x\": 3\n}\n}",
    );
    assert!(parse_input(&bad, InputKind::PipfileLock).is_err());
    let truncated = write(dir.path(), "t/Pipfile.lock", "{\n\"default\": {");
    let err = parse_input(&truncated, InputKind::PipfileLock).expect_err("truncated");
    assert!(err.to_string().contains("Pipfile.lock:2"), "{err}");
}

#[test]
fn special_files_are_not_read_as_inputs() {
    // `-r /proc/self/environ` would copy the environment (secrets included)
    // into messages and reports; `/proc/self/fd/1` and a FIFO would block.
    let dir = tempfile::tempdir().expect("tempdir");
    for target in ["/proc/self/environ", "/proc/self/fd/1", "/proc/kmsg"] {
        let path = write(dir.path(), "requirements.txt", &format!("-r {target}\n"));
        let error = parse_input(&path, InputKind::Requirements)
            .expect_err(target)
            .to_string();
        assert!(
            error.contains("never read as input") || error.contains("No such file"),
            "{target}: {error}"
        );
        assert!(!error.contains("PATH="), "{error}");
    }
    let fifo = dir.path().join("fifo.txt");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let error = parse_input_with(&fifo, InputKind::Requirements, &ParseOptions::default())
        .expect_err("a FIFO")
        .to_string();
    assert!(error.contains("not a regular file"), "{error}");
}

#[test]
fn long_invalid_lines_are_quoted_as_short_excerpts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = format!("AWS_SECRET_ACCESS_KEY={}", "k".repeat(4000));
    let path = write(
        dir.path(),
        "requirements.txt",
        &format!("ok==1\n{secret}\n"),
    );
    let error = parse_input(&path, InputKind::Requirements)
        .expect_err("invalid line")
        .to_string();
    assert!(error.len() < 400, "{} bytes: {error}", error.len());
    assert!(!error.contains(&"k".repeat(100)), "{error}");
}

/// Issue 12: a pyproject with 100k extras that refer to the project
/// itself took close to a minute: each entry's line was found by
/// searching the file from the top. Lines are now indexed in one pass;
/// each requirement still gets its own line.
#[test]
fn hundred_thousand_self_referencing_extras_in_pyproject() {
    const EXTRAS: usize = 100_000;
    let mut text = String::from("[project]\nname = \"proj\"\n\n[project.optional-dependencies]\n");
    for i in 0..EXTRAS {
        text.push_str(&format!("e{i} = [\"proj[e{}]\", \"dep{i}>=1\"]\n", i + 1));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "pyproject.toml", &text);
    // Every extra, as `--all-extras` asks (the default scans none).
    let options = ParseOptions {
        scope: assay_deps::Scope {
            all_extras: true,
            ..Default::default()
        },
        ..ParseOptions::default()
    };
    let u = unresolved(parse_input_with(&path, InputKind::Pyproject, &options).expect("parses"));
    assert_eq!(u.requirements.len(), EXTRAS);
    let last = u
        .requirements
        .iter()
        .find(|r| r.name().as_ref() == format!("dep{}", EXTRAS - 1))
        .expect("the last extra's dependency");
    assert_eq!(last.origin.line, 4 + EXTRAS);
    let self_references = u
        .notes
        .iter()
        .filter(|n| n.message.contains("self-reference"))
        .count();
    assert_eq!(self_references, EXTRAS);
}
