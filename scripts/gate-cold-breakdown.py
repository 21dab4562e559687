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

import json
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from local_index import project_of, start_index, start_proxy, stop


def get(url):
    start = time.perf_counter()
    body = urllib.request.urlopen(url).read()
    return time.perf_counter() - start, body


def main():
    assay, wheel_dir = sys.argv[1], sys.argv[2]
    names = sorted(n for n in os.listdir(wheel_dir) if n.endswith(".whl"))
    work = tempfile.mkdtemp(prefix="gate-breakdown-")
    children = []
    try:
        server, upstream_root = start_index(wheel_dir)
        children.append(server)
        upstream = f"{upstream_root}/simple/"
        proxy, proxy_root = start_proxy(assay, upstream, os.path.join(work, "cache"), work)
        children.append(proxy)
        proxy_index = f"{proxy_root}/simple/"
        for label, root in (("straight", upstream), ("proxy, cold", proxy_index), ("proxy, warm", proxy_index)):
            pages = files = 0.0
            for name in names:
                page_url = root + project_of(name) + "/"
                seconds, page = get(page_url)
                pages += seconds
                href = re.search(rb'href="([^"#]*' + re.escape(name.encode()) + rb')', page).group(1)
                seconds, _ = get(urllib.parse.urljoin(page_url, href.decode()))
                files += seconds
            print(f"{label}: {len(names)} pages {pages:.2f} s, {len(names)} files {files:.2f} s")
        stats = urllib.request.urlopen(f"{proxy_root}/_assay/stats").read()
        print("proxy counters:", json.loads(stats))
        print("load average:", " ".join(f"{x:.1f}" for x in os.getloadavg()))
    finally:
        stop(*children)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
