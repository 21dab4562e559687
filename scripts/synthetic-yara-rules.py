#!/usr/bin/env python3
"""Writes N synthetic YARA rules (default 1,000) for measuring what user
rules cost (`--yara`, docs/benchmarks.md).

The rules are shaped like real-world rule sets, not tuned to match: each
has 2-6 patterns, mixing text strings (some `nocase`/`wide`), hex
patterns with wildcards and jumps, and regular expressions with a literal
anchor, and a condition over them. Patterns are random but deterministic
(fixed seed), so two runs write the same file.

    scripts/synthetic-yara-rules.py 1000 > /tmp/rules-1000.yar
"""

import random
import string
import sys

WORDS = (
    "token secret passwd login cookie wallet socket shell payload stage "
    "loader update client server session agent beacon config upload "
    "download exec spawn inject hook crypt encode decode buffer handle"
).split()


def text(rng):
    word = "".join(rng.choice(string.ascii_letters + string.digits + "_") for _ in range(rng.randint(6, 14)))
    value = rng.choice(WORDS) + "_" + word
    modifier = rng.choice(["", "", "", " nocase", " wide ascii", " fullword"])
    return f'"{value}"{modifier}'


def hex_pattern(rng):
    parts = []
    for _ in range(rng.randint(3, 6)):
        parts.append(" ".join(f"{rng.randint(0, 255):02X}" for _ in range(rng.randint(2, 4))))
    joined = []
    for i, part in enumerate(parts):
        if i:
            joined.append(rng.choice(["??", "[2-8]", "?? ??", ""]))
        joined.append(part)
    return "{ " + " ".join(p for p in joined if p) + " }"


def regex(rng):
    anchor = rng.choice(WORDS) + "".join(rng.choice(string.ascii_lowercase) for _ in range(4))
    tail = rng.choice([r"[0-9a-f]{16,64}", r"\s*=\s*['\"][A-Za-z0-9+\/]{20,}", r"\([^)]{0,40}\)", r"\/[a-z]{3,12}\.php"])
    return f"/{anchor}{tail}/"


def rule(rng, n):
    kinds = rng.choices([text, hex_pattern, regex], weights=[60, 25, 15], k=rng.randint(2, 6))
    patterns = [f"        $p{i} = {kind(rng)}" for i, kind in enumerate(kinds)]
    condition = rng.choice(["any of them", "all of them", f"{min(2, len(kinds))} of them", "any of them and filesize < 5MB"])
    severity = rng.choice(["low", "medium", "high"])
    return (
        f"rule synthetic_{n:05d}\n{{\n    meta:\n        severity = \"{severity}\"\n"
        f"    strings:\n" + "\n".join(patterns) + f"\n    condition:\n        {condition}\n}}\n"
    )


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rng = random.Random(13)
    sys.stdout.write(f"// {count} synthetic rules from scripts/synthetic-yara-rules.py\n\n")
    for n in range(count):
        sys.stdout.write(rule(rng, n) + "\n")


if __name__ == "__main__":
    main()
