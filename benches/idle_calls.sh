#!/usr/bin/env bash
# Counts the API calls the open, idle dashboard makes, from the emulator's request log: starts
# `acrdeck emulator` (the demo world) and the dashboard against it in a detached tmux session,
# opens the Runs pane of the dev registry (the pane that refreshes most), waits for the demo's
# live run to end, then counts every request in a window and prints calls per minute per
# registry (ARM calls naming the registry plus calls to its data-plane listener). Target: under
# 20 per minute per registry.
#
# VIEW=rollout stays on the rollout view (where acrdeck opens with several stages) instead:
# benches/rollout_idle.sh compares the two.
#
# Usage: [SETTLE=100] [VIEW=runs|rollout] benches/idle_calls.sh [seconds=60]   (needs tmux, curl, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
window="${1:-60}"
for tool in tmux curl python3; do
  command -v "$tool" >/dev/null || { echo "idle_calls: needs $tool" >&2; exit 2; }
done
cargo build --release --quiet
work="$(mktemp -d)"
session="acrdeck-calls-$$"
./target/release/acrdeck emulator --state-dir "$work/emu" >"$work/ready.json" 2>"$work/emu.log" &
emu_pid=$!
trap 'tmux kill-session -t "$session" 2>/dev/null || true; kill "$emu_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/ready.json" ] && break; sleep 0.1; done
field() { python3 -c "import json,sys; print(json.load(open('$work/ready.json'))['$1'])"; }
admin="$(field admin)"; config="$(field config)"; ca="$(field ca_cert)"
tmux new-session -d -s "$session" -x 120 -y 40 \
  "ACRDECK_STATE_DIR=$work/state ./target/release/acrdeck --config $config"
sleep 3
view="${VIEW:-runs}"
if [ "$view" = runs ]; then
  # Runs of the dev registry: the pane with the fastest refresh.
  tmux send-keys -t "$session" ":" && sleep 0.2 && tmux send-keys -t "$session" "runs dev" Enter
else
  tmux send-keys -t "$session" "0"
fi
sleep "${SETTLE:-100}"
last() { curl -s --cacert "$ca" "$admin/requests" | python3 -c "import json,sys; r=json.load(sys.stdin)['requests']; print(r[-1]['seq'] if r else 0)"; }
start="$(last)"
sleep "$window"
curl -s --cacert "$ca" "$admin/requests?since=$start" | python3 -c "
import json, re, sys, collections
reqs = json.load(sys.stdin)['requests']
window = $window
per = collections.Counter()
for r in reqs:
    m = re.search(r'/registries/([^/?]+)', r['path'])
    if m:
        per[m.group(1).lower()] += 1
    elif r['listener'] not in ('arm', 'admin', 'entra', 'blob', 'upstream'):
        per[r['listener'].lower()] += 1
    else:
        per['(' + r['listener'] + ': ' + r['method'] + ' ' + r['path'].split('?')[0] + ')'] += 1
view = '$view'
print(f'{len(reqs)} requests in {window} s while idle on the ' + ('Runs pane of contosodev:' if view == 'runs' else 'rollout view:'))
for k, n in sorted(per.items()):
    print(f'  {k:<60} {n * 60 / window:6.1f} per minute')
print(f'TOTAL {len(reqs) * 60 / window:.1f} per minute')
"
