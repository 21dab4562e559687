#!/usr/bin/env python3
"""Which findings the carriers (issue 13) raise on benign corpora: every
finding of the carrier rules (AY150 pickles, AY151 bundled native code
loaded, AY420 payloads after an end marker, AY520 commands that take a
tool's name), and every finding located in what the carriers read rather
than in a `.py` file (recovered bytecode, data files a package executes,
modules of archives inside files), counted by rule and severity; and the
archives rated suspicious or malicious in which such a finding counts.

Each folder is scanned in batches, one `assay scan --format json
--fail-on never --no-cache` per batch, as a user would run it
(docs/carriers.md, "Status of issue 13").

    scripts/carrier-alarms.py /tmp/t9/assay-f /work/corpora/benign-top1000/wheels \
        /work/corpora/benign-top1000/sdists
"""

import argparse
import collections
import os
import sys
import tempfile

from interleaved import archives, scan

CARRIER_RULES = {"AY150", "AY151", "AY420", "AY520"}
SOURCE_SUFFIXES = (".py", ".pyw", ".pth")


def from_a_carrier(finding):
    """A finding of a carrier rule, or one whose file is not Python source."""
    if finding["rule"] in CARRIER_RULES:
        return True
    path = finding["location"]["path"]
    # Behaviour rules (AY1xx) on a file that is not Python source: the
    # finding came from recovered bytecode, an executed data file, or (with
    # `!`) a module of an archive inside a file.
    return "!" in path or (not path.endswith(SOURCE_SUFFIXES) and finding["rule"].startswith("AY1"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--batch", type=int, default=100, help="archives per assay run")
    args = parser.parse_args()
    load_before = os.getloadavg()
    counts = collections.Counter()
    where = collections.defaultdict(set)
    flagged = []
    total = 0
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "report.json")
        for folder in args.dirs:
            files = archives(folder)
            for i in range(0, len(files), args.batch):
                _, artifacts = scan(args.binary, ["--no-cache"], files[i : i + args.batch], out)
                total += len(artifacts)
                for artifact in artifacts:
                    carried = [f for f in artifact["findings"] if from_a_carrier(f)]
                    for f in carried:
                        counts[(f["rule"], f["severity"])] += 1
                        where[(f["rule"], f["severity"])].add(os.path.basename(artifact["target"]))
                    label = (artifact.get("verdict") or {}).get("label")
                    if carried and label in ("suspicious", "malicious"):
                        flagged.append((artifact["target"], label, sorted({f["rule"] for f in carried})))
                print(f"{folder}: {min(i + args.batch, len(files))}/{len(files)}", file=sys.stderr, flush=True)
    load_after = os.getloadavg()
    print(f"artifacts: {total}")
    print("carrier findings by rule and severity:")
    for (rule, severity), n in sorted(counts.items()):
        names = sorted(where[(rule, severity)])
        shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
        print(f"  {rule} {severity}: {n} in {len(names)} archives ({shown})")
    print(f"suspicious or malicious with a carrier finding: {len(flagged)}")
    for target, label, rules in flagged:
        print(f"  {os.path.basename(target)}: {label} ({', '.join(rules)})")
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f}")


if __name__ == "__main__":
    main()
