#!/usr/bin/env bash
# The test command: prepares the local package index server the index tests
# publish to (pypiserver) and the installers the gate tests run through the
# proxy (the venv's own pip, and uv), installed once into target/test-venv
# from the package index pip is configured for; then runs the whole suite.
# The helper venv lives in cargo's target folder: $CARGO_TARGET_DIR when
# set, else target/.
#
# The tests themselves use no network beyond loopback: they start the
# server on 127.0.0.1 with fallback to any upstream index disabled.
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target_dir"
venv="$(cd "$target_dir" && pwd)/test-venv"
if [[ ! -x "$venv/bin/pypi-server" || ! -x "$venv/bin/uv" ]]; then
    [[ -x "$venv/bin/pip" ]] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "pypiserver==2.4.2" "uv==0.9.30"
fi
export ASSAY_TEST_PYPI_SERVER="$venv/bin/pypi-server"

cargo test --workspace --locked "$@"
