#!/usr/bin/env python3
"""Group assay's misses on a malicious corpus by the technique they use.

Reads the JSON report of scripts/evaluate.py, opens every missed archive in
memory (scripts/peek-archive.py's reader: nothing is extracted, imported or
run), reads its Python text and sorts it into the first matching cause of an
ordered list of text heuristics. The result is a rough map for rule work,
not a verdict: check a sample of each group by hand (peek-archive.py) before
trusting its count. Prints a Markdown table; --out keeps the per-archive
cause as JSON.
"""

from __future__ import annotations

import argparse
import ast
import collections
import importlib.util
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # no __pycache__ in scripts/
_spec = importlib.util.spec_from_file_location("peek", HERE / "peek-archive.py")
peek = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(peek)  # our own script, not package code


def R(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.I | re.M)


NET = R(r"requests\.(get|post|put)|urlopen|urlretrieve|httpx|aiohttp|socket\.|http\.client|gethostbyname")
RUN = R(r"subprocess|os\.system|os\.startfile|Popen|os\.popen|\bstart ")
HOSTINFO = R(r"gethostname|getuser|getlogin|os\.environ|getenv|getcwd|platform\.|uname|whoami")
STEAL = R(r"Local Storage|leveldb|Login Data|browser_cookie|Cookies|\bwallet|Exodus|tdata|\bAPPDATA\b.*Discord")
EXFIL = R(r"discord(app)?\.com/api/webhooks|api\.telegram\.org|webhook|pipedream|requestbin|oast|"
          r"interact\.sh|burpcollaborator|ngrok|canarytoken")
DOWNLOAD = R(r"\.exe['\"]|urlretrieve|\.write\(.*\.content|Invoke-WebRequest|\biwr |curl |wget ")


