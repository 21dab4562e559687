"""Writes a few tiny valid inputs as seeds for the fuzz targets.

Usage: python3 make_seeds.py corpus/open_and_scan      # archives (also for archive_listing)
       python3 make_seeds.py --metadata corpus/core_metadata
       python3 make_seeds.py --deps corpus     # requirements, setup_py, lockfiles, simple_page
"""

import base64
import hashlib
import io
import sys
import tarfile
import zipfile
from pathlib import Path

PKG_INFO = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: six\n\nBody.\n"
SETUP = b"from setuptools import setup\nsetup(name='demo')\n"
CODE = b"import os\n\ndef f():\n    return os.getcwd()\n"


def tar_bytes(mode, extra=(), format=tarfile.DEFAULT_FORMAT):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode, format=format) as tar:
        for name, data in [("demo-1.0/PKG-INFO", PKG_INFO), ("demo-1.0/setup.py", SETUP),
                           ("demo-1.0/demo/__init__.py", CODE)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            tar.addfile(info)
    return out.getvalue()


def zip_bytes(files, method=zipfile.ZIP_DEFLATED, zip64=False):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, data in files:
            with z.open(name, "w", force_zip64=zip64) as member:
                member.write(data)
    return out.getvalue()


METADATA = [
    PKG_INFO,
    b"Metadata-Version: 2.4\r\nName: demo\r\nVersion: 2.0\r\nDynamic: Requires-Dist\r\n"
    b"Requires-Dist: requests>=2; extra == 'http'\r\nRequires-Dist: six\r\n"
    b"Project-URL: Home, http://127.0.0.1/\r\nClassifier: Programming Language :: Python\r\n"
    b"Provides-Extra: http\r\nDescription: first line\r\n        |second line\r\n\r\n",
    b"\xef\xbb\xbfMetadata-Version: 1.0\rName: demo\rName: again\rSummary: folded\r\tsummary\r"
    b"junk line\rRequires-Dist: six\r\rBody\rRequires-Dist: hidden\r",
    b"Metadata-Version: 2.1\nName: x\nVersion: 1\nDescription-Content-Type: text/markdown\n\n"
    b"# Title\n\nBody \xff\xfe not utf-8\n",
]


REQUIREMENTS = [
    b"requests>=2.31\nsix==1.16.0 --hash=sha256:" + b"0" * 64 + b"\n",
    b"-r other.txt\n-c constraints.txt\n--index-url http://127.0.0.1:1/simple\n"
    b"flask[async] >= 2 ; python_version >= '3.8'  # comment\n"
    b"demo @ http://127.0.0.1:1/demo-1.0.tar.gz\n-e ./local\nurllib3 \\\n  ==2.0\n",
]

SETUP_PY = [
    b"from setuptools import setup\nsetup(name='demo', install_requires=['six', 'requests>=2'],\n"
    b"      extras_require={'http': ['urllib3; python_version < \"3\"']})\n",
    b"import setuptools\nREQS = ['six']\nsetuptools.setup(install_requires=REQS + ['idna'],\n"
    b"    setup_requires=['wheel'], dependency_links=['http://127.0.0.1:1/x.tar.gz'])\n",
]

SETUP_CFG = [
    b"[metadata]\nname = demo\n\n[options]\ninstall_requires =\n    six\n    requests>=2\n"
    b"setup_requires = wheel\n\n[options.extras_require]\nhttp = urllib3[socks]; extra == 'x'\n",
]

SIMPLE_PAGES = [
    b'{"meta": {"api-version": "1.1"}, "name": "demo", "versions": ["1.0"], "files": ['
    b'{"filename": "demo-1.0.tar.gz", "url": "demo-1.0.tar.gz", "hashes": {"sha256": "'
    + b"0" * 64 + b'"}, "requires-python": ">=3.8", "yanked": "bad", "core-metadata": '
    b'{"sha256": "' + b"1" * 64 + b'"}, "size": 10, "upload-time": "2024-01-01T00:00:00Z"}]}',
    b"<!DOCTYPE html><html><head><meta name=\"pypi:repository-version\" content=\"1.1\">"
    b"</head><body><a href=\"../../files/demo-1.0-py3-none-any.whl#sha256=" + b"0" * 64
    + b"\" data-requires-python=\"&gt;=3.8\" data-dist-info-metadata=\"sha256=" + b"1" * 64
    + b"\" data-yanked=\"\">demo-1.0-py3-none-any.whl</a><br/></body></html>",
]


def deps_seeds(root):
    """Seeds for the dependency targets: hand-written requirements,
    setup.py/setup.cfg and project pages, and the lockfiles and pyproject
    files of the assay-deps test fixtures."""
    fixtures = Path(__file__).resolve().parent.parent / "crates/assay-deps/tests/fixtures/scope"
    seeds = {
        "requirements": REQUIREMENTS,
        "setup_py": SETUP_PY + SETUP_CFG,
        "simple_page": SIMPLE_PAGES,
        "lockfiles": [path.read_bytes() for path in sorted(fixtures.rglob("*")) if path.is_file()],
    }
    for target, inputs in seeds.items():
        folder = Path(root) / target
        folder.mkdir(parents=True, exist_ok=True)
        for i, data in enumerate(inputs):
            (folder / f"seed-{i}").write_bytes(data)


def metadata_seeds(target):
    for i, data in enumerate(METADATA):
        (target / f"metadata-{i}").write_bytes(data)


def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}\n"


