#!/usr/bin/env python3
"""Pick a benign long-tail sample: unranked projects with a 2025+ release.

Reads a package list (tab-separated: name, version, month, rank, summary;
the first line names the columns), keeps the projects that have no
download rank and whose latest release month is 2025-01 or later, and
prints N of them chosen with a fixed seed, so that the sample can be
rebuilt. Feed the output to scripts/fetch-benign.py.

    scripts/sample-recent.py PACKAGES.tsv --count 1000 --seed 1 > recent.txt
"""

from __future__ import annotations

import argparse
import csv
import random
import sys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("packages", help="tab-separated package list")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--since", default="2025-01", help="earliest release month (YYYY-MM)")
    args = ap.parse_args()

    names = []
    with open(args.packages, newline="", encoding="utf-8") as f:
        rows = csv.reader(f, delimiter="\t")
        next(rows, None)
        for row in rows:
            if len(row) < 4:
                continue
            name, _version, month, rank = row[:4]
            if rank.strip() or month < args.since:
                continue
            names.append(name)
    rng = random.Random(args.seed)
    for name in sorted(rng.sample(names, min(args.count, len(names)))):
        sys.stdout.write(name + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
