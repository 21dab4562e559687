#!/bin/sh
# Runs the fuzz targets for the seconds given per target, each under
# `nice -n 19` so other builds on the machine keep priority; logs go to
# logs/<target>.log, crashes to artifacts/<target>/.
#
# Usage: scripts/run-all.sh [--parallel] SECONDS [TARGET...]
#
# By default the targets run one after the other (one core). With
# --parallel they all run at once and the script waits for them; while
# they run, the load average is sampled once a minute into logs/load.log.
set -u
parallel=no
if [ "${1:-}" = "--parallel" ]; then parallel=yes; shift; fi
seconds="$1"; shift
targets="${*:-core_metadata simple_page requirements setup_py lockfiles archive_listing open_and_scan}"
bin=target/x86_64-unknown-linux-gnu/release
mkdir -p logs

run() {
  mkdir -p "corpus/$1" "artifacts/$1"
  nice -n 19 "$bin/$1" "corpus/$1" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="artifacts/$1/" > "logs/$1.log" 2>&1
  echo "$1 exit=$?"
}

if [ "$parallel" = no ]; then
  for t in $targets; do run "$t"; done
  exit 0
fi

pids=""
for t in $targets; do run "$t" & pids="$pids $!"; done
(
  while :; do
    echo "$(date -u +%H:%M:%S) $(cut -d' ' -f1-3 /proc/loadavg) [$targets]" >> logs/load.log
    sleep 60
  done
) &
sampler=$!
for p in $pids; do wait "$p"; done
kill "$sampler"
