#!/usr/bin/env bash
# End-to-end throughput of `assay scan` on a folder of archives.
#
#   scripts/bench-scan.sh [DIR] [-- extra assay flags]
#
# DIR defaults to ../shared/corpus/malicious-dev (real malware, read in memory
# only). Prints artifacts/s, MB/s of uncompressed Python source (from the JSON
# report's stats.python_bytes), MB/s of archive bytes, and peak RSS, measured
# with /usr/bin/time over one run of the release binary on all cores.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/../shared/corpus/malicious-dev}
shift || true
[ "${1:-}" = "--" ] && shift

cargo build --release --locked --manifest-path "$root/Cargo.toml" -p assay-cli >&2
assay=$root/target/release/assay
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

find "$dir" -type f -print0 | sort -z > "$work/files"
count=$(tr -cd '\0' < "$work/files" | wc -c)
archive_bytes=$(xargs -0 cat < "$work/files" | wc -c)

# Warm the page cache so the figure is the scanner's, not the disk's.
xargs -0 cat < "$work/files" > /dev/null

# One invocation over every artifact, as a user would run it.
mapfile -d '' files < "$work/files"
/usr/bin/time -f '%e %M' -o "$work/time" "$assay" scan --format json \
    --fail-on never -o "$work/report.json" "$@" "${files[@]}" || true
read -r seconds rss_kb < "$work/time"

python3 - "$work/report.json" "$count" "$archive_bytes" "$seconds" "$rss_kb" "$(nproc)" <<'PY'
import json, sys
report, count, archive_bytes, seconds, rss_kb, cores = sys.argv[1:]
doc = json.load(open(report))
arts = doc["artifacts"]
py = sum(a["stats"]["python_bytes"] for a in arts)
secs = float(seconds)
print(f"artifacts:        {len(arts)} ({count} files, {int(archive_bytes)/1e6:.1f} MB of archives)")
print(f"python source:    {py/1e6:.1f} MB uncompressed")
print(f"wall time:        {secs:.2f} s on {cores} cores")
print(f"artifacts/s:      {len(arts)/secs:.0f}")
print(f"python MB/s:      {py/1e6/secs:.1f}")
print(f"archive MB/s:     {int(archive_bytes)/1e6/secs:.1f}")
print(f"peak RSS:         {int(rss_kb)/1024:.0f} MiB")
PY
