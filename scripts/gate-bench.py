#!/usr/bin/env python3
"""Measures the scanning proxy (docs/benchmarks.md, "Gate").

1. Overhead per file on a warm verdict cache: each file is fetched once
   through the proxy (scanned), then ROUNDS times straight from the local
   index server and ROUNDS times through the proxy; the overhead of a file
   is median(proxy) - median(direct); the figure is the median over files.
2. Peak memory of the proxy (VmHWM) after 20 concurrent requests, each for
   a different file, on a cold cache.

Usage: scripts/gate-bench.py ASSAY_BINARY WHEEL_DIR [FILES] [ROUNDS]
(pypi-server comes from target/test-venv, as scripts/test.sh installs it).
"""

import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request

from local_index import peak_rss_kib, project_of, start_index, start_proxy, stop


def fetch(url):
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=300) as r:
        body = r.read()
    return time.perf_counter() - start, len(body)


def main():
    assay, wheel_dir = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 15
    # Small and medium wheels (under 2 MB): the figure is per-file overhead.
    names = sorted(n for n in os.listdir(wheel_dir)
                   if n.endswith(".whl") and os.path.getsize(os.path.join(wheel_dir, n)) < 2_000_000)
    step = max(1, len(names) // count)
    chosen = names[::step][:count]
    work = tempfile.mkdtemp(prefix="gate-bench-")
    try:
        packages = os.path.join(work, "packages")
        os.mkdir(packages)
        for name in chosen:
            shutil.copy(os.path.join(wheel_dir, name), packages)
        server, upstream = start_index(packages)
        try:
            # Peak memory: 20 concurrent cold requests, different files.
            proxy, base = start_proxy(assay, upstream + "/simple/", os.path.join(work, "c1"))
            for name in chosen:
                urllib.request.urlopen(f"{base}/simple/{project_of(name)}/").read()
            threads = [threading.Thread(target=fetch, args=(f"{base}/files/{project_of(n)}/{n}",))
                       for n in chosen]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            cold = time.perf_counter() - t0
            rss = peak_rss_kib(proxy.pid)
            # Warm overhead, same proxy (verdicts and downloads cached).
            overheads, directs, throughs = [], [], []
            for name in chosen:
                project = project_of(name)
                direct = [fetch(f"{upstream}/packages/{name}")[0] for _ in range(rounds)]
                through = [fetch(f"{base}/files/{project}/{name}")[0] for _ in range(rounds)]
                directs.append(statistics.median(direct))
                throughs.append(statistics.median(through))
                overheads.append(throughs[-1] - directs[-1])
            stop(proxy)
        finally:
            stop(server)
        size = sum(os.path.getsize(os.path.join(packages, n)) for n in chosen)
        print(f"files: {len(chosen)} wheels, {size / 1e6:.1f} MB")
        print(f"cold, 20 concurrent requests (fetch + scan): {cold:.2f} s")
        print(f"peak RSS of the proxy: {rss / 1024:.1f} MiB")
        print(f"per file, median over files of each file's median: direct "
              f"{statistics.median(directs) * 1000:.2f} ms, through the proxy "
              f"{statistics.median(throughs) * 1000:.2f} ms")
        print(f"warm overhead per file: median {statistics.median(overheads) * 1000:.2f} ms, "
              f"max {max(overheads) * 1000:.2f} ms ({rounds} rounds each)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
