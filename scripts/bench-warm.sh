#!/usr/bin/env bash
# Cold and warm scans of a 20-line requirements file against a local index
# (pypiserver on 127.0.0.1 serving the benign top-1000 corpus), with wall
# time and peak memory (GNU time's maximum resident set size) of each run.
#
#   scripts/bench-warm.sh ASSAY_BINARY [CORPUS_DIR]
#
# CORPUS_DIR defaults to /work/corpora/benign-top1000 (its wheels/ and
# sdists/ folders are served). Needs pypi-server ($ASSAY_TEST_PYPI_SERVER,
# or the one scripts/test.sh installs) and /usr/bin/time. Nothing leaves
# the machine. The figures are in docs/benchmarks.md.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
assay=$(realpath "$1")
corpus=${2:-/work/corpora/benign-top1000}
server=${ASSAY_TEST_PYPI_SERVER:-${CARGO_TARGET_DIR:-$repo/target}/test-venv/bin/pypi-server}
work=$(mktemp -d)
pid=""
trap '[[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$server" run --port "$port" --host 127.0.0.1 --disable-fallback -a . -P . --hash-algo sha256 \
    --log-stream none "$corpus/wheels" "$corpus/sdists" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/simple/')" 2>/dev/null && break
    sleep 0.1
done
cat >"$work/requirements.txt" <<'REQ'
requests==2.34.2
urllib3==2.8.0
idna==3.21
certifi==2026.10.19.post1
charset-normalizer==3.5.3
six==1.17.0
python-dateutil==4.0.0
pyyaml==6.0.4
click==8.5.1
jinja2==3.1.6
markupsafe==3.0.4
attrs==26.1.0
packaging==26.4
pluggy==1.7.0
iniconfig==2.3.1
pytest==9.2.0
typing-extensions==4.16.0
rich==15.0.0
pygments==2.21.0
markdown-it-py==4.3.0
REQ
export XDG_CACHE_HOME="$work/cache" XDG_CONFIG_HOME="$work/config" PIP_CONFIG_FILE=/dev/null
run() { # label
    local status=0
    /usr/bin/time -f "%e %M" -o "$work/time" "$assay" scan --index-url "http://127.0.0.1:$port/simple/" \
        --python-version 3.11.9 --platform x86_64-manylinux_2_28 --format json -r "$work/requirements.txt" \
        >"$work/out.json" 2>/dev/null || status=$?
    read -r secs kb <"$work/time"
    local count
    count=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['artifacts']))" "$work/out.json")
    printf '%-6s %6.2f s  %7.1f MiB peak  %3s artifacts  exit %s\n' "$1" "$secs" "$(python3 -c "print($kb/1024)")" "$count" "$status"
}
run cold
for _ in 1 2 3; do run warm; done
