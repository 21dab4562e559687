#!/usr/bin/env python3
"""Show what is inside a package archive without extracting it.

Lists the members of a sdist/wheel/zip (the format is detected from the
bytes: many malicious `.tar.gz` files are really zips) and prints the text
of its Python files, setup.py and __init__.py first. Everything is read in
memory; nothing is written to disk, imported or run. Control characters are
escaped so a package cannot drive your terminal.

Used to triage assay's misses and false alarms (see docs/evaluation.md).
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tarfile
import zipfile
from pathlib import Path

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def members(path: Path, max_bytes: int) -> list[tuple[str, int, bytes | None]]:
    """(name, size, content or None) for each regular file in the archive.
    Content is kept for text-like files up to max_bytes."""
    data = path.read_bytes()
    out = []
    if data[:4] == b"PK\x03\x04" or zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for info in z.infolist():
                if info.is_dir():
                    continue
                body = z.read(info)[:max_bytes] if wanted(info.filename) else None
                out.append((info.filename, info.file_size, body))
        return out
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as t:
        for info in t:
            if not info.isfile():
                out.append((f"{info.name} [{'link' if info.issym() or info.islnk() else 'special'}]",
                            0, None))
                continue
            body = None
            if wanted(info.name):
                f = t.extractfile(info)  # a file object in memory, not a write to disk
                body = f.read(max_bytes) if f else None
            out.append((info.name, info.size, body))
    return out


def wanted(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.endswith((".py", ".pth", ".cfg", ".toml", ".pyw")) or base in (
        "PKG-INFO", "METADATA", "entry_points.txt", "RECORD")


def order(name: str) -> tuple:
    base = name.rsplit("/", 1)[-1]
    return (base != "setup.py", base != "__init__.py", not base.endswith(".py"), name)


def show(text: str) -> str:
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("archive", type=Path, nargs="+")
    ap.add_argument("--list", action="store_true", help="only list the members")
    ap.add_argument("--max-bytes", type=int, default=6000,
                    help="characters shown per file (default 6000)")
    ap.add_argument("--match", default="", help="only show files whose path contains this")
    args = ap.parse_args()
    for path in args.archive:
        print(f"=== {path}")
        try:
            ms = members(path, args.max_bytes)
        except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError) as e:
            print(f"  cannot read: {e}")
            continue
        for name, size, _ in ms:
            print(f"  {size:9d}  {show(name)}")
        if args.list:
            continue
        for name, size, body in sorted(ms, key=lambda m: order(m[0])):
            if body is None or args.match not in name:
                continue
            if name.endswith(("RECORD",)) or (not body.strip()):
                continue
            print(f"\n--- {show(name)} ({size} bytes)")
            print(show(body.decode("utf-8", "replace")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
