#!/usr/bin/env bash
# The test command: prepares the local package index server the index tests
# publish to (pypiserver) and the installers the gate tests run through the
# proxy (the venv's own pip, and uv), installed once into target/test-venv
# (and poetry with its mirror plugin, into target/test-poetry)
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
# poetry in a venv of its own (its dependencies stay out of the one above),
# with the plugin `assay install --with poetry` points it through.
poetry_venv="$(cd "$target_dir" && pwd)/test-poetry"
if [[ ! -x "$poetry_venv/bin/poetry" ]]; then
    python3 -m venv "$poetry_venv"
    "$poetry_venv/bin/pip" install --quiet --disable-pip-version-check "poetry==2.5.1" "poetry-plugin-pypi-mirror==0.6.5"
fi
export ASSAY_TEST_POETRY="$poetry_venv/bin/poetry"

cargo test --workspace --locked "$@"
