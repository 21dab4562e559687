#!/usr/bin/env bash
# Cold and warm end-to-end time of `assay scan -r requirements.txt` for a
# 50-package requirements file, against a local index server (pypiserver)
# serving 50 generated pure-Python packages (each a wheel and an sdist,
# about 40 kB of Python each, chained so that resolution walks
# dependencies).
#
#   scripts/bench-requirements.sh [path/to/assay]
#
# BENCH_PACKAGES=115 scripts/bench-requirements.sh gives 230 artifacts (the
# size of the 47-line real-world file of issue 11).
#
# Needs pypi-server (scripts/test.sh installs one into target/test-venv)
# and hyperfine-free bash: times come from `date +%s.%N`, best of 5 warm runs.
set -euo pipefail
cd "$(dirname "$0")/.."
assay=${1:-${CARGO_TARGET_DIR:-target}/release/assay}
server=${ASSAY_TEST_PYPI_SERVER:-${CARGO_TARGET_DIR:-target}/test-venv/bin/pypi-server}
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT

count=${BENCH_PACKAGES:-50}
python3 - "$work/packages" "$work/requirements.txt" "$count" <<'PY'
import base64, hashlib, io, os, sys, tarfile, zipfile
out, req, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out)
body = "".join(f"def f{i}(x):\n    return [y * {i} for y in x if y]\n\n" for i in range(1200))
names = [f"benchpkg{i:03d}" for i in range(count)]
for i, name in enumerate(names):
    deps = [names[i + 1]] if i % 5 != 4 and i + 1 < len(names) else []
    meta = f"Metadata-Version: 2.2\nName: {name}\nVersion: 1.0\n" + "".join(f"Requires-Dist: {d}\n" for d in deps)
    files = {f"{name}/__init__.py": body, f"{name}/util.py": body[:20000]}
    di = f"{name}-1.0.dist-info"
    wfiles = dict(files)
    wfiles[f"{di}/METADATA"] = meta
    wfiles[f"{di}/WHEEL"] = "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    rec = "".join(f"{p},sha256={base64.urlsafe_b64encode(hashlib.sha256(d.encode()).digest()).rstrip(b'=').decode()},{len(d)}\n" for p, d in wfiles.items())
    wfiles[f"{di}/RECORD"] = rec + f"{di}/RECORD,,\n"
    with zipfile.ZipFile(f"{out}/{name}-1.0-py3-none-any.whl", "w", zipfile.ZIP_DEFLATED) as z:
        for p, d in wfiles.items():
            z.writestr(p, d)
    with tarfile.open(f"{out}/{name}-1.0.tar.gz", "w:gz") as t:
        for p, d in {**files, "PKG-INFO": meta}.items():
            data = d.encode()
            info = tarfile.TarInfo(f"{name}-1.0/{p}")
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
with open(req, "w") as f:
    f.write("".join(f"{n}==1.0\n" for n in names))
PY

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$server" run --port "$port" --host 127.0.0.1 --disable-fallback -a . -P . --hash-algo sha256 \
    --log-stream none "$work/packages" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/simple/" >/dev/null 2>&1 && break
    sleep 0.1
done

run() {
    local start end
    start=$(date +%s.%N)
    "$assay" scan -r "$work/requirements.txt" --index-url "http://127.0.0.1:$port/simple/" \
        --cache-dir "$work/cache" --python-version 3.11 --format json --fail-on never >"$work/out.json"
    end=$(date +%s.%N)
    python3 -c "print(f'{$end - $start:.3f}')"
}

artifacts=$(true)
cold=$(run)
artifacts=$(python3 -c "import json; print(len(json.load(open('$work/out.json'))['artifacts']))")
best=""
for _ in 1 2 3 4 5; do
    t=$(run)
    if [[ -z "$best" ]] || python3 -c "import sys; sys.exit(0 if $t < $best else 1)"; then best=$t; fi
done
echo "packages: $count, artifacts scanned: $artifacts"
echo "cold (empty cache): ${cold} s"
echo "warm (best of 5):   ${best} s"
