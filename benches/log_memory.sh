#!/usr/bin/env bash
# Memory of following a 200 MB run log, through the real paths: `acrdeck logs --follow` (peak
# RSS from the kernel's rusage) and the dashboard's log view in tmux (VmHWM of the process once
# the log's last line is on screen). Starts `acrdeck emulator` (the demo world), makes a quick run,
# grows its log to 200 MB through the admin endpoint (`/runs/R/RUN/fill`), then follows it.
# Target: under 64 MB for each. The same figure for `cat` of the whole blob through curl is
# printed beside, so a reader sees what "the log held whole" would cost.
#
# Usage: benches/log_memory.sh [MB]   (needs curl, python3, tmux; about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
mb="${1:-200}"
for tool in curl python3 tmux; do
  command -v "$tool" >/dev/null || { echo "log_memory: needs $tool" >&2; exit 2; }
done
cargo build --release --quiet
work="$(mktemp -d)"
./target/release/acrdeck emulator --state-dir "$work/emu" >"$work/ready.json" 2>"$work/emu.log" &
emu_pid=$!
session="acrdeck-logmem-$$"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; kill "$emu_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/ready.json" ] && break; sleep 0.1; done
python3 - "$work" "$mb" "$session" <<'PY'
import json, os, resource, subprocess, sys, time, base64, urllib.parse

work, mb, session = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ready = json.load(open(f"{work}/ready.json"))
ca, arm, admin, config = ready["ca_cert"], ready["arm"], ready["admin"], ready["config"]

def curl(*args, data=None):
    cmd = ["curl", "-sf", "--cacert", ca, *args]
    if data is not None:
        cmd += ["--data-binary", data]
    return json.loads(subprocess.check_output(cmd) or b"null")

token = curl("-X", "POST", f"{arm}/{ready['tenant']}/oauth2/v2.0/token", "-d",
             urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": ready["client_id"],
                                     "client_secret": ready["client_secret"], "scope": f"{arm}/.default"}))["access_token"]
reg = f"/subscriptions/{ready['subscription']}/resourceGroups/rg-acr-dev/providers/Microsoft.ContainerRegistry/registries/contosodev"
auth = ["-H", f"Authorization: Bearer {token}", "-H", "Content-Type: application/json"]
body = json.dumps({"type": "EncodedTaskRunRequest", "platform": {"os": "Linux"},
                   "encodedTaskContent": base64.b64encode(b"steps:\n  - cmd: echo build\n").decode()})
run = curl(*auth, "-X", "POST", f"{arm}{reg}/scheduleRun?api-version=2025-03-01-preview", data=body)["name"]
for _ in range(200):
    if curl(*auth, f"{arm}{reg}/runs/{run}?api-version=2025-03-01-preview")["properties"]["status"] == "Succeeded":
        break
    time.sleep(0.3)
filled = curl("-X", "POST", f"{admin}/runs/contosodev/{run}/fill?bytes={mb << 20}")
last = filled["lines"] - 1
print(f"run {run}: log grown by {filled['bytes'] >> 20} MB ({filled['lines']:,} lines)")
env = dict(os.environ, ACRDECK_STATE_DIR=f"{work}/state")

# Headless: the peak RSS of the process, from the kernel.
start = time.time()
with open(os.devnull, "wb") as null:
    code = subprocess.call(["./target/release/acrdeck", "--config", config, "logs", "dev", run, "--follow"],
                           stdout=null, env=env)
took = time.time() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"acrdeck logs --follow: exit {code}, {took:.1f} s, peak RSS {rss:.0f} MB (target: under 64 MB)")

# The dashboard: open the run's log in the Runs pane, wait for its last line, read VmHWM.
subprocess.check_call(["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "45",
                       f"ACRDECK_STATE_DIR={work}/state2 ./target/release/acrdeck --config {config}"])
def screen():
    return subprocess.check_output(["tmux", "capture-pane", "-p", "-t", session]).decode()
def wait_for(text, secs=120):
    end = time.time() + secs
    while time.time() < end:
        if text in screen():
            return True
        time.sleep(0.2)
    print(f"never saw {text!r}; screen:\n{screen()}"); sys.exit(1)
wait_for("Registries (4)")
subprocess.check_call(["tmux", "send-keys", "-t", session, f":runs dev", "Enter"])
wait_for(run)
pid = subprocess.check_output(["tmux", "list-panes", "-t", session, "-F", "#{pane_pid}"]).decode().split()[0]
def kb(field):
    return int(next(l for l in open(f"/proc/{pid}/status") if l.startswith(field)).split()[1])
before = kb("VmHWM")
subprocess.check_call(["tmux", "send-keys", "-t", session, "Enter"])
start = time.time()
wait_for(f"{last:09}")
took = time.time() - start
hwm = kb("VmHWM")
print(f"dashboard log view: last line on screen after {took:.1f} s, peak RSS {hwm / 1024:.0f} MB "
      f"({before / 1024:.0f} MB before the log was opened; target: under 64 MB)")
subprocess.call(["tmux", "send-keys", "-t", session, "Escape"]); time.sleep(0.3)
subprocess.call(["tmux", "send-keys", "-t", session, "q"])
PY
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(date -u +%Y-%m-%d)"
