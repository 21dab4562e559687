#!/usr/bin/env bash
# The test command: prepares the local package index server the index tests
# publish to (pypiserver) and the installers the gate tests run through the
# proxy (the venv's own pip, and uv), installed once into target/test-venv
# (and poetry with its mirror plugin, pdm, pipenv and pre-commit, each
# into a venv of its own: target/test-poetry, target/test-pdm,
# target/test-pipenv, target/test-pre-commit)
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
# pdm and pipenv, each in a venv of its own. pdm 2.29 fails with hishel 2
# (its requirement has no upper bound), hence the pin.
installer_venv() { # name program requirement...
    local venv
    venv="$(cd "$target_dir" && pwd)/test-$1"
    if [[ ! -x "$venv/bin/$2" ]]; then
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install --quiet --disable-pip-version-check --only-binary :all: "${@:3}" >&2
    fi
    echo "$venv/bin/$2"
}
ASSAY_TEST_PDM=$(installer_venv pdm pdm "pdm==2.29.4" "hishel==1.4.0")
ASSAY_TEST_PIPENV=$(installer_venv pipenv pipenv "pipenv==2026.10.3")
# pre-commit runs the repository's .pre-commit-hooks.yaml.
ASSAY_TEST_PRE_COMMIT=$(installer_venv pre-commit pre-commit "pre-commit==4.7.0")
export ASSAY_TEST_PDM ASSAY_TEST_PIPENV ASSAY_TEST_PRE_COMMIT

cargo test --workspace --locked "$@"
