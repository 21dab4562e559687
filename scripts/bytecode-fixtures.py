#!/usr/bin/env python3
"""Regenerates crates/assay/tests/fixtures/bytecode/*.hex.

Each `<name>.source.txt` there is compiled (never run) by every CPython
found under ~/.pyenv/versions with `py_compile`, and the bytes are written
as hex, so the tests need no Python. Usage: scripts/bytecode-fixtures.py
"""
import os
import pathlib
import subprocess
import tempfile

HERE = pathlib.Path(__file__).resolve().parent.parent / "crates/assay/tests/fixtures/bytecode"
VERSIONS = ["2.7", "3.6", "3.8", "3.10", "3.11", "3.12", "3.13"]
PYENV = pathlib.Path.home() / ".pyenv/versions"


def interpreter(version):
    for folder in sorted(PYENV.glob(version + ".*")):
        return folder / "bin/python"
    return None


def main():
    for source in sorted(HERE.glob("*.source.txt")):
        name = source.name.removesuffix(".source.txt")
        for version in VERSIONS:
            python = interpreter(version)
            if python is None:
                print(f"no CPython {version}: skipped")
                continue
            with tempfile.TemporaryDirectory() as tmp:
                src = os.path.join(tmp, name + ".py")
                pathlib.Path(src).write_text(source.read_text())
                out = os.path.join(tmp, name + ".pyc")
                code = "import py_compile,sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)"
                subprocess.run([str(python), "-c", code, src, out], check=True)
                data = pathlib.Path(out).read_bytes()
            tag = version.replace(".", "")
            lines = [f"# {name}{tag}.pyc: py_compile of {name}.source.txt by CPython {version}"]
            lines += [data[i : i + 32].hex() for i in range(0, len(data), 32)]
            (HERE / f"{name}{tag}.hex").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
