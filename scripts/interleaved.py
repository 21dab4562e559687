"""Interleaved scan runs shared by scripts/bench-pair.py and
scripts/bench-yara.py: the archives are cut into chunks, and each chunk
is scanned once per configuration, the order rotating from chunk to
chunk, so that load from other processes on a shared machine falls on
every configuration alike. Each run is one `assay scan --format json
--fail-on never` over the chunk's files, as a user would run it.
"""

import json
import os
import subprocess
import sys
import tempfile
import time


def archives(folder, every=1, limit=0):
    """The files of `folder` (hidden ones left out), sorted, every Nth."""
    files = sorted(
        os.path.join(folder, name)
        for name in os.listdir(folder)
        if os.path.isfile(os.path.join(folder, name)) and not name.startswith(".")
    )[::every]
    return files[:limit] if limit else files


def scan(binary, extra, files, out):
    """One scan of `files`: its wall time and the report's artifacts."""
    start = time.monotonic()
    subprocess.run(
        [binary, "scan", "--format", "json", "--fail-on", "never", "-q", "-o", out, *extra, *files],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.monotonic() - start
    with open(out) as f:
        return seconds, json.load(f)["artifacts"]


def interleave(files, chunk, configs):
    """Scans `files` in chunks of `chunk` with each of `configs` (a dict of
    key → (binary, extra flags)), rotating the order from chunk to chunk.
    Yields (key, seconds, artifacts) for every run; prints progress on
    standard error."""
    chunks = [files[i : i + chunk] for i in range(0, len(files), chunk)]
    keys = list(configs)
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "report.json")
        for i, part in enumerate(chunks):
            line = [f"chunk {i + 1}/{len(chunks)}"]
            for key in keys[i % len(keys):] + keys[: i % len(keys)]:
                binary, extra = configs[key]
                seconds, artifacts = scan(binary, extra, part, out)
                line.append(f"{key} {seconds:.1f}s")
                yield key, seconds, artifacts
            print("  ".join(line), file=sys.stderr, flush=True)
