#!/usr/bin/env python3
"""Regenerates crates/assay/tests/fixtures/bytecode/*.hex.

Each `<name>.source.txt` there is compiled (never run) by every CPython
found under ~/.pyenv/versions with `py_compile`, and the bytes are written
as hex, so the tests need no Python. A version pyenv lacks (3.14 here) can
come from Pyodide's CPython in WebAssembly: `npm install pyodide@314.0.7`
in a folder and name it in PYODIDE_DIR (needs node). The source is written
into Pyodide's virtual file system and compiled there, never run.
Usage: [PYODIDE_DIR=/tmp/py314] scripts/bytecode-fixtures.py [VERSION...]
(default: every version below).
"""
import os
import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent.parent / "crates/assay/tests/fixtures/bytecode"
VERSIONS = ["2.7", "3.6", "3.8", "3.10", "3.11", "3.12", "3.13", "3.14"]
PYENV = pathlib.Path.home() / ".pyenv/versions"


PY_COMPILE = "import py_compile,sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)"
# Compiles argv[1] to argv[2] with Pyodide's CPython (argv[3]: the version wanted).
PYODIDE_COMPILE = """
const { loadPyodide } = await import("pyodide");
const fs = await import("node:fs");
const [src, out, want] = process.argv.slice(-3);
const py = await loadPyodide();
py.FS.writeFile("/tmp/m.py", fs.readFileSync(src));
py.runPython(`
import py_compile, sys
assert "%d.%d" % sys.version_info[:2] == "${want}", sys.version
py_compile.compile("/tmp/m.py", cfile="/tmp/m.pyc", doraise=True)
`);
fs.writeFileSync(out, py.FS.readFile("/tmp/m.pyc"));
"""


def compiler(version):
    """The command that compiles SRC to OUT with CPython `version`, or None."""
    for folder in sorted(PYENV.glob(version + ".*")):
        return [str(folder / "bin/python"), "-c", PY_COMPILE]
    pyodide = os.environ.get("PYODIDE_DIR")
    if pyodide and (pathlib.Path(pyodide) / "node_modules/pyodide").is_dir():
        return ["node", "--input-type=module", "-e", PYODIDE_COMPILE]
    return None


def main():
    versions = sys.argv[1:] or VERSIONS
    for source in sorted(HERE.glob("*.source.txt")):
        name = source.name.removesuffix(".source.txt")
        for version in versions:
            command = compiler(version)
            if command is None:
                print(f"no CPython {version}: skipped")
                continue
            with tempfile.TemporaryDirectory() as tmp:
                src = os.path.join(tmp, name + ".py")
                pathlib.Path(src).write_text(source.read_text())
                out = os.path.join(tmp, name + ".pyc")
                cwd = os.environ.get("PYODIDE_DIR") if command[0] == "node" else None
                subprocess.run(command + [src, out, version], check=True, cwd=cwd)
                data = pathlib.Path(out).read_bytes()
            tag = version.replace(".", "")
            lines = [f"# {name}{tag}.pyc: py_compile of {name}.source.txt by CPython {version}"]
            lines += [data[i : i + 32].hex() for i in range(0, len(data), 32)]
            (HERE / f"{name}{tag}.hex").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
