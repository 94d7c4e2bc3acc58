#!/usr/bin/env bash
# Append-to-stdout latency of `acrdeck logs --follow`: starts `acrdeck emulator` (the demo world),
# follows its live run co7 to the end while stamping each line as it reaches stdout, then asks the
# emulator when each line was appended to the blob (its admin endpoint records the wall-clock
# time of every append) and prints the latency per line: median, 90th percentile, worst.
# Target: median under 1 s. `az acr task logs` polls 1 s backing off to 15 s.
#
# Usage: benches/logs_follow_latency.sh   (needs curl, python3; about 80 s)
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "logs_follow_latency: needs $tool" >&2; exit 2; }
done
cargo build --release --quiet
work="$(mktemp -d)"
./target/release/acrdeck emulator --state-dir "$work/emu" >"$work/ready.json" 2>"$work/emu.log" &
emu_pid=$!
trap 'kill "$emu_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/ready.json" ] && break; sleep 0.1; done
field() { python3 -c "import json,sys; print(json.load(open('$work/ready.json'))['$1'])"; }
admin="$(field admin)"; config="$(field config)"; ca="$(field ca_cert)"
# Each line stamped the moment it is read from acrdeck's stdout.
ACRDECK_STATE_DIR="$work/state" ./target/release/acrdeck --config "$config" logs dev co7 --follow \
  | python3 -c "
import sys, time
with open('$work/arrivals', 'w') as out:
    for line in sys.stdin:
        out.write(f'{time.time():.6f}\n')
        out.flush()
" || true
curl -s --cacert "$ca" "$admin/runs/contosodev/co7/appends" > "$work/appends.json"
python3 - "$work/arrivals" "$work/appends.json" <<'PY'
import json, statistics, sys
from datetime import datetime
arrivals = [float(l) for l in open(sys.argv[1])]
doc = json.load(open(sys.argv[2]))
appended = [datetime.fromisoformat(t.replace('Z', '+00:00')).timestamp() for t in doc['appended']]
if len(arrivals) != len(appended):
    print(f'lines printed {len(arrivals)} != lines appended {len(appended)}: not every line exactly once')
    sys.exit(1)
# Lines written before the follower started count from when it started: only the live ones are
# a measure of latency.
start = arrivals[0]
live = [a - w for a, w in zip(arrivals, appended) if w > start]
if not live:
    print('no line was appended after the follower started'); sys.exit(1)
live.sort()
p90 = live[int(0.9 * (len(live) - 1))]
print(f'{len(arrivals)} lines, {len(live)} appended while followed')
print(f'append-to-stdout latency: median {statistics.median(live)*1000:.0f} ms, '
      f'p90 {p90*1000:.0f} ms, worst {live[-1]*1000:.0f} ms (target: median under 1000 ms)')
PY
