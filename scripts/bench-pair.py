#!/usr/bin/env python3
"""Throughput of two assay configurations on the same corpus, interleaved.

The corpus is cut into chunks; each chunk is scanned by A and by B one
after the other (A first on even chunks, B first on odd ones), so load
from other processes on a shared machine falls on both alike. Prints
artifacts per second and Python MB/s of each, and the ratio B/A.

    scripts/bench-pair.py --a /tmp/assay-old --b /tmp/assay-new DIR
    scripts/bench-pair.py --a /tmp/assay --b /tmp/assay --b-args "--yara rules.yar" DIR

Each run is one `assay scan --format json --fail-on never` over the
chunk's files, as a user would run it.
"""

import argparse
import shlex

from interleaved import archives, interleave


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", required=True, help="binary A")
    parser.add_argument("--b", required=True, help="binary B")
    parser.add_argument("--a-args", default="", help="extra scan flags for A")
    parser.add_argument("--b-args", default="", help="extra scan flags for B")
    parser.add_argument("--chunk", type=int, default=100, help="artifacts per chunk")
    parser.add_argument("--every", type=int, default=1, help="take every Nth file (a subset)")
    parser.add_argument("dir")
    args = parser.parse_args()
    files = archives(args.dir, args.every)
    chunks = -(-len(files) // args.chunk)
    configs = {"A": (args.a, shlex.split(args.a_args)), "B": (args.b, shlex.split(args.b_args))}
    totals = {k: [0.0, 0, 0, 0] for k in configs}
    for key, seconds, artifacts in interleave(files, args.chunk, configs):
        total = totals[key]
        total[0] += seconds
        total[1] += len(artifacts)
        total[2] += sum(a["stats"]["python_bytes"] for a in artifacts)
        total[3] += sum(
            1 for a in artifacts if (a.get("verdict") or {}).get("label") in ("malicious", "suspicious")
        )
    print(f"files: {len(files)} in {chunks} chunks of {args.chunk}; A = {args.a} {args.a_args}; B = {args.b} {args.b_args}")
    print("| config | artifacts | wall s | artifacts/s | Python MB/s | flagged |")
    print("|---|---:|---:|---:|---:|---:|")
    for key, (seconds, count, python, flagged) in totals.items():
        print(f"| {key} | {count} | {seconds:.1f} | {count / seconds:.2f} | {python / 1e6 / seconds:.2f} | {flagged} |")
    a, b = totals["A"][0], totals["B"][0]
    print(f"throughput ratio B/A: {a / b:.3f} (wall B/A {b / a:.3f})")


if __name__ == "__main__":
    main()
