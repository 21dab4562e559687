#!/usr/bin/env python3
"""Fetch a benign corpus: one wheel and the newest sdist per package name.

For every name in NAMES_FILE (one per line; blank lines and `#` comments are
skipped) this downloads into OUT_DIR:

* wheels/  the wheel pip would pick for this machine, via
           `pip download --no-deps --only-binary :all:`. Binary only, so pip
           never builds (never runs) anything. Names without a usable wheel
           are logged and skipped.
* sdists/  the newest non-yanked sdist (.tar.gz / .zip), found on the index's
           PEP 691 JSON simple page, downloaded with urllib and checked
           against the page's sha256. A mismatch is refused and logged.
           (`pip download` is never used for sdists: preparing their
           metadata runs the package's build hooks.)

The index is taken at run time: PIP_INDEX_URL, else `index-url` from
`pip config list`, else pip's own default. Nothing downloaded is ever
installed, imported, built or run.

Resumable: a file already present with the expected sha256 is not fetched
again (for wheels, the expected hash comes from the previous manifest).
OUT_DIR/manifest.tsv lists name, kind, file, sha256 and status for every
name and kind; a log goes to OUT_DIR/fetch.log and standard error.

Standard library only; uses `packaging` (or pip's vendored copy) to order
versions when it can be imported, else the order of the page.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

try:  # optional: a pure library
    from packaging.version import InvalidVersion, Version
except ImportError:  # pip vendors it; importing it runs no package code
    try:
        from pip._vendor.packaging.version import InvalidVersion, Version
    except ImportError:
        Version = None  # type: ignore[assignment,misc]
        InvalidVersion = Exception  # type: ignore[assignment,misc]

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
SDIST_SUFFIXES = (".tar.gz", ".zip")
USER_AGENT = "assay-fetch-benign/1 (static malware scanner evaluation)"
CHUNK = 1 << 20

log = logging.getLogger("fetch-benign")


def normalize(name: str) -> str:
    """PEP 503 normalisation."""
    return re.sub(r"[-_.]+", "-", name).lower()


def index_url() -> str:
    """The simple index base URL, taken from the environment at run time."""
    url = os.environ.get("PIP_INDEX_URL", "").strip()
    if url:
        return url.rstrip("/")
    try:
        out = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"],
            capture_output=True, text=True, timeout=60, check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    for line in out.splitlines():
        key, _, value = line.partition("=")
        if key.strip().endswith(".index-url") and value.strip():
            return value.strip().strip("'\"").rstrip("/")
    out = subprocess.run(
        [sys.executable, "-c",
         "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout.strip()
    if not out:
        sys.exit("cannot determine the package index URL")
    return out.rstrip("/")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class Row:
    name: str
    kind: str  # wheel | sdist
    file: str  # path relative to OUT_DIR, or ""
    sha256: str
    status: str  # fetched | skipped | failed: reason

    def tsv(self) -> str:
        clean = [re.sub(r"[\t\r\n]+", " ", v) for v in
                 (self.name, self.kind, self.file, self.sha256, self.status)]
        return "\t".join(clean)


def read_manifest(path: Path) -> dict[tuple[str, str], Row]:
    rows: dict[tuple[str, str], Row] = {}
    if not path.exists():
        return rows
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) == 5:
            row = Row(*parts)
            rows[(row.name, row.kind)] = row
    return rows


# --- wheels ---------------------------------------------------------------

def fetch_wheel(name: str, out: Path, previous: Row | None, timeout: int) -> Row:
    wheels = out / "wheels"
    if previous and previous.file and previous.status in ("fetched", "skipped"):
        path = out / previous.file
        if path.is_file() and sha256_of(path) == previous.sha256:
            return Row(name, "wheel", previous.file, previous.sha256, "skipped")
    # A private destination per name tells which file pip chose.
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=wheels))
    try:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps",
               "--only-binary", ":all:", "--no-cache-dir", "--quiet",
               "--dest", str(tmp), name]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return Row(name, "wheel", "", "", f"failed: pip timed out after {timeout}s")
        files = [p for p in tmp.iterdir() if p.is_file()]
        if proc.returncode != 0 or not files:
            err = (proc.stderr.strip().splitlines() or ["no file"])[-1]
            return Row(name, "wheel", "", "", f"failed: {err[:200]}")
        src = files[0]
        if not src.name.endswith(".whl"):  # cannot happen with --only-binary
            return Row(name, "wheel", "", "", f"failed: pip returned {src.name}")
        dest = wheels / src.name
        shutil.move(str(src), dest)
        return Row(name, "wheel", str(dest.relative_to(out)), sha256_of(dest), "fetched")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- sdists ---------------------------------------------------------------

def sdist_version(filename: str, project: str) -> str | None:
    """The version part of an sdist file name, or None if it is not one."""
    for suffix in SDIST_SUFFIXES:
        if filename.lower().endswith(suffix):
            stem = filename[: -len(suffix)]
            break
    else:
        return None
    # The name part may itself contain dashes (old, unnormalised names).
    for i, ch in enumerate(stem):
        if ch == "-" and normalize(stem[:i]) == project:
            return stem[i + 1:] or None
    return None


def version_key(version: str, position: int) -> tuple:
    """Sort key: PEP 440 order (stable releases first) when `packaging` is
    available, the order of the page otherwise."""
    if Version is None:
        return (position,)
    try:
        v = Version(version)
        return (1, not v.is_prerelease, v, position)
    except InvalidVersion:
        return (0, False, Version("0"), position)


def pick_sdist(page: dict, project: str) -> dict | None:
    """The newest non-yanked sdist on a PEP 691 page."""
    candidates = []
    for position, f in enumerate(page.get("files", [])):
        if f.get("yanked"):
            continue
        version = sdist_version(f.get("filename", ""), project)
        if version is None or not f.get("hashes", {}).get("sha256"):
            continue
        candidates.append((version_key(version, position), f))
    if not candidates:
        return None
    return max(candidates, key=lambda c: c[0])[1]


def http_get(url: str, accept: str | None, timeout: int):
    headers = {"User-Agent": USER_AGENT}
    if accept:
        headers["Accept"] = accept
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)


def fetch_sdist(name: str, out: Path, index: str, timeout: int, max_mb: float) -> Row:
    project = normalize(name)
    page_url = f"{index}/{project}/"
    try:
        with http_get(page_url, SIMPLE_JSON, timeout) as resp:
            ctype = resp.headers.get("Content-Type", "")
            if "json" not in ctype:
                return Row(name, "sdist", "", "", f"failed: index answered {ctype or 'no type'}, not PEP 691 JSON")
            page = json.load(resp)
    except (urllib.error.URLError, OSError, ValueError) as e:
        return Row(name, "sdist", "", "", f"failed: simple page: {e}")
    f = pick_sdist(page, project)
    if f is None:
        return Row(name, "sdist", "", "", "failed: no non-yanked sdist on the index")
    filename = os.path.basename(f["filename"])
    want = f["hashes"]["sha256"].lower()
    dest = out / "sdists" / filename
    rel = str(dest.relative_to(out))
    if dest.is_file() and sha256_of(dest) == want:
        return Row(name, "sdist", rel, want, "skipped")
    size = f.get("size")
    if max_mb and isinstance(size, int) and size > max_mb * 1e6:
        return Row(name, "sdist", "", want, f"failed: {filename} is {size / 1e6:.0f} MB, over --max-mb")
    url = urllib.parse.urljoin(page_url, f["url"])
    part = dest.with_name(dest.name + ".part")
    h = hashlib.sha256()
    try:
        with http_get(url, None, timeout) as resp, open(part, "wb") as fh:
            while chunk := resp.read(CHUNK):
                h.update(chunk)
                fh.write(chunk)
    except (urllib.error.URLError, OSError) as e:
        part.unlink(missing_ok=True)
        return Row(name, "sdist", "", want, f"failed: download: {e}")
    got = h.hexdigest()
    if got != want:
        part.unlink(missing_ok=True)
        return Row(name, "sdist", "", want, f"failed: sha256 mismatch for {filename} (got {got})")
    part.replace(dest)
    return Row(name, "sdist", rel, want, "fetched")


# --- driver ---------------------------------------------------------------

def read_names(path: Path) -> list[str]:
    names, seen = [], set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and normalize(line) not in seen:
            seen.add(normalize(line))
            names.append(line)
    return names


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names_file", type=Path, help="package names, one per line")
    ap.add_argument("out_dir", type=Path, help="where wheels/, sdists/ and manifest.tsv go")
    ap.add_argument("--limit", type=int, default=0, help="only the first N names (0: all)")
    ap.add_argument("--jobs", type=int, default=4, help="parallel downloads (default 4)")
    ap.add_argument("--kinds", default="wheel,sdist",
                    help="what to fetch, comma-separated: wheel, sdist (default both)")
    ap.add_argument("--max-mb", type=float, default=0,
                    help="skip sdists larger than this many MB (0: no limit)")
    ap.add_argument("--timeout", type=int, default=900,
                    help="seconds per pip call / per HTTP request (default 900)")
    args = ap.parse_args()

    out: Path = args.out_dir
    (out / "wheels").mkdir(parents=True, exist_ok=True)
    (out / "sdists").mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(message)s",
        handlers=[logging.StreamHandler(), logging.FileHandler(out / "fetch.log")])

    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if not set(kinds) <= {"wheel", "sdist"}:
        ap.error("--kinds takes wheel and/or sdist")
    names = read_names(args.names_file)
    if args.limit:
        names = names[: args.limit]
    index = index_url() if "sdist" in kinds else ""
    log.info("%d names, kinds %s, %d jobs, version order by %s", len(names), ",".join(kinds),
             args.jobs, "PEP 440" if Version is not None else "page order")

    manifest_path = out / "manifest.tsv"
    previous = read_manifest(manifest_path)
    results: dict[tuple[str, str], Row] = dict(previous)
    lock = threading.Lock()
    done = 0

    def write_manifest() -> None:
        tmp = manifest_path.with_suffix(".tsv.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write("name\tkind\tfile\tsha256\tstatus\n")
            for key in sorted(results):
                fh.write(results[key].tsv() + "\n")
        tmp.replace(manifest_path)

    def job(name: str, kind: str) -> Row:
        try:
            if kind == "wheel":
                row = fetch_wheel(name, out, previous.get((name, kind)), args.timeout)
            else:
                row = fetch_sdist(name, out, index, args.timeout, args.max_mb)
        except Exception as e:  # keep going whatever one package does
            row = Row(name, kind, "", "", f"failed: {type(e).__name__}: {e}")
        nonlocal done
        with lock:
            results[(name, kind)] = row
            done += 1
            log.info("[%d/%d] %s %s: %s %s", done, len(tasks), kind, name,
                     row.status, row.file)
            if done % 25 == 0:
                write_manifest()
        return row

    tasks = [(n, k) for n in names for k in kinds]
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        rows = list(pool.map(lambda t: job(*t), tasks))
    write_manifest()

    # Summary.
    print(f"\n{len(names)} names in {time.monotonic() - started:.0f}s -> {out}")
    for kind in kinds:
        mine = [r for r in rows if r.kind == kind]
        counts = {s: sum(1 for r in mine if r.status.startswith(s))
                  for s in ("fetched", "skipped", "failed")}
        print(f"  {kind + 's':7} fetched {counts['fetched']:4}  skipped {counts['skipped']:4}"
              f"  failed {counts['failed']:4}")
    failed = [r for r in rows if r.status.startswith("failed")]
    if failed:
        print(f"  failures are listed in {manifest_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
