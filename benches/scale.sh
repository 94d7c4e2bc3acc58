#!/usr/bin/env bash
# acrdeck at production scale, end to end, against one emulator started with
# `--scale repos=10000,tags=100000`, beside a plain client doing the same reads in the same run:
#
#   - benches/plain_loop.py: one request at a time over one kept-alive connection, Python's
#     standard library only (the yardstick: what a script would do);
#   - Microsoft's Python SDK (azure-containerregistry) listing the same 100,000 tags;
#   - acrdeck's headless commands (`tags`, `repos`, --output json), timed with their peak memory
#     and the requests the emulator logged for them;
#   - the dashboard in a pseudo-terminal (cargo bench --bench scale_pane): first rows, all rows,
#     keys while pages arrive, peak memory, and the pane left open for IDLE seconds.
#
# Prints a table with each figure, its yardstick from the same run, the ratio and the target.
# The harness is checked first: a small request over HTTP/2 must take a millisecond or so, not
# the ~40 ms of a stalled socket.
#
# Usage: benches/scale.sh [IDLE_SECS=300]
# Needs: python3 with tests/python/requirements.txt installed (for the SDK row), /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
idle="${1:-300}"
cargo build --release --quiet
cargo bench --no-run --quiet --bench scale_pane 2> /dev/null
pane_bench=$(ls -t target/release/deps/scale_pane-* | grep -v '\.d$' | head -1)
bin=./target/release/acrdeck
work="$(mktemp -d)"
$bin emulator --state-dir "$work/emu" --scale repos=10000,tags=100000 > "$work/ready.json" &
emu=$!
trap 'kill -TERM $emu 2>/dev/null || true; wait $emu 2>/dev/null || true; rm -rf "$work"' EXIT
while [ ! -s "$work/ready.json" ]; do sleep 0.05; done
json() { python3 -c "import json,sys; v=json.load(open(sys.argv[1])); print(eval('v'+sys.argv[2]))" "$work/ready.json" "$1"; }
admin=$(json "['admin']")
ca="$work/emu/ca.pem"
config="$work/emu/acrdeck.toml"
export ACRDECK_STATE_DIR="$work/state"

# The emulator's request log since a sequence number, summarised by a Python expression over `r`.
last_seq() { curl -s --cacert "$ca" "$admin/requests" | python3 -c "import json,sys; r=json.load(sys.stdin)['requests']; print(r[-1]['seq'] if r else 0)"; }
count_since() { curl -s --cacert "$ca" "$admin/requests?since=$1" | python3 -c "import json,sys; print(sum(1 for r in json.load(sys.stdin)['requests'] if $2))"; }
is_tags="r['path'].endswith('/_tags')"
is_token="r['path'] in ('/oauth2/token', '/oauth2/exchange')"
is_401="r['status'] == 401"

# A headless command: seconds and peak RSS (MiB), its output thrown away.
timed() { /usr/bin/time -f "%e %M" -o "$work/time" "$@" > /dev/null; awk '{printf "%s %.1f\n", $1, $2/1024}' "$work/time"; }

# The harness first: 20 small requests over one HTTP/2 connection to the scale registry. A
# stalled socket (Nagle against delayed ACKs: ~40 ms each) would show here, and every figure
# below would then be the harness's, not acrdeck's.
login=$(json "['registries']['scale']")
harness_ms=$(curl -s --http2 --cacert "$ca" -w '%{time_total}\n' $(for _ in $(seq 20); do echo "-o /dev/null https://$login/v2/"; done) \
  | sort -n | awk '{t[NR]=$1} END {printf "%.2f", 1000 * t[int((NR+1)/2)]}')

echo "machine: $(uname -n), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ)"
echo "reading..." >&2

# Warm both sides once (connections, page cache), then measure.
python3 benches/plain_loop.py "$work/ready.json" scale 1000 tags synthetic/app-00000 > /dev/null
read -r _ plain_tags plain_tag_req < <(python3 benches/plain_loop.py "$work/ready.json" scale 1000 tags synthetic/app-00000)
s=$(last_seq)
read -r acr_tags acr_tags_rss < <(timed $bin -c "$config" tags scale/synthetic/app-00000 --output json)
acr_tag_req=$(count_since "$s" "$is_tags")
acr_tag_401=$(count_since "$s" "$is_401")
sdk_tags="n/a"
if python3 -c "import azure.containerregistry" 2> /dev/null; then
  read -r _ sdk_tags < <(SSL_CERT_FILE="$ca" REQUESTS_CA_BUNDLE="$ca" python3 benches/list_tags_python.py "$work/ready.json" scale synthetic/app-00000 1000)
fi
read -r _ plain_catalog _ < <(python3 benches/plain_loop.py "$work/ready.json" scale 1000 catalog)
read -r _ plain_repos plain_repos_req < <(python3 benches/plain_loop.py "$work/ready.json" scale 1000 repos)
s=$(last_seq)
read -r acr_repos acr_repos_rss < <(timed $bin -c "$config" repos scale --output json)
acr_repos_tokens=$(count_since "$s" "$is_token")

