"""Writes a few tiny valid archives as seeds for the open_and_scan target.

Usage: python3 make_seeds.py corpus/open_and_scan
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


def zip_bytes(files):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            z.writestr(name, data)
    return out.getvalue()


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
    }
    for name, data in seeds.items():
        (target / name).write_bytes(data)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "corpus/open_and_scan")
