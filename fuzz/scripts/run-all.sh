#!/bin/sh
# Runs every fuzz target in turn, one process each (-j1 machine), for the
# seconds given per target; logs go to logs/<target>.log.
# Usage: scripts/run-all.sh SECONDS [TARGET...]
set -u
seconds="$1"; shift
targets="${*:-core_metadata simple_page requirements setup_py lockfiles archive_listing open_and_scan}"
bin=target/x86_64-unknown-linux-gnu/release
mkdir -p logs
for t in $targets; do
  mkdir -p "corpus/$t" "artifacts/$t"
  "$bin/$t" "corpus/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="artifacts/$t/" > "logs/$t.log" 2>&1
  echo "$t exit=$?"
done
