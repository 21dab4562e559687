#!/usr/bin/env bash
# Builds the `assay` wheel with maturin (`bindings = "bin"`, pyproject.toml
# at the repo root) and checks it: it is tagged manylinux, its binary asks
# for no glibc symbol newer than the tag allows and needs no shared library
# the manylinux policy does not allow (`readelf`), and pip, pipx and uvx
# each install it (from the file, no index) and give a working `assay`.
#
# ASSAY_WHEEL_GLIBC picks the glibc the binary is linked against:
#   host (default)  the host toolchain; the tag follows the build machine's
#                   glibc (manylinux_2_34 on glibc 2.36);
#   2.17, 2.28, ... zig links against that glibc's symbols (`maturin
#                   --zig`), whatever the build machine's: 2.17 gives
#                   manylinux_2_17, as ruff and uv ship (docs/integrations.md).
#
# maturin, zig (the `ziglang` package), pipx and uv are installed once,
# pinned, into $CARGO_TARGET_DIR/wheel-tools (default target/) from the
# package index pip is configured for. The wheel is built with the release
# profile unless ASSAY_WHEEL_PROFILE says otherwise (CI uses `dev`: the same
# code, without the long optimised build).
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target_dir"
tools="$(cd "$target_dir" && pwd)/wheel-tools"
if [[ ! -x "$tools/bin/maturin" || ! -x "$tools/bin/pipx" || ! -x "$tools/bin/uvx" ]]; then
    [[ -x "$tools/bin/pip" ]] || python3 -m venv "$tools"
    "$tools/bin/pip" install --quiet --disable-pip-version-check \
        "maturin==1.16.0" "pipx==1.18.4" "uv==0.9.30"
fi
# maturin finds zig as `python3 -m ziglang` of the first python3 on PATH.
export PATH="$tools/bin:$PATH"

profile="${ASSAY_WHEEL_PROFILE:-release}"
glibc="${ASSAY_WHEEL_GLIBC:-host}"
if [[ "$glibc" == host ]]; then
    # maturin's audit picks the oldest tag the binary's glibc symbols allow.
    link=()
    tag="manylinux_*"
else
    link=(--zig --compatibility "manylinux_${glibc/./_}")
    tag="manylinux_${glibc/./_}_x86_64"
    if [[ ! -x "$tools/bin/python-zig" ]]; then
        "$tools/bin/pip" install --quiet --disable-pip-version-check "ziglang==0.17.0"
    fi
fi
out="$(cd "$target_dir" && pwd)/wheels"
rm -rf "$out"
# --strip drops symbols and debug info from the binary only (the
# dependencies' builds are reused): a tenth of the dev profile's size.
# --zig links against the chosen glibc's symbols whatever the build
# machine's glibc; `--auditwheel check` fails the build, rather than
# bundling a copy, if the binary needs a shared library outside the
# policy. pyproject.toml turns on `static-lzma` (liblzma built in;
# docs/integrations.md).
"$tools/bin/maturin" build --locked --profile "$profile" --strip "${link[@]}" --auditwheel check --out "$out"
wheel="$(ls "$out"/assay_scanner-*.whl)"
# shellcheck disable=SC2254 # $tag is a pattern
case "$(basename "$wheel")" in
*[-.]$tag*) ;;
*) echo "not a $tag wheel: $wheel" >&2; exit 1 ;;
esac

# The installs below each unpack the binary (600 MB with the dev profile's
# debug info): they work under the target folder, not a small /tmp, and
# the installers' own temporary files go there too.
check="$(mktemp -d "$(cd "$target_dir" && pwd)/wheel-check.XXXXXX")"
trap 'rm -rf "$check"' EXIT
mkdir "$check/tmp"
export TMPDIR="$check/tmp"
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
# The newest glibc symbol version the binary asks for: at most the target's.
newest="$(readelf --dyn-syms --wide "$check/assay" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)"
if [[ "$glibc" != host && "$(printf '%s\n%s\n' "$newest" "$glibc" | sort -V | tail -1)" != "$glibc" ]]; then
    echo "the binary needs glibc $newest, newer than $tag allows" >&2
    exit 1
fi

# pip into a fresh venv.
python3 -m venv "$check/venv"
"$check/venv/bin/pip" install --quiet --no-index --disable-pip-version-check "$wheel"
version="$("$check/venv/bin/assay" --version)"
[[ "$version" == "assay "* ]] || { echo "unexpected: $version" >&2; exit 1; }
"$check/venv/bin/assay" rules --format json > /dev/null
"$check/venv/bin/assay" completions bash | grep -q "_assay"
# Each install holds an unpacked copy of the binary: free it before the next.
rm -rf "$check/venv"
# pipx: the command on its bin folder.
PIPX_HOME="$check/pipx" PIPX_BIN_DIR="$check/pipx-bin" PIPX_MAN_DIR="$check/pipx-man" \
    "$tools/bin/pipx" install --pip-args=--no-index "$wheel" > /dev/null
[[ "$("$check/pipx-bin/assay" --version)" == "$version" ]] || { echo "pipx: no assay command" >&2; exit 1; }
rm -rf "$check/pipx" "$check/pipx-bin" "$check/pipx-man"
# uvx: run from the wheel without installing it anywhere.
[[ "$(UV_CACHE_DIR="$check/uv-cache" UV_TOOL_DIR="$check/uv-tools" \
    "$tools/bin/uvx" --offline --no-index --from "$wheel" assay --version)" == "$version" ]] ||
    { echo "uvx: no assay command" >&2; exit 1; }
echo "ok: $wheel installs with pip, pipx and uvx: $version; glibc symbols up to $newest; it links only" $needed
