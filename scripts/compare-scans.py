#!/usr/bin/env python3
"""Checks that a change kept behaviour: scans every artifact of a corpus
with two `assay` binaries and compares what each reports per artifact
(verdict label, score and evidence; every finding's rule, severity,
message, location and decoded preview).

    scripts/compare-scans.py OLD_ASSAY NEW_ASSAY [CORPUS_DIR]

CORPUS_DIR defaults to ../shared/corpus/malicious-dev beside the project.
Files are scanned in batches of 200 with `--no-cache`, read as archives,
never run. Prints the number of artifacts each binary reported, the
number that differ, every artifact whose verdict label moved (with the
count of each move), and the first differences. Exits 1 when any differ.
"""

import json
import subprocess
from collections import Counter
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate import collect  # noqa: E402  (the corpus walk evaluate.py uses)

BATCH = 200


def reports(binary: str, files: list[str]) -> dict:
    out = {}
    for start in range(0, len(files), BATCH):
        batch = files[start : start + BATCH]
        run = subprocess.run(
            [binary, "scan", *batch, "--format", "json", "--fail-on", "never", "--no-cache"],
            capture_output=True,
            text=True,
        )
        for artifact in json.loads(run.stdout)["artifacts"]:
            verdict = artifact.get("verdict") or {}
            findings = sorted(
                (
                    f["rule"],
                    f["severity"],
                    f["message"],
                    json.dumps(f.get("location"), sort_keys=True),
                    json.dumps(f.get("decoded")),
                )
                for f in artifact.get("findings", [])
            )
            out[artifact["target"]] = (
                verdict.get("label"),
                verdict.get("score"),
                json.dumps(verdict.get("evidence"), sort_keys=True),
                findings,
            )
    return out


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    default = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "malicious-dev"
    root = Path(sys.argv[3]) if len(sys.argv) > 3 else default
    files = [str(p) for p in collect(root, 0)]
    old, new = reports(sys.argv[1], files), reports(sys.argv[2], files)
    print(f"artifacts reported: {len(old)} old, {len(new)} new")
    differing = sorted(t for t in old.keys() | new.keys() if old.get(t) != new.get(t))
    print(f"differing artifacts: {len(differing)}")
    # Verdicts that moved, every one: what a change costs or buys.
    label = lambda report: report[0] if report else None  # noqa: E731
    moved = [t for t in differing if label(old.get(t)) != label(new.get(t))]
    transitions = Counter((label(old.get(t)), label(new.get(t))) for t in moved)
    print(f"verdicts that moved: {len(moved)}")
    for (before, after), count in sorted(transitions.items(), key=str):
        print(f"  {before} -> {after}: {count}")
    for target in moved:
        print(f"  {target}: {old.get(target, (None, None))[:2]} -> {new.get(target, (None, None))[:2]}")
    for target in differing[:5]:
        before, after = old.get(target), new.get(target)
        print(target)
        print("  old:", before[:2] if before else None, "new:", after[:2] if after else None)
        gone = set(before[3]) - set(after[3]) if before and after else set()
        added = set(after[3]) - set(before[3]) if before and after else set()
        print("  only old:", sorted(gone)[:3])
        print("  only new:", sorted(added)[:3])
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
