#!/usr/bin/env python3
"""Measures `assay install` against plain pip (docs/benchmarks.md, "Gate").

pip installs COUNT pure-Python wheels (pinned, --no-deps, into a --target
folder, no pip cache) from a local pypiserver:

1. straight from the server;
2. through `assay install` with a cold verdict cache (a fresh --cache-dir:
   every file fetched, digest-checked and scanned);
3. through `assay install` with a warm verdict cache (the same --cache-dir
   again: every verdict known).

Each is run ROUNDS times, interleaved round by round (the cold one with a
new cache each time); the figures are medians, and the ratios are against
the straight install.

Usage: scripts/install-bench.py ASSAY_BINARY WHEEL_DIR [COUNT] [ROUNDS]
(pypi-server and python come from target/test-venv, as scripts/test.sh
installs them).
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from local_index import ENV, VENV, project_of, start_index, stop


def requirement(filename):
    """`name==version` of a wheel file name."""
    name, version = filename.split("-")[:2]
    return f"{name}=={version}"


def pip_command(target):
    return [os.path.join(VENV, "python"), "-m", "pip", "install", "--quiet", "--no-deps",
            "--no-cache-dir", "--target", target]


def timed(command, cleanup=()):
    """Runs `command`, then removes the folders in `cleanup`."""
    start = time.perf_counter()
    result = subprocess.run(command, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    for folder in cleanup:
        shutil.rmtree(folder, ignore_errors=True)
    if result.returncode != 0:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(command[:6])} …\n"
                         f"{result.stderr[-2000:]}")
    return elapsed


def main():
    assay, wheel_dir = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    # Pure-Python wheels under 5 MB (installable here whatever they were
    # built for), spread over the corpus by name, one per project.
    pure = sorted(n for n in os.listdir(wheel_dir) if n.endswith("-py3-none-any.whl")
                  and os.path.getsize(os.path.join(wheel_dir, n)) < 5_000_000)
    step = max(1, len(pure) // count)
    chosen, projects = [], set()
    for name in pure[::step] + pure:
        project = project_of(name)
        if project not in projects:
            projects.add(project)
            chosen.append(name)
        if len(chosen) == count:
            break
    work = tempfile.mkdtemp(prefix="install-bench-")
    try:
        packages = os.path.join(work, "packages")
        os.mkdir(packages)
        for name in chosen:
            shutil.copy(os.path.join(wheel_dir, name), packages)
        server, root = start_index(packages)
        index = f"{root}/simple/"
        specs = [requirement(n) for n in chosen]
        target = os.path.join(work, "target")

        def straight():
            return timed(pip_command(target) + ["--index-url", index] + specs, [target])

        def through(cache, keep_cache=True):
            command = ([assay, "install", "--index-url", index, "--cache-dir", cache, "--"]
                       + pip_command(target) + specs)
            return timed(command, [target] if keep_cache else [target, cache])

        try:
            # One untimed install warms pypiserver and the OS caches; the
            # warm verdict cache is filled once.
            straight()
            warm_cache = os.path.join(work, "warm")
            through(warm_cache)
            # The three are interleaved round by round, so that load from
            # other processes falls on each alike.
            direct, cold, warm = [], [], []
            for i in range(rounds):
                direct.append(straight())
                cold.append(through(os.path.join(work, f"cold-{i}"), keep_cache=False))
                warm.append(through(warm_cache))
                print(f"round {i + 1}: straight {direct[-1]:.2f} s, cold {cold[-1]:.2f} s, "
                      f"warm {warm[-1]:.2f} s", file=sys.stderr, flush=True)
        finally:
            stop(server)
        size = sum(os.path.getsize(os.path.join(packages, n)) for n in chosen)
        d, c, w = (statistics.median(x) for x in (direct, cold, warm))
        print(f"packages: {len(chosen)} pure-Python wheels, {size / 1e6:.1f} MB")
        print(f"pip straight from the index: {d:.2f} s (median of {rounds})")
        print(f"assay install, cold verdict cache: {c:.2f} s = {c / d:.2f}x")
        print(f"assay install, warm verdict cache: {w:.2f} s = {w / d:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
