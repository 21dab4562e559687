#!/usr/bin/env python3
"""Regenerates crates/assay-pipeline/data/popular-names.txt: the project
names "did you mean" suggests from when a name is not on the index.

The names are those of the benign top-1000 corpus (its manifest.tsv, one
row per fetched file, first column the project name), normalised as PEP
503 says, sorted, one a line. Nothing is fetched.

    scripts/popular-names.py [/work/corpora/benign-top1000/manifest.tsv]
"""
import os
import re
import sys

manifest = sys.argv[1] if len(sys.argv) > 1 else "/work/corpora/benign-top1000/manifest.tsv"
names = set()
with open(manifest, encoding="utf-8") as rows:
    next(rows)  # header
    for row in rows:
        name = row.split("\t", 1)[0].strip()
        if name:
            names.add(re.sub(r"[-_.]+", "-", name).lower())
out = os.path.join(os.path.dirname(__file__), "..", "crates", "assay-pipeline", "data", "popular-names.txt")
with open(out, "w", encoding="utf-8") as f:
    f.write("".join(f"{n}\n" for n in sorted(names)))
print(f"{len(names)} names written to {os.path.normpath(out)}")
