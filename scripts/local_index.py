"""The local index server and the scanning proxy, as the gate benchmarks
run them (scripts/gate-bench.py, gate-cold-breakdown.py,
gate-concurrent.py, install-bench.py): pypiserver from target/test-venv
(scripts/test.sh installs it) on a free loopback port, `assay proxy` in
front of it, and pip run with no configuration of the user's.
"""

import os
import socket
import subprocess
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "test-venv/bin")

# pip and the proxy with no index, proxy or configuration of the user's.
ENV = {**os.environ, "PIP_CONFIG_FILE": "/dev/null", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
for _var in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS",
             "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
    ENV.pop(_var, None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url):
    for _ in range(600):
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def project_of(filename):
    """The normalised project name of a distribution file name."""
    return filename.split("-")[0].lower().replace("_", "-").replace(".", "-")


def start_index(folder):
    """pypiserver serving `folder`: (process, root URL without /simple/)."""
    port = free_port()
    proc = subprocess.Popen(
        [os.path.join(VENV, "pypi-server"), "run", "--port", str(port), "--host", "127.0.0.1",
         "--disable-fallback", "--authenticate", ".", "--passwords", ".", "--hash-algo", "sha256",
         "--log-stream", "none", folder],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = f"http://127.0.0.1:{port}"
    wait_for(f"{root}/simple/")
    return proc, root


def start_proxy(assay, upstream, cache, work=None):
    """`assay proxy` in front of `upstream` with its verdicts in `cache`:
    (process, root URL). Its configuration folder is under `work` when
    given."""
    port = free_port()
    env = dict(ENV)
    if work:
        env["XDG_CONFIG_HOME"] = os.path.join(work, "config")
    proc = subprocess.Popen(
        [assay, "proxy", "--listen", f"127.0.0.1:{port}", "--upstream", upstream,
         "--cache-dir", cache],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = f"http://127.0.0.1:{port}"
    wait_for(f"{root}/simple/")
    return proc, root


def peak_rss_kib(pid):
    """The peak resident memory (VmHWM) of a running process."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def stop(*procs):
    for proc in procs:
        proc.terminate()
        proc.wait()
