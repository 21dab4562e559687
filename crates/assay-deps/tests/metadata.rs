//! Static dependency metadata: core metadata and sdists.

use assay_deps::{DistDeps, deps_from_core_metadata, deps_from_sdist};

fn known(deps: DistDeps) -> (Vec<String>, Option<String>, Option<String>) {
    match deps {
        DistDeps::Known {
            requires,
            requires_python,
            note,
        } => (
            requires.iter().map(|r| r.req.to_string()).collect(),
            requires_python.map(|r| r.to_string()),
            note,
        ),
        DistDeps::Unknown { reason } => panic!("expected known deps, got unknown: {reason}"),
    }
}

fn unknown(deps: DistDeps) -> String {
    match deps {
        DistDeps::Unknown { reason } => reason,
        DistDeps::Known { requires, .. } => panic!("expected unknown, got {requires:?}"),
    }
}

#[test]
fn core_metadata_fields_and_continuations() {
    let metadata = b"Metadata-Version: 2.1\r\nName: demo\nVersion: 1.0\nRequires-Python: >=3.8\nRequires-Dist: idna (>=2.5)\nRequires-Dist: pysocks!=1.5.7,>=1.5.6 ; extra == 'socks'\nRequires-Dist: not valid [[\nProvides-Extra: socks\nDescription: long\n  continued line\n\nRequires-Dist: body-is-ignored\n";
    let (reqs, python, note) = known(deps_from_core_metadata(metadata));
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    assert!(reqs[0].starts_with("idna"));
    assert!(
        reqs[1].contains("extra == 'socks'") || reqs[1].contains("extra == \"socks\""),
        "{reqs:?}"
    );
    assert_eq!(python.as_deref(), Some(">=3.8"));
    assert!(note.is_some_and(|n| n.contains("not valid")));
    // Garbage in, no panic.
    let _ = deps_from_core_metadata(&[0xff, 0x00, b':', b'\n', b' ']);
}

fn sdist(files: &[(&str, &str)]) -> DistDeps {
    let owned: Vec<(&str, &[u8])> = files.iter().map(|(p, t)| (*p, t.as_bytes())).collect();
    deps_from_sdist(&owned)
}

#[test]
fn sdist_pkg_info_2_2_is_trusted() {
    let deps = sdist(&[
        (
            "demo-1.0/PKG-INFO",
            "Metadata-Version: 2.2\nName: demo\nVersion: 1.0\nRequires-Dist: six\n",
        ),
        ("demo-1.0/setup.py", "import os\nos.system('boom')\n"),
    ]);
    assert_eq!(known(deps).0, vec!["six"]);
    // Dynamic Requires-Dist falls through to setup.py.
    let deps = sdist(&[
        (
            "demo-1.0/PKG-INFO",
            "Metadata-Version: 2.2\nName: demo\nDynamic: Requires-Dist\nRequires-Dist: six\n",
        ),
        (
            "demo-1.0/setup.py",
            "from setuptools import setup\nsetup(name='demo', install_requires=['attrs'])\n",
        ),
    ]);
    assert_eq!(known(deps).0, vec!["attrs"]);
}

#[test]
fn sdist_pyproject_project_table() {
    let deps = sdist(&[
        ("demo-1.0/PKG-INFO", "Metadata-Version: 2.1\nName: demo\n"),
        (
            "demo-1.0/pyproject.toml",
            "[project]\nname = \"demo\"\nrequires-python = \">=3.9\"\ndependencies = [\"httpx\"]\n[project.optional-dependencies]\ncli = [\"click\"]\n",
        ),
    ]);
    let (reqs, python, _) = known(deps);
    assert_eq!(reqs[0], "httpx");
    assert!(
        reqs[1].starts_with("click") && reqs[1].contains("extra"),
        "{reqs:?}"
    );
    assert_eq!(python.as_deref(), Some(">=3.9"));
    // Dynamic dependencies from a file, as setuptools reads them.
    let deps = sdist(&[
        (
            "demo-1.0/pyproject.toml",
            "[project]\nname = \"demo\"\ndynamic = [\"dependencies\"]\n[tool.setuptools.dynamic]\ndependencies = {file = [\"requirements.txt\"]}\n",
        ),
        (
            "demo-1.0/requirements.txt",
            "# pinned\nrequests>=2\n\nurllib3\n",
        ),
    ]);
    assert_eq!(known(deps).0, vec!["requests>=2", "urllib3"]);
}

#[test]
fn sdist_setup_cfg() {
    let deps = sdist(&[
        (
            "demo-1.0/setup.py",
            "import setuptools\nsetuptools.setup()\n",
        ),
        (
            "demo-1.0/setup.cfg",
            "[metadata]\nname = demo\n\n[options]\npython_requires = >=3.7\ninstall_requires =\n    requests>=2  # http\n    importlib-metadata; python_version<\"3.8\"\n\n[options.extras_require]\ntest =\n    pytest\n",
        ),
    ]);
    let (reqs, python, _) = known(deps);
    assert_eq!(reqs.len(), 3, "{reqs:?}");
    assert_eq!(reqs[0], "requests>=2");
    assert!(reqs[2].starts_with("pytest") && reqs[2].contains("extra"));
    assert_eq!(python.as_deref(), Some(">=3.7"));
}

