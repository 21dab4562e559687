#!/usr/bin/env python3
"""Where a cold `assay install` spends its time (docs/benchmarks.md, "Gate").

Serves the wheels of WHEEL_DIR from a local pypiserver, starts `assay
proxy` in front of it with an empty cache, and asks for each project's
page and then its file, one after the other as pip does: straight from
pypiserver, through the proxy cold (every file fetched, checked and
scanned) and through the proxy warm (every verdict known). Prints the
total time of the page requests and of the file requests of each pass,
and the proxy's counters.

Usage: scripts/gate-cold-breakdown.py ASSAY_BINARY WHEEL_DIR
(pypi-server comes from target/test-venv, as scripts/test.sh installs it).
"""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "target/test-venv/bin")

_spec = importlib.util.spec_from_file_location("gate_bench", os.path.join(ROOT, "scripts/gate-bench.py"))
gate_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gate_bench)


def get(url):
    start = time.perf_counter()
    body = urllib.request.urlopen(url).read()
    return time.perf_counter() - start, body


def project(filename):
    return filename.split("-")[0].lower().replace("_", "-").replace(".", "-")


def main():
    assay, wheel_dir = sys.argv[1], sys.argv[2]
    names = sorted(n for n in os.listdir(wheel_dir) if n.endswith(".whl"))
    work = tempfile.mkdtemp(prefix="gate-breakdown-")
    children = []
    try:
        port = gate_bench.free_port()
        children.append(subprocess.Popen(
            [os.path.join(VENV, "pypi-server"), "run", "--port", str(port), "--host", "127.0.0.1",
             "--disable-fallback", "--authenticate", ".", "--passwords", ".", "--hash-algo", "sha256",
             "--log-stream", "none", wheel_dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        upstream = f"http://127.0.0.1:{port}/simple/"
        gate_bench.wait_for(upstream)
        proxy_port = gate_bench.free_port()
        env = {**os.environ, "XDG_CONFIG_HOME": os.path.join(work, "config")}
        children.append(subprocess.Popen(
            [assay, "proxy", "--index-url", upstream, "--listen", f"127.0.0.1:{proxy_port}",
             "--cache-dir", os.path.join(work, "cache")],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        proxy = f"http://127.0.0.1:{proxy_port}/simple/"
        gate_bench.wait_for(proxy)
        for label, root in (("straight", upstream), ("proxy, cold", proxy), ("proxy, warm", proxy)):
            pages = files = 0.0
            for name in names:
                page_url = root + project(name) + "/"
                seconds, page = get(page_url)
                pages += seconds
                href = re.search(rb'href="([^"#]*' + re.escape(name.encode()) + rb')', page).group(1)
                seconds, _ = get(urllib.parse.urljoin(page_url, href.decode()))
                files += seconds
            print(f"{label}: {len(names)} pages {pages:.2f} s, {len(names)} files {files:.2f} s")
        stats = urllib.request.urlopen(f"http://127.0.0.1:{proxy_port}/_assay/stats").read()
        print("proxy counters:", json.loads(stats))
        print("load average:", " ".join(f"{x:.1f}" for x in os.getloadavg()))
    finally:
        for child in children:
            child.terminate()
            child.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
