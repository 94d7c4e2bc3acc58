#!/usr/bin/env bash
# Lists the 100,000 tags of one repository from the emulator with acrdeck's client and with
# Microsoft's Python SDK, in one run against the same emulator, and prints times, request counts
# and the ratio. Target: acrdeck at least 3x faster.
#
# Usage: benches/list_tags_vs_python.sh [tags=100000] [page=1000]
# Needs: python3 with tests/python/requirements.txt installed.
set -euo pipefail
cd "$(dirname "$0")/.."
tags="${1:-100000}"
page="${2:-1000}"
cargo build --release --quiet --example list_tags
cargo build --release --quiet
work="$(mktemp -d)"
./target/release/acrdeck emulator --state-dir "$work/emu" --scale "repos=1,tags=$tags" > "$work/ready.json" &
emu=$!
trap 'kill -TERM $emu 2>/dev/null || true; wait $emu 2>/dev/null || true; rm -rf "$work"' EXIT
while [ ! -s "$work/ready.json" ]; do sleep 0.05; done
admin=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['admin'])" "$work/ready.json")
login=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['registries']['scale'])" "$work/ready.json")
ca="$work/emu/ca.pem"
seq() { curl -s --cacert "$ca" "$admin/requests?since=${1:-0}" | python3 -c "import json,sys; r=json.load(sys.stdin)['requests']; print(r[-1]['seq'] if r else 0)"; }
tag_requests() { curl -s --cacert "$ca" "$admin/requests?since=$1" | python3 -c "import json,sys; print(sum(1 for r in json.load(sys.stdin)['requests'] if r['path'].endswith('/_tags')))"; }

s0=$(seq)
read -r n_rust pages rust_s < <(./target/release/examples/list_tags "$work/emu/acrdeck.toml" "$login" synthetic/app-00000 "$page")
rust_req=$(tag_requests "$s0")
s1=$(seq)
read -r n_py py_s < <(REQUESTS_CA_BUNDLE="$ca" SSL_CERT_FILE="$ca" python3 benches/list_tags_python.py "$work/ready.json" scale synthetic/app-00000 "$page")
py_req=$(tag_requests "$s1")
echo "acrdeck client: $n_rust tags in ${rust_s} s, $rust_req tag requests"
echo "Python SDK:     $n_py tags in ${py_s} s, $py_req tag requests"
python3 -c "import sys; r=float(sys.argv[2])/float(sys.argv[1]); print(f'ratio (Python / acrdeck): {r:.1f}x  target >= 3x: {\"met\" if r >= 3 else \"NOT met\"}')" "$rust_s" "$py_s"
