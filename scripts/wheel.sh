#!/usr/bin/env bash
# Builds the `assay` wheel with maturin (`bindings = "bin"`, pyproject.toml
# at the repo root) and checks it: it is tagged manylinux, its binary needs
# no shared library the manylinux policy does not allow (`readelf -d`),
# pip installs it into a fresh venv (from the file, no index), and the
# installed `assay` command runs.
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
# No --compatibility: maturin's audit (auditwheel's policies) picks the
# oldest manylinux tag the binary's glibc symbols allow; `check` fails the
# build, rather than bundling a copy, if the binary needs a shared library
# outside the policy. pyproject.toml turns on `static-lzma` (liblzma built
# in; docs/integrations.md).
"$tools/bin/maturin" build --locked --profile "$profile" --auditwheel check --out "$out"
wheel="$(ls "$out"/assay_scanner-*.whl)"
case "$(basename "$wheel")" in
*-manylinux_*) ;;
*) echo "not a manylinux wheel: $wheel" >&2; exit 1 ;;
esac

check="$(mktemp -d)"
trap 'rm -rf "$check"' EXIT
# The shared libraries every manylinux policy allows that a Rust binary
# links (PEP 600: the glibc libraries and libgcc_s).
python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); n = [f for f in z.namelist() if f.endswith(".data/scripts/assay")]; open(sys.argv[2], "wb").write(z.read(n[0]))' \
    "$wheel" "$check/assay"
needed="$(readelf -d "$check/assay" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
for lib in $needed; do
    case "$lib" in
    libc.so.6 | libm.so.6 | libgcc_s.so.1 | libpthread.so.0 | libdl.so.2 | librt.so.1 | ld-linux-*.so.*) ;;
    *) echo "the binary needs $lib, which manylinux does not allow" >&2; exit 1 ;;
    esac
done
python3 -m venv "$check/venv"
"$check/venv/bin/pip" install --quiet --no-index --disable-pip-version-check "$wheel"
version="$("$check/venv/bin/assay" --version)"
[[ "$version" == "assay "* ]] || { echo "unexpected: $version" >&2; exit 1; }
"$check/venv/bin/assay" rules --format json > /dev/null
"$check/venv/bin/assay" completions bash | grep -q "_assay" 
echo "ok: $wheel installs the command: $version; it links only" $needed
