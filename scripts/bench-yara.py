#!/usr/bin/env python3
"""What user YARA rules cost: scan throughput with 0, 100 and 1,000
synthetic rules (scripts/synthetic-yara-rules.py) on the same archives
(docs/benchmarks.md, "User YARA rules").

The archives are cut into chunks; each chunk is scanned once per rule
count, the order rotating from chunk to chunk, so load from other
processes on a shared machine falls on every configuration alike. Each
run is one `assay scan --format json --fail-on never --no-cache` over the
chunk's files, as a user would run it. Prints artifacts per second per
configuration, the ratio of each to the run without rules, and the load
average before and after.

    scripts/bench-yara.py target/release/assay /work/corpora/benign-top1000/wheels \
        --counts 0,100,1000 --every 3 --chunk 40
"""

import argparse
import os
import subprocess
import sys
import tempfile

from interleaved import archives, interleave

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("dir")
    parser.add_argument("--counts", default="0,100,1000", help="rule counts, comma-separated")
    parser.add_argument("--chunk", type=int, default=40, help="archives per chunk")
    parser.add_argument("--every", type=int, default=1, help="take every Nth archive (by name)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many archives")
    args = parser.parse_args()
    files = archives(args.dir, args.every, args.limit)
    chunks = -(-len(files) // args.chunk)
    counts = [int(c) for c in args.counts.split(",")]
    size = sum(os.path.getsize(f) for f in files)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as work:
        configs = {}
        for count in counts:
            extra = ["--no-cache"]
            if count:
                rules = os.path.join(work, f"rules-{count}.yar")
                with open(rules, "w") as f:
                    subprocess.run([sys.executable, os.path.join(HERE, "synthetic-yara-rules.py"), str(count)],
                                   stdout=f, check=True)
                extra += ["--yara", rules]
            configs[count] = (args.binary, extra)
        totals = {count: [0.0, 0, 0] for count in counts}
        for count, seconds, artifacts in interleave(files, args.chunk, configs):
            total = totals[count]
            total[0] += seconds
            total[1] += len(artifacts)
            total[2] += sum(1 for a in artifacts for finding in a["findings"] if finding["rule"] == "AY990")
    load_after = os.getloadavg()
    print(f"archives: {len(files)} ({size / 1e6:.0f} MB) in {chunks} chunks of {args.chunk}; binary {args.binary}")
    print(f"load average before: {load_before[0]:.1f} {load_before[1]:.1f} {load_before[2]:.1f}; "
          f"after: {load_after[0]:.1f} {load_after[1]:.1f} {load_after[2]:.1f}")
    print("| user rules | artifacts | wall s | artifacts/s | time ÷ no rules | AY990 matches |")
    print("|---:|---:|---:|---:|---:|---:|")
    base = totals[counts[0]][0]
    for count in counts:
        seconds, artifacts, matches = totals[count]
        print(f"| {count:,} | {artifacts} | {seconds:.1f} | {artifacts / seconds:.2f} | {seconds / base:.2f} | {matches} |")


if __name__ == "__main__":
    main()