def main(target):
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    link = tarfile.TarInfo("demo-1.0/link")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    odd = []
    for name, kind, linkname in [("demo-1.0/hard", tarfile.LNKTYPE, "demo-1.0/setup.py"),
                               ("demo-1.0/null", tarfile.CHRTYPE, ""),
                               ("demo-1.0/pipe", tarfile.FIFOTYPE, ""),
                               ("demo-1.0/dir", tarfile.DIRTYPE, ""),
                               ("../../etc/evil", tarfile.REGTYPE, ""),
                               ("/abs/evil", tarfile.REGTYPE, "")]:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = linkname
        odd.append(info)
    long_name = tarfile.TarInfo("demo-1.0/" + "d" * 120 + "/" + "f" * 120 + ".py")
    wheel_files = [("demo/__init__.py", CODE), ("demo-1.0.dist-info/METADATA", PKG_INFO),
                   ("demo-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")]
    record = "".join(record_line(p, d) for p, d in wheel_files) + "demo-1.0.dist-info/RECORD,,\n"
    seeds = {
        "sdist.tar.gz": tar_bytes("w:gz"),
        "sdist.tar.bz2": tar_bytes("w:bz2"),
        "sdist.tar.xz": tar_bytes("w:xz"),
        "sdist-link.tar": tar_bytes("w", [link]),
        "sdist-odd.tar": tar_bytes("w", odd),
        "sdist-pax.tar": tar_bytes("w", [long_name], tarfile.PAX_FORMAT),
        "sdist-gnu.tar": tar_bytes("w", [long_name], tarfile.GNU_FORMAT),
        "sdist.zip": zip_bytes([("demo-1.0/PKG-INFO", PKG_INFO), ("demo-1.0/setup.py", SETUP)]),
        "wheel.whl": zip_bytes(wheel_files + [("demo-1.0.dist-info/RECORD", record.encode())]),
        "egg.egg": zip_bytes([("EGG-INFO/PKG-INFO", PKG_INFO), ("demo/__init__.py", CODE)]),
        "stored.zip": zip_bytes([("demo-1.0/PKG-INFO", PKG_INFO)], zipfile.ZIP_STORED),
        "zip64.whl": zip_bytes(wheel_files, zip64=True),
        "stub.zip": b"#!/bin/sh\nexit 0\n" + zip_bytes([("demo/__init__.py", CODE)]),
    }
    for name, data in seeds.items():
        (target / name).write_bytes(data)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--metadata"]:
        folder = Path(sys.argv[2] if len(sys.argv) > 2 else "corpus/core_metadata")
        folder.mkdir(parents=True, exist_ok=True)
        metadata_seeds(folder)
    elif sys.argv[1:2] == ["--deps"]:
        deps_seeds(sys.argv[2] if len(sys.argv) > 2 else "corpus")
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "corpus/open_and_scan")
