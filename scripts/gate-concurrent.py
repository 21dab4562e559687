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

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "target/test-venv/bin")

_spec = importlib.util.spec_from_file_location("gate_bench", os.path.join(ROOT, "scripts/gate-bench.py"))
gate_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gate_bench)

ENV = {**os.environ, "PIP_CONFIG_FILE": "/dev/null", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
for var in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS",
            "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
    ENV.pop(var, None)


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


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
        port = gate_bench.free_port()
        children.append(subprocess.Popen(
            [os.path.join(VENV, "pypi-server"), "run", "--port", str(port), "--host", "127.0.0.1",
             "--disable-fallback", "--authenticate", ".", "--passwords", ".", "--hash-algo", "sha256",
             "--log-stream", "none", packages],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        upstream = f"http://127.0.0.1:{port}/simple/"
        gate_bench.wait_for(upstream)
        proxy_port = gate_bench.free_port()
        proxy = subprocess.Popen(
            [assay, "proxy", "--index-url", upstream, "--listen", f"127.0.0.1:{proxy_port}",
             "--cache-dir", os.path.join(work, "cache")],
            env={**ENV, "XDG_CONFIG_HOME": os.path.join(work, "config")},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        children.append(proxy)
        index = f"http://127.0.0.1:{proxy_port}/simple/"
        gate_bench.wait_for(index)
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
        stats = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{proxy_port}/_assay/stats").read())
        print(f"{clients} concurrent pip installs of {len(names)} wheels through one proxy: "
              f"{wall:.1f} s, {failed} failed")
        print(f"proxy counters: {stats}")
        print(f"proxy peak RSS (VmHWM): {peak_rss_mib(proxy.pid):.1f} MiB")
        print("load average:", " ".join(f"{x:.1f}" for x in os.getloadavg()))
    finally:
        for child in children:
            child.terminate()
            child.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
