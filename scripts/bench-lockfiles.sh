#!/usr/bin/env bash
# Issue 11's real-project case: a 22-package uv.lock and the same project
# locked by Poetry 2 and by Poetry 1, scanned cold (empty cache) and warm,
# with the artifacts scanned, the wall time and the cache size, for this
# platform and Python and with --all-files.
#
#   scripts/bench-lockfiles.sh make DIR            # lock the projects into DIR
#   scripts/bench-lockfiles.sh scan DIR ASSAY...   # scan them with each binary
#
# `scan` scans for this platform and Python; with BENCH_ALL_FILES=1 also
# with --all-files (gigabytes of wheels for every platform: the uv lock
# alone passed 2.7 GB of cache). To count what --all-files would scan
# without downloading it: cargo run -p assay-deps --example lock_files LOCK.
#
# `make` needs uv, poetry 2 and poetry 1: it installs them (wheels only)
# into venvs under the target folder. The locks and the scans use the
# package index this machine's pip is configured for (`pip config`,
# PIP_INDEX_URL), else each tool's default; no index is named here.
# Lock once, then scan the same locks with the binaries to compare.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
mode=${1:?make or scan}
dir=${2:?folder of the locked projects}
shift 2

deps=(requests pyyaml numpy pandas cryptography click rich jinja2)

tool_venv() { # venv-name command requirement: the command, installed once
    local venv="$target/bench-$1"
    if [[ ! -x "$venv/bin/$2" ]]; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --only-binary :all: "$3"
    fi
    echo "$venv/bin/$2"
}

make_locks() {
    local index
    index=${PIP_INDEX_URL:-$(pip config get global.index-url 2>/dev/null || true)}
    local uv poetry poetry1
    uv=$(tool_venv uv uv "uv==0.9.30")
    poetry=$(tool_venv poetry poetry "poetry==2.5.1")
    poetry1=$(tool_venv poetry1 poetry "poetry==1.8.5")
    mkdir -p "$dir/uv" "$dir/poetry" "$dir/poetry1"
    local list
    list=$(printf '"%s", ' "${deps[@]}")
    local project="[project]
name = \"lockbench\"
version = \"0.1.0\"
requires-python = \">=3.11\"
dependencies = [${list%, }]
"
    printf '%s' "$project" >"$dir/uv/pyproject.toml"
    (cd "$dir/uv" && UV_DEFAULT_INDEX=${index:-${UV_DEFAULT_INDEX:-}} "$uv" lock --quiet)
    local source=""
    [[ -n "$index" ]] && source=$'\n[[tool.poetry.source]]\nname = "configured"\nurl = "'"$index"$'"\npriority = "primary"\n'
    printf '%s%s' "$project" "$source" >"$dir/poetry/pyproject.toml"
    (cd "$dir/poetry" && "$poetry" lock --quiet)
    # Poetry 1 reads only [tool.poetry].
    {
        printf '[tool.poetry]\nname = "lockbench"\nversion = "0.1.0"\ndescription = ""\nauthors = ["A <a@example.invalid>"]\n\n'
        printf '[tool.poetry.dependencies]\npython = "^3.11"\n'
        printf '%s = "*"\n' "${deps[@]}"
        printf '%s' "$source"
    } >"$dir/poetry1/pyproject.toml"
    (cd "$dir/poetry1" && "$poetry1" lock --no-update --quiet)
    for lock in "$dir"/uv/uv.lock "$dir"/poetry/poetry.lock "$dir"/poetry1/poetry.lock; do
        printf '%-28s %3s packages, %4s files\n' "${lock#"$dir"/}" \
            "$(grep -c '^\[\[package\]\]' "$lock")" "$(grep -cE '(\{ url = |\{file = )' "$lock")"
    done
}

scan_locks() {
    work=""
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    printf '%-12s %-22s %-10s %9s %8s %8s %9s\n' binary lock files artifacts cold warm cache
    for assay in "$@"; do
        for lock in uv/uv.lock poetry/poetry.lock poetry1/poetry.lock; do
            for files in here ${BENCH_ALL_FILES:+all}; do
                local extra=()
                [[ $files == all ]] && extra=(--all-files)
                rm -rf "$work/cache"
                local times=()
                for run in cold warm; do
                    local start end
                    start=$(date +%s.%N)
                    "$assay" scan --cache-dir "$work/cache" --format json --fail-on never -q \
                        "${extra[@]}" "$dir/$lock" >"$work/out.json" 2>"$work/err" || true
                    end=$(date +%s.%N)
                    times+=("$(python3 -c "print(f'{$end - $start:.2f} s')")")
                done
                local count
                count=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['artifacts']))" "$work/out.json" 2>/dev/null || echo "error: $(head -c 200 "$work/err")")
                printf '%-12s %-22s %-10s %9s %8s %8s %9s\n' "$(basename "$assay")" "$lock" "$files" \
                    "$count" "${times[0]}" "${times[1]}" "$(du -sh "$work/cache" | cut -f1)"
            done
        done
    done
}

case $mode in
make) make_locks ;;
scan) scan_locks "$@" ;;
*) echo "usage: $0 make|scan DIR [ASSAY...]" >&2; exit 2 ;;
esac
