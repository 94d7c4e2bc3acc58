#!/usr/bin/env bash
# Measures the CPU the open, idle dashboard uses: starts `acrdeck --demo` in a detached tmux
# session, lets it settle, then reads the process's user+system CPU time from /proc over a window
# and prints it as a percentage of one core. An idle dashboard should print ~0.0 %.
#
# The demo world has one task run streaming its log for its first ~150 s; the in-process emulator
# does real work for it. SETTLE=170 waits for it to end, to measure the dashboard truly idle.
#
# Usage: [SETTLE=3] benches/idle_cpu.sh [seconds=30]   (needs tmux; builds the release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
window="${1:-30}"
command -v tmux >/dev/null || { echo "idle_cpu: needs tmux (apt-get install tmux)" >&2; exit 2; }
cargo build --release --quiet
state="$(mktemp -d)"
session="acrdeck-idle-$$"
tmux new-session -d -s "$session" -x 120 -y 40 \
  "ACRDECK_STATE_DIR=$state ./target/release/acrdeck --demo"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$state"' EXIT
sleep "${SETTLE:-3}"
pid="$(pgrep -n -f "target/release/acrdeck --demo")"
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz="$(getconf CLK_TCK)"
t0="$(ticks)"; s0="$(date +%s.%N)"
sleep "$window"
t1="$(ticks)"; s1="$(date +%s.%N)"
awk -v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" -v hz="$hz" 'BEGIN {
  cpu = (t1 - t0) / hz; wall = s1 - s0;
  printf "idle dashboard: %.2f s CPU in %.1f s wall = %.2f %% of one core\n", cpu, wall, 100 * cpu / wall
}'