#[test]
fn setup_py_static_evaluation() {
    let setup = r##"
import os
from setuptools import setup, find_packages

here = os.path.abspath(os.path.dirname(__file__))
with open(os.path.join(here, "requirements.txt")) as f:
    REQUIRED = [line.strip() for line in f if line.strip() and not line.startswith("#")]

BASE = ["six", "attrs>=20"]
BASE += ["idna"]
TEST = "pytest mock".split()
EXTRAS = {"test": TEST, "all": TEST + ["rich"]}

def main():
    setup(
        name="demo",
        packages=find_packages(),
        install_requires=REQUIRED + BASE,
        extras_require=EXTRAS,
        python_requires=">=3.8",
    )

if __name__ == "__main__":
    main()
"##;
    let deps = sdist(&[
        ("demo-1.0/setup.py", setup),
        (
            "demo-1.0/requirements.txt",
            "# deps\nrequests>=2.0\n\nclick\n",
        ),
    ]);
    let (reqs, python, note) = known(deps);
    assert_eq!(
        &reqs[..5],
        ["requests>=2.0", "click", "six", "attrs>=20", "idna"],
        "{reqs:?}"
    );
    assert_eq!(reqs.len(), 5 + 2 + 3);
    assert_eq!(python.as_deref(), Some(">=3.8"));
    assert!(note.is_none(), "{note:?}");

    let read_lines = "from setuptools import setup\nsetup(install_requires=open('reqs.txt').read().splitlines())\n";
    let deps = sdist(&[("p-1/setup.py", read_lines), ("p-1/reqs.txt", "a\nb>=1\n")]);
    assert_eq!(known(deps).0, vec!["a", "b>=1"]);
}

#[test]
fn setup_py_what_cannot_be_known_is_unknown() {
    let cases = [
        (
            "from setuptools import setup\nfrom mypkg.deps import REQS\nsetup(install_requires=REQS)\n",
            "imported from `mypkg.deps`",
        ),
        (
            "from setuptools import setup\nsetup(install_requires=get_requirements())\n",
            "get_requirements",
        ),
        (
            "from setuptools import setup\nimport sys\nreqs = []\nif sys.platform == 'win32':\n    reqs = ['pywin32']\nsetup(install_requires=reqs)\n",
            "conditionally",
        ),
        ("from setuptools import setup\nsetup(**kwargs)\n", "kwargs"),
        (
            "from setuptools import setup\nsetup(install_requires=open('/etc/passwd').read().split())\n",
            "outside the sdist",
        ),
        (
            "from setuptools import setup\nsetup(install_requires=open('../x').read().split())\n",
            "outside the sdist",
        ),
        ("print('no setup call')\n", "no setup(...) call"),
        ("def broken(:\n", "does not parse"),
    ];
    for (source, expected) in cases {
        let reason = unknown(sdist(&[("p-1/setup.py", source)]));
        assert!(reason.contains(expected), "{source}: {reason}");
    }
}

#[test]
fn hostile_setup_py_is_bounded() {
    let deep = format!(
        "from setuptools import setup\nx = {}1{}\nsetup(install_requires=[])\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    assert!(unknown(sdist(&[("p-1/setup.py", &deep)])).contains("nests"));
    let chain = format!(
        "from setuptools import setup\nx = {}'a'\nsetup(install_requires=[x])\n",
        "'a' + ".repeat(20_000)
    );
    let _ = sdist(&[("p-1/setup.py", &chain)]);
    let huge = "#".repeat(2 * 1024 * 1024);
    assert!(unknown(sdist(&[("p-1/setup.py", &huge)])).contains("larger"));
    // Doubling a string past the size cap stays bounded.
    let mut doubling = String::from("from setuptools import setup\nx = 'aaaaaaaaaaaaaaaa'\n");
    for _ in 0..40 {
        doubling.push_str("x = x + x\n");
    }
    doubling.push_str("setup(install_requires=[x])\n");
    let _ = sdist(&[("p-1/setup.py", &doubling)]);
}

#[test]
fn sdist_without_anything_is_unknown_and_old_pkg_info_is_noted() {
    assert!(unknown(sdist(&[("p-1/README", "hi")])).contains("no static dependency metadata"));
    let deps = sdist(&[
        (
            "p-1/PKG-INFO",
            "Metadata-Version: 2.1\nName: p\nRequires-Dist: six\n",
        ),
        (
            "p-1/setup.py",
            "from setuptools import setup\nsetup(install_requires=compute())\n",
        ),
    ]);
    let (reqs, _, note) = known(deps);
    assert_eq!(reqs, vec!["six"]);
    assert!(note.is_some_and(|n| n.contains("not guaranteed")));
}