echo "dashboard (pseudo-terminal, ${idle}s left open)..." >&2
"$pane_bench" --ready "$work/ready.json" --idle-secs "$idle" > "$work/pane.txt"
pane() { awk -v k="$1" '$1 == k {print $2}' "$work/pane.txt"; }
pane_line() { awk -v k="$1" '$1 == k {$1=""; print substr($0, 2)}' "$work/pane.txt"; }

ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}x')" "$1" "$2"; }
check() { python3 -c "import sys; print('met' if eval(sys.argv[1]) else 'NOT met')" "$1"; }
row() { printf '| %s | %s | %s | %s | %s |\n' "$@"; }

echo
row "what" "acrdeck" "yardstick (same run)" "ratio" "target"
row "---" "---" "---" "---" "---"
row "the harness: a small request to the emulator over one HTTP/2 connection (median of 20)" "" "${harness_ms} ms" "" "well under the 40 ms of a stalled socket: $(check "$harness_ms < 10")"
row "headless \`tags --output json\`, 100,000 tags" "${acr_tags} s, ${acr_tags_rss} MiB peak" "plain loop ${plain_tags} s" "$(ratio "$acr_tags" "$plain_tags")" "<= 1.3x, <= 50 MiB: $(check "$acr_tags <= 1.3 * $plain_tags and $acr_tags_rss <= 50")"
row "its requests" "${acr_tag_req} pages, ${acr_tag_401} answered 401" "${plain_tag_req} pages" "$(ratio "$acr_tag_req" "$plain_tag_req")" "<= 1.05x, no 401: $(check "$acr_tag_req <= 1.05 * $plain_tag_req and $acr_tag_401 == 0")"
row "Microsoft's Python SDK, same 100,000 tags" "${acr_tags} s" "SDK ${sdk_tags} s" "SDK is $( [ "$sdk_tags" = n/a ] && echo n/a || ratio "$sdk_tags" "$acr_tags") acrdeck's time" "SDK slower: $( [ "$sdk_tags" = n/a ] && echo 'n/a (SDK not installed)' || check "$sdk_tags > $acr_tags")"
row "headless \`repos --output json\`, 10,000 repositories with details" "${acr_repos} s, ${acr_repos_rss} MiB peak, ${acr_repos_tokens} token requests" "plain loop ${plain_repos} s, ${plain_repos_req} requests" "$(ratio "$acr_repos" "$plain_repos")" "<= 0.5x: $(check "$acr_repos <= 0.5 * $plain_repos")"
row "Repositories pane: first screen with details" "$(pane repos_first_screen_ms) ms" "" "" "<= 1000 ms: $(check "$(pane repos_first_screen_ms) <= 1000")"
row "Repositories pane: all 10,000 names" "$(pane repos_all_names_ms) ms" "plain loop (catalog) ${plain_catalog} s" "$(ratio "$(pane repos_all_names_ms)" "$(python3 -c "print(1000 * $plain_catalog)")")" "<= 1.3x: $(check "$(pane repos_all_names_ms) <= 1300 * $plain_catalog")"
row "Repositories pane: token requests before the first screen" "$(pane repos_token_requests_before_first_screen)" "" "" "<= 5: $(check "$(pane repos_token_requests_before_first_screen) <= 5")"
row "Repositories pane: detail reads" "$(pane_line repos_detail_reads)" "" "" "<= 2x rows shown: $(check "$(pane repos_detail_reads) <= 2 * $(awk '$1 == "repos_detail_reads" {print $4}' "$work/pane.txt" | tr -d '(')")"
row "Tags pane: first rows on screen" "$(pane tags_first_rows_ms) ms" "" "" "<= 300 ms: $(check "$(pane tags_first_rows_ms) <= 300")"
row "Tags pane: all 100,000 rows" "$(pane tags_all_rows_ms) ms, $(pane tags_page_requests) pages, $(pane tags_401) answered 401" "plain loop ${plain_tags} s" "$(ratio "$(pane tags_all_rows_ms)" "$(python3 -c "print(1000 * $plain_tags)")")" "<= 1.3x: $(check "$(pane tags_all_rows_ms) <= 1300 * $plain_tags")"
row "Tags pane: peak resident memory" "$(pane tags_peak_rss_mib) MiB" "" "" "<= 150 MiB: $(check "$(pane tags_peak_rss_mib) <= 150")"
row "Tags pane: cursor key while pages arrive" "$(pane_line tags_key_while_reading_ms)" "" "" "<= 33 ms: $(check "$(pane tags_key_while_reading_ms) <= 33")"
row "Tags pane: cursor key after" "$(pane_line tags_key_after_ms)" "" "" "<= 33 ms: $(check "$(pane tags_key_after_ms) <= 33")"
row "Tags pane: filter keystroke over 100,000 rows" "$(pane_line tags_filter_keystroke_ms)" "" "" "<= 33 ms: $(check "$(pane tags_filter_keystroke_ms) <= 33")"
row "Tags pane: sort by name" "$(pane tags_sort_ms) ms" "" "" "<= 33 ms: $(check "$(pane tags_sort_ms) <= 33")"
row "Tags pane left open ${idle} s (refresh interval 120 s)" "$(pane idle_tag_page_requests) tag page requests, CPU $(pane idle_cpu_percent) %" "" "" "<= 1 page per interval: $(check "$(pane idle_tag_page_requests) <= $idle // 120 + 1")"
echo
echo "Key times are read back from the pseudo-terminal (the frame on screen), polled every millisecond."
