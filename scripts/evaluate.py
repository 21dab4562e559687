#!/usr/bin/env python3
"""Measure assay on labelled corpora: detection rates, false alarms, speed.

Scans every file under each corpus folder with the assay binary (in batches,
`assay scan FILE... --format json --fail-on never`; files are passed as
arguments, never through a shell) and reports, per corpus:

* malicious corpora (--malicious): detection rate at `malicious` and at
  `suspicious` or worse, per archive and per package name (the layout is
  NAME/VERSION/ARCHIVE; a name is detected when any of its archives is);
  every miss with its top findings.
* benign corpora (--benign): false-positive rate at both thresholds, per
  archive and separately for wheels and sdists; every false alarm
  (suspicious or worse) with its top findings.
* for both: unreadable artifacts (verdict null) counted apart and left out
  of the rates, artifacts with errors, and throughput (archives/s, MB/s of
  Python source from stats.python_bytes, wall time of the assay runs).

A short Markdown summary goes to standard output; every detail (each miss
and false alarm with all its findings, rule counts) goes to --out as JSON.
Nothing is extracted or executed: assay reads archives in memory.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MALICIOUS = REPO.parent / "shared" / "corpus" / "malicious-dev"
SEVERITY = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}
LABEL_RANK = {"malicious": 2, "suspicious": 1, "clean": 0}
# Files a corpus folder holds that are not artifacts (fetch-benign.py's own).
NOT_ARTIFACTS = {"manifest.tsv", "manifest.tsv.tmp", "fetch.log"}


# --- collecting and scanning ----------------------------------------------

def collect(corpus: Path, limit: int) -> list[Path]:
    files = []
    for root, dirs, names in os.walk(corpus):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".tmp-"))
        for n in sorted(names):
            if n in NOT_ARTIFACTS or n.endswith(".part") or n.startswith("."):
                continue
            p = Path(root) / n
            if p.is_file():
                files.append(p)
    return files[:limit] if limit else files


def run_assay(assay: Path, files: list[Path], jobs: int) -> tuple[list[dict] | None, float, str]:
    """Scan one batch; returns (artifacts or None on failure, seconds, stderr)."""
    with tempfile.TemporaryDirectory(prefix="assay-eval-") as tmp:
        out = Path(tmp) / "report.json"
        cmd = [str(assay), "scan", "--format", "json", "--fail-on", "never", "--quiet",
               "--output", str(out)]
        if jobs:
            cmd += ["--jobs", str(jobs)]
        cmd += ["--"] + [str(f) for f in files]
        start = time.monotonic()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, errors="replace", check=False)
        elapsed = time.monotonic() - start
        try:
            doc = json.loads(out.read_text(encoding="utf-8"))
            return doc["artifacts"], elapsed, proc.stderr
        except (OSError, ValueError, KeyError):
            return None, elapsed, f"exit {proc.returncode}: {proc.stderr.strip()[-500:]}"


def scan_all(assay: Path, files: list[Path], jobs: int, batch: int,
             label: str) -> tuple[list[dict], float]:
    """Scan files in batches; a batch that fails is split to isolate the
    artifact that broke it, which is recorded as unreadable."""
    artifacts: list[dict] = []
    seconds = 0.0
    pending = [files[i:i + batch] for i in range(0, len(files), batch)]
    done = 0
    while pending:
        chunk = pending.pop(0)
        result, elapsed, err = run_assay(assay, chunk, jobs)
        seconds += elapsed
        if result is None:
            if len(chunk) > 1:
                half = len(chunk) // 2
                pending[:0] = [chunk[:half], chunk[half:]]
                continue
            result = [{"target": str(chunk[0]), "kind": None, "verdict": None, "findings": [],
                       "errors": [f"assay failed on this artifact: {err}"],
                       "stats": {"files": 0, "python_files": 0, "python_bytes": 0},
                       "size": chunk[0].stat().st_size, "name": None, "version": None}]
        artifacts.extend(result)
        done += len(chunk)
        print(f"  {label}: {done}/{len(files)} scanned ({seconds:.0f}s in assay)",
              file=sys.stderr)
    return artifacts, seconds


# --- summarising ----------------------------------------------------------

def top_findings(art: dict, n: int) -> list[dict]:
    fs = sorted(art.get("findings", []),
                key=lambda f: (-SEVERITY.get(f.get("severity"), 0), f.get("rule", "")))
    return [{"rule": f.get("rule"), "slug": f.get("slug"), "severity": f.get("severity"),
             "context": f.get("context"),
             "path": (f.get("location") or {}).get("path"),
             "line": (f.get("location") or {}).get("line"),
             "message": f.get("message")} for f in fs[:n]]


def label_of(art: dict) -> str | None:
    v = art.get("verdict")
    return v.get("label") if v else None


def score_of(art: dict) -> int | None:
    v = art.get("verdict")
    return v.get("score") if v else None


def kind_of(art: dict) -> str:
    if art.get("kind"):
        return art["kind"]
    t = art["target"].lower()
    return "wheel" if t.endswith(".whl") else "sdist"


def rate(hit: int, total: int) -> float | None:
    return round(hit / total, 4) if total else None


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def entry(art: dict, corpus: Path, nfind: int) -> dict:
    return {"target": str(Path(art["target"]).relative_to(corpus))
            if Path(art["target"]).is_relative_to(corpus) else art["target"],
            "label": label_of(art), "score": score_of(art), "kind": kind_of(art),
            "name": art.get("name"), "version": art.get("version"),
            "python_bytes": art.get("stats", {}).get("python_bytes", 0),
            "errors": art.get("errors", [])[:5],
            "evidence": (art.get("verdict") or {}).get("evidence", []),
            "top_findings": top_findings(art, nfind),
            "all_rules": sorted({f["rule"] for f in art.get("findings", [])})}


def throughput(arts: list[dict], seconds: float) -> dict:
    py = sum(a.get("stats", {}).get("python_bytes", 0) for a in arts)
    size = sum(a.get("size") or 0 for a in arts)
    return {"archives": len(arts), "assay_seconds": round(seconds, 2),
            "archives_per_s": round(len(arts) / seconds, 1) if seconds else None,
            "python_mb": round(py / 1e6, 1), "python_mb_per_s": round(py / 1e6 / seconds, 2)
            if seconds else None, "archive_mb": round(size / 1e6, 1)}


def rules_in(arts: list[dict], min_severity: str = "medium") -> dict[str, int]:
    """How many artifacts each rule fired in at min_severity or above."""
    floor = SEVERITY[min_severity]
    c: collections.Counter = collections.Counter()
    for a in arts:
        c.update({f["rule"] + " " + f.get("slug", "") for f in a.get("findings", [])
                  if SEVERITY.get(f.get("severity"), 0) >= floor})
    return dict(c.most_common())


def summarise_malicious(corpus: Path, arts: list[dict], seconds: float, nfind: int) -> dict:
    readable = [a for a in arts if label_of(a) is not None]
    unreadable = [a for a in arts if label_of(a) is None]
    at_mal = [a for a in readable if label_of(a) == "malicious"]
    at_sus = [a for a in readable if label_of(a) in ("malicious", "suspicious")]
    # Per package name: the first path component under the corpus.
    by_name: dict[str, list[str | None]] = collections.defaultdict(list)
    for a in arts:
        rel = Path(a["target"]).relative_to(corpus)
        by_name[rel.parts[0]].append(label_of(a))
    names_readable = {n: ls for n, ls in by_name.items() if any(x is not None for x in ls)}
    names_mal = sum(1 for ls in names_readable.values() if "malicious" in ls)
    names_sus = sum(1 for ls in names_readable.values()
                    if "malicious" in ls or "suspicious" in ls)
    misses = [entry(a, corpus, nfind) for a in readable if label_of(a) != "malicious"]
    misses.sort(key=lambda e: (-(e["score"] or 0), e["target"]))
    return {
        "corpus": str(corpus), "type": "malicious",
        "archives": len(arts), "readable": len(readable), "unreadable": len(unreadable),
        "with_errors": sum(1 for a in arts if a.get("errors")),
        "labels": dict(collections.Counter(label_of(a) or "unreadable" for a in arts)),
        "per_archive": {"malicious": rate(len(at_mal), len(readable)),
                        "suspicious_or_worse": rate(len(at_sus), len(readable))},
        "names": len(by_name), "names_readable": len(names_readable),
        "per_name": {"malicious": rate(names_mal, len(names_readable)),
                     "suspicious_or_worse": rate(names_sus, len(names_readable))},
        "names_missed": sorted(n for n, ls in names_readable.items()
                               if "malicious" not in ls and "suspicious" not in ls),
        "throughput": throughput(arts, seconds),
        "rules_in_detected": rules_in(at_sus),
        "rules_in_misses": rules_in([a for a in readable if label_of(a) != "malicious"], "info"),
        "misses": misses,
        "unreadable_artifacts": [entry(a, corpus, nfind) for a in unreadable],
    }


def summarise_benign(corpus: Path, arts: list[dict], seconds: float, nfind: int) -> dict:
    readable = [a for a in arts if label_of(a) is not None]

    def fp(subset: list[dict]) -> dict:
        r = [a for a in subset if label_of(a) is not None]
        mal = sum(1 for a in r if label_of(a) == "malicious")
        sus = sum(1 for a in r if label_of(a) in ("malicious", "suspicious"))
        return {"archives": len(subset), "readable": len(r),
                "unreadable": len(subset) - len(r),
                "malicious": mal, "suspicious_or_worse": sus,
                "fp_rate_malicious": rate(mal, len(r)),
                "fp_rate_suspicious_or_worse": rate(sus, len(r))}

    alarms = [a for a in readable if label_of(a) in ("malicious", "suspicious")]
    false_alarms = [entry(a, corpus, nfind) for a in alarms]
    false_alarms.sort(key=lambda e: (-(e["score"] or 0), e["target"]))
    return {
        "corpus": str(corpus), "type": "benign",
        "all": fp(arts),
        "wheels": fp([a for a in arts if kind_of(a) == "wheel"]),
        "sdists": fp([a for a in arts if kind_of(a) != "wheel"]),
        "with_errors": sum(1 for a in arts if a.get("errors")),
        "labels": dict(collections.Counter(label_of(a) or "unreadable" for a in arts)),
        "throughput": throughput(arts, seconds),
        "rules_in_false_alarms": rules_in(alarms),
        "rules_in_all": rules_in(readable, "info"),
        "false_alarms": false_alarms,
        "unreadable_artifacts": [entry(a, corpus, nfind) for a in arts
                                 if label_of(a) is None],
    }


# --- Markdown -------------------------------------------------------------

def one_line(e: dict) -> str:
    tops = "; ".join(f"{f['rule']} {f['severity']}: {f['message']}"[:140]
                     for f in e["top_findings"][:3]) or "no findings"
    return f"- `{e['target']}` {e['label']} {e['score']}: {tops}"


def markdown(results: list[dict], meta: dict, list_max: int) -> str:
    out = [f"# assay evaluation ({meta['date']}, assay {meta['commit']}, "
           f"rules {meta['rule_set_version']})", ""]
    out += ["| corpus | archives | unreadable | at `malicious` | at `suspicious`+ | "
            "per name `malicious` | per name `suspicious`+ | archives/s | Python MB/s | wall s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        t = r["throughput"]
        if r["type"] == "malicious":
            out.append(
                f"| {Path(r['corpus']).name} (malicious: detection) | {r['archives']} | "
                f"{r['unreadable']} | {pct(r['per_archive']['malicious'])} | "
                f"{pct(r['per_archive']['suspicious_or_worse'])} | "
                f"{pct(r['per_name']['malicious'])} of {r['names_readable']} | "
                f"{pct(r['per_name']['suspicious_or_worse'])} | {t['archives_per_s']} | "
                f"{t['python_mb_per_s']} | {t['wall_seconds']:.0f} |")
        else:
            for part in ("all", "wheels", "sdists"):
                p = r[part]
                if not p["archives"]:
                    continue
                out.append(
                    f"| {Path(r['corpus']).name} {part} (benign: false alarms) | "
                    f"{p['archives']} | {p['unreadable']} | "
                    f"{pct(p['fp_rate_malicious'])} ({p['malicious']}) | "
                    f"{pct(p['fp_rate_suspicious_or_worse'])} ({p['suspicious_or_worse']}) | "
                    f"| | " + (f"{t['archives_per_s']} | {t['python_mb_per_s']} | "
                               f"{t['wall_seconds']:.0f} |" if part == "all" else "| | |"))
    out.append("")
    for r in results:
        name = Path(r["corpus"]).name
        if r["type"] == "malicious":
            clean = [e for e in r["misses"] if e["label"] == "clean"]
            sus = [e for e in r["misses"] if e["label"] == "suspicious"]
            out += [f"## {name}: misses", "",
                    f"{len(clean)} archives clean, {len(sus)} only suspicious, "
                    f"{r['unreadable']} unreadable; {len(r['names_missed'])} names entirely missed.",
                    "", "Rules firing in missed archives (any severity): " + ", ".join(
                        f"{k} ({v})" for k, v in list(r["rules_in_misses"].items())[:12]), ""]
            for title, group in (("Clean (missed at both thresholds)", clean),
                                 ("Suspicious only (missed at `malicious`)", sus)):
                out += [f"### {title}", ""]
                out += [one_line(e) for e in group[:list_max]]
                if len(group) > list_max:
                    out.append(f"- … {len(group) - list_max} more in the JSON report")
                out.append("")
        else:
            out += [f"## {name}: false alarms (suspicious or worse)", "",
                    "Rules in false alarms (medium or above): " + ", ".join(
                        f"{k} ({v})" for k, v in list(r["rules_in_false_alarms"].items())[:12]),
                    ""]
            out += [one_line(e) for e in r["false_alarms"][:list_max]]
            if len(r["false_alarms"]) > list_max:
                out.append(f"- … {len(r['false_alarms']) - list_max} more in the JSON report")
            out.append("")
        if r["unreadable_artifacts"]:
            out += [f"Unreadable in {name}: " + ", ".join(
                f"`{e['target']}`" for e in r["unreadable_artifacts"][:list_max]), ""]
    return "\n".join(out)


# --- driver ---------------------------------------------------------------

def git_commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def rule_set_version(assay: Path) -> str:
    try:
        doc = json.loads(subprocess.run([str(assay), "rules", "--format", "json"],
                                        capture_output=True, text=True, check=True).stdout)
        return doc.get("rule_set_version", "unknown")
    except (OSError, ValueError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--assay", type=Path, default=REPO / "target" / "release" / "assay",
                    help="assay binary (default: target/release/assay in this repo)")
    ap.add_argument("--malicious", type=Path, action="append", default=[],
                    help="a malicious corpus laid out NAME/VERSION/ARCHIVE (repeatable; "
                         f"default {DEFAULT_MALICIOUS} when it exists)")
    ap.add_argument("--no-malicious", action="store_true",
                    help="do not scan the default malicious corpus")
    ap.add_argument("--benign", type=Path, action="append", default=[],
                    help="a benign corpus folder, searched recursively (repeatable)")
    ap.add_argument("--jobs", type=int, default=0,
                    help="assay --jobs (default: assay's own, all cores)")
    ap.add_argument("--batch", type=int, default=200, help="archives per assay run (default 200)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N files of each corpus")
    ap.add_argument("--findings", type=int, default=5,
                    help="top findings kept per miss / false alarm (default 5)")
    ap.add_argument("--list-max", type=int, default=40,
                    help="misses / false alarms listed per group in the Markdown (default 40)")
    ap.add_argument("--out", type=Path, help="write the full details here as JSON")
    args = ap.parse_args()

    if not args.assay.is_file():
        ap.error(f"{args.assay} not found: build it with `cargo build --release`")
    malicious = args.malicious
    if not malicious and not args.no_malicious and DEFAULT_MALICIOUS.is_dir():
        malicious = [DEFAULT_MALICIOUS]
    if not malicious and not args.benign:
        ap.error("nothing to scan: give --malicious and/or --benign")

    meta = {"date": datetime.date.today().isoformat(), "commit": git_commit(),
            "assay": str(args.assay), "rule_set_version": rule_set_version(args.assay),
            "jobs": args.jobs or os.cpu_count(), "batch": args.batch}
    results = []
    for kind, corpora in (("malicious", malicious), ("benign", args.benign)):
        for corpus in corpora:
            corpus = corpus.resolve()
            files = collect(corpus, args.limit)
            print(f"{kind} corpus {corpus}: {len(files)} files", file=sys.stderr)
            wall = time.monotonic()
            arts, seconds = scan_all(args.assay, files, args.jobs, args.batch, corpus.name)
            wall = time.monotonic() - wall
            summary = (summarise_malicious if kind == "malicious" else summarise_benign)(
                corpus, arts, seconds, args.findings)
            summary["throughput"]["wall_seconds"] = round(wall, 2)
            results.append(summary)

    print(markdown(results, meta, args.list_max))
    if args.out:
        args.out.write_text(json.dumps({"meta": meta, "corpora": results}, indent=1,
                                       ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nFull details: {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
