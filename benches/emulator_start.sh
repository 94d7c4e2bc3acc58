#!/usr/bin/env bash
# Measures how long `acrdeck emulator` takes to print its ready line: on the demo world, and with a
# synthetic registry of 100,000 tags (`--scale repos=10,tags=100000`). Prints each time and the
# resident memory of the scaled emulator, then stops each emulator with SIGTERM and checks it
# exits 0.
#
# Usage: benches/emulator_start.sh [runs=5]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
cargo build --release --quiet
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

start() { # args...: sets $secs and $pid
  rm -rf "$work/state" "$work/ready.json"
  local s e
  s=$(date +%s.%N)
  ./target/release/acrdeck emulator --state-dir "$work/state" "$@" > "$work/ready.json" &
  pid=$!
  while [ ! -s "$work/ready.json" ]; do sleep 0.002; done
  e=$(date +%s.%N)
  secs=$(echo "$e - $s" | bc)
}

stop() {
  kill -TERM "$1"
  if wait "$1"; then echo "stopped cleanly"; else echo "exit status $? on SIGTERM" >&2; exit 1; fi
}

for i in $(seq "$runs"); do
  start
  printf 'demo world: ready in %.3f s, ' "$secs"
  stop "$pid"
done
start --scale repos=10,tags=100000
rss_kb=$(ps -o rss= -p "$pid" | tr -d ' ')
printf '100,000 tags: ready in %.3f s, %d MiB resident, ' "$secs" "$((rss_kb / 1024))"
stop "$pid"
