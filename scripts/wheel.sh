#!/usr/bin/env bash
# Builds the `assay` wheel with maturin (`bindings = "bin"`, pyproject.toml
# at the repo root) and checks it: pip installs it into a fresh venv (from
# the file, no index), and the installed `assay` command runs.
#
# maturin is installed once into $CARGO_TARGET_DIR/wheel-tools (default
# target/) from the package index pip is configured for. The wheel is built
# with the release profile unless ASSAY_WHEEL_PROFILE says otherwise (CI
# uses `dev`: the same code, without the long optimised build).
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target_dir"
tools="$(cd "$target_dir" && pwd)/wheel-tools"
if [[ ! -x "$tools/bin/maturin" ]]; then
    python3 -m venv "$tools"
    "$tools/bin/pip" install --quiet --disable-pip-version-check "maturin==1.16.0"
fi

profile="${ASSAY_WHEEL_PROFILE:-release}"
out="$(cd "$target_dir" && pwd)/wheels"
rm -rf "$out"
# `linux`: no manylinux audit; the binary links the system liblzma
# (docs/integrations.md).
"$tools/bin/maturin" build --locked --profile "$profile" --compatibility linux --out "$out"
wheel="$(ls "$out"/assay_scanner-*.whl)"

check="$(mktemp -d)"
trap 'rm -rf "$check"' EXIT
python3 -m venv "$check/venv"
"$check/venv/bin/pip" install --quiet --no-index --disable-pip-version-check "$wheel"
version="$("$check/venv/bin/assay" --version)"
[[ "$version" == "assay "* ]] || { echo "unexpected: $version" >&2; exit 1; }
"$check/venv/bin/assay" rules --format json > /dev/null
"$check/venv/bin/assay" completions bash | grep -q "_assay" 
echo "ok: $wheel installs the command: $version"
