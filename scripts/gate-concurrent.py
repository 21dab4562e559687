#!/usr/bin/env python3
"""Many installs at once through one `assay proxy` (docs/benchmarks.md,
"Gate"): CLIENTS pip processes install the same COUNT wheels of WHEEL_DIR
(pinned, --no-deps, each into its own --target folder, no pip cache) at
the same time, through one proxy with an empty cache in front of a local
pypiserver. Prints the wall time, the proxy's counters (each file must be
fetched and scanned once, however many clients ask) and the proxy's peak
memory (VmHWM).

Usage: scripts/gate-concurrent.py ASSAY_BINARY WHEEL_DIR [CLIENTS] [COUNT]
(pypi-server and python come from target/test-venv, as scripts/test.sh
installs them).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from local_index import ENV, VENV, peak_rss_kib, start_index, start_proxy, stop


def main():
    assay, wheel_dir = sys.argv[1], sys.argv[2]
    clients = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    names = sorted(n for n in os.listdir(wheel_dir) if n.endswith(".whl"))[:count]
    specs = ["{}=={}".format(*n.split("-")[:2]) for n in names]
    work = tempfile.mkdtemp(prefix="gate-concurrent-")
    children = []
    try:
        packages = os.path.join(work, "packages")
        os.mkdir(packages)
        for name in names:
            shutil.copy(os.path.join(wheel_dir, name), packages)
        server, upstream = start_index(packages)
        children.append(server)
        proxy, proxy_root = start_proxy(assay, f"{upstream}/simple/", os.path.join(work, "cache"), work)
        children.append(proxy)
        index = f"{proxy_root}/simple/"
        start = time.perf_counter()
        installs = [
            subprocess.Popen(
                [os.path.join(VENV, "python"), "-m", "pip", "install", "--quiet", "--no-deps",
                 "--no-cache-dir", "--target", os.path.join(work, f"target-{i}"),
                 "--index-url", index, *specs],
                env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for i in range(clients)
        ]
        failed = 0
        for install in installs:
            _, err = install.communicate()
            if install.returncode != 0:
                failed += 1
                print(f"an install failed ({install.returncode}): {err[-500:]}", file=sys.stderr)
        wall = time.perf_counter() - start
        stats = json.loads(urllib.request.urlopen(f"{proxy_root}/_assay/stats").read())
        print(f"{clients} concurrent pip installs of {len(names)} wheels through one proxy: "
              f"{wall:.1f} s, {failed} failed")
        print(f"proxy counters: {stats}")
        print(f"proxy peak RSS (VmHWM): {peak_rss_kib(proxy.pid) / 1024:.1f} MiB")
        print("load average:", " ".join(f"{x:.1f}" for x in os.getloadavg()))
    finally:
        stop(*children)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
