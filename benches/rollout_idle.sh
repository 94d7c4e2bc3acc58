#!/usr/bin/env bash
# The rollout view at idle makes no more requests than the Runs pane does: runs
# benches/idle_calls.sh twice against the demo world, once on the Runs pane of contosodev and
# once on the rollout view (every registry's runs, webhooks read when it is shown), after the
# demo's live runs have ended, and prints both rates and their ratio with the machine and date.
# Every registry's runs are watched whichever pane is shown, so the ratio should be about 1.
#
# Usage: [SETTLE=100] benches/rollout_idle.sh [seconds=60]   (needs tmux, curl, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
window="${1:-60}"
runs_out="$(VIEW=runs benches/idle_calls.sh "$window")"
rollout_out="$(VIEW=rollout benches/idle_calls.sh "$window")"
echo "$runs_out"
echo "$rollout_out"
total() { echo "$1" | sed -n 's/^TOTAL \([0-9.]*\) per minute$/\1/p'; }
python3 - "$(total "$runs_out")" "$(total "$rollout_out")" <<'PY'
import sys, platform, os, datetime
runs, rollout = float(sys.argv[1]), float(sys.argv[2])
print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores; {datetime.date.today()}")
print(f"idle requests per minute: Runs pane {runs:.1f}, rollout view {rollout:.1f}, ratio {rollout / runs if runs else float('nan'):.2f}")
PY