def classify(files: list[tuple[str, str]]) -> str:
    """The first cause that fits; files are (path, text) of the Python sources."""
    if not files:
        return "no Python files"
    allt = "\n".join(t for _, t in files)
    setup = "\n".join(t for n, t in files if n.endswith("setup.py"))
    rest = "\n".join(t for n, t in files if not n.endswith("setup.py"))
    in_setup = bool(setup and (NET.search(setup) or RUN.search(setup)))
    where = "setup.py" if in_setup else "a module"
    parses = 0
    for _, t in files:
        try:
            ast.parse(t)
            parses += 1
        except (SyntaxError, ValueError):
            pass
    if "Fernet(" in allt and "exec(" in allt:
        return f"exec(Fernet(key).decrypt(token)) in {'setup.py install cmdclass' if 'Fernet(' in setup else 'a module'}"
    if "oct.__str__()" in allt or "copyright.__str__()" in allt:
        return ("chr() spelled getattr(__builtins__, oct/hex/copyright.__str__()[i]) with bit-shift "
                "integers in setup.py (browser-extension clipper)")
    if R(r"_ttmp\.write|NamedTemporaryFile").search(allt) and R(r"exec\(.*urlopen").search(allt):
        return "writes an `exec(urlopen(URL).read())` stager to a temp file, runs it with pythonw"
    if R(r"pyarmor").search(allt):
        return "PyArmor-packed code"
    if R(r"dependency.confusion|stub package|placeholder").search(allt) and not (NET.search(allt) or RUN.search(allt)):
        return "no payload: dependency-confusion stub / placeholder"
    if parses == 0:
        return "Python 2 only (no file parses as Python 3)"
    if (R(r"b64decode|b64\(|base64").search(allt) and R(r"\.write\(").search(allt) and RUN.search(allt)
            and R(r"\.py['\"]\)?,\s*['\"]w").search(allt)):
        return "base64 payload written to a .py file and run with the interpreter"
    if R(r"connect\(\(\s*['\"]8\.8\.8\.8").search(allt):
        return "install-time recon beacon (host/user/cwd sent out)"
    if (R(r"socket\.socket|socket\(").search(allt) and R(r"\.connect\(").search(allt)
            and R(r"pty\.spawn|os\.dup2|/bin/(ba)?sh\b|cmd\.exe|['\"]cmd['\"]|stdin\s*=|\.recv\(").search(allt)
            and R(r"subprocess|os\.popen|pty").search(allt)):
        return "reverse shell wired by hand (socket + process, threads/recv loop)"
    if R(r"sys\.executable,\s*['\"]-m['\"]|python3? -m ").search(setup) and "cmdclass" in setup:
        return "setup.py cmdclass runs its own module with `sys.executable -m`; payload in the module"
    if STEAL.search(allt):
        return f"info stealer (browser/Discord tokens/wallets) in {where}" + (
            ", webhook/Telegram exfil" if EXFIL.search(allt) else "")
    if DOWNLOAD.search(allt) and RUN.search(allt):
        return f"download to a file, then run it, in {where}"
    if in_setup and HOSTINFO.search(setup) and NET.search(setup):
        return "install-time recon beacon (host/user/cwd sent out)"
    if in_setup and NET.search(setup):
        return "install-time network call without host data (ping/flag)"
    if R(r"pip\.main|pip install|['\"]-m['\"],\s*['\"]pip['\"]").search(allt) and not NET.search(allt):
        return "installs another package with pip"
    if R(r"exec\(|eval\(").search(allt) and R(r"b64decode|zlib|marshal|lambda|\[::-1\]|codecs|fromhex|unhexlify|\\x[0-9a-f]{2}").search(allt):
        return "obfuscated exec/eval assay did not decode"
    if HOSTINFO.search(rest) and NET.search(rest):
        return "host/env data sent out from a module (import or runtime)"
    if NET.search(rest) and RUN.search(allt):
        return "network + process execution in a module"
    if R(r"os\.system|subprocess|os\.remove|shutil\.rmtree|os\.startfile").search(allt):
        return "process execution / destructive file operation"
    if NET.search(allt):
        return "network call in a module, nothing executed"
    if len(allt.strip()) < 400:
        return "no payload: empty or trivial package"
    return "other"


def python_files(path: Path) -> list[tuple[str, str]]:
    return [(n, b.decode("utf-8", "replace")) for n, _, b in peek.members(path, 2_000_000)
            if b is not None and n.endswith((".py", ".pyw", ".pth"))]


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report", type=Path, help="JSON written by scripts/evaluate.py --out")
    ap.add_argument("--out", type=Path, help="write {archive: cause} here as JSON")
    ap.add_argument("--examples", type=int, default=4, help="example names per cause")
    args = ap.parse_args()

    report = json.loads(args.report.read_text(encoding="utf-8"))
    rows: dict[str, dict] = {}
    for corpus in report["corpora"]:
        if corpus["type"] != "malicious":
            continue
        root = Path(corpus["corpus"])
        for miss in corpus["misses"]:
            try:
                cause = classify(python_files(root / miss["target"]))
            except Exception as e:  # a corrupt archive is a cause too
                cause = f"unreadable by triage ({type(e).__name__})"
            rows[miss["target"]] = {"cause": cause, "label": miss["label"], "score": miss["score"],
                                    "rules": miss["all_rules"]}
    by_cause: dict[str, list[str]] = collections.defaultdict(list)
    for target, row in rows.items():
        by_cause[row["cause"]].append(target)
    print("| archives | names | of which suspicious | cause | examples |")
    print("|---:|---:|---:|---|---|")
    for cause, targets in sorted(by_cause.items(), key=lambda kv: -len(kv[1])):
        names = sorted({t.split("/")[0] for t in targets})
        sus = sum(1 for t in targets if rows[t]["label"] == "suspicious")
        print(f"| {len(targets)} | {len(names)} | {sus} | {cause} | "
              f"{', '.join(names[:args.examples])} |")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
