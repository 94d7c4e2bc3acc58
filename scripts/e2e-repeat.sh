#!/usr/bin/env bash
# Runs the terminal end-to-end tests (the real binary in a pseudo-terminal) N times in a row and
# counts the runs that failed, to catch a flaky test before it refuses a landing.
#   scripts/e2e-repeat.sh [N]        (default 10)
# Each run's output is kept under target/e2e-repeat/ so a failure can be read afterwards.
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
tests=(e2e_actions e2e_cache e2e_crash e2e_demo e2e_imports e2e_promote e2e_rollout e2e_webhooks_tokens two_person terminal_lifecycle cli hostile_output deadlines)
args=()
for t in "${tests[@]}"; do args+=(--test "$t"); done

cargo test --no-run "${args[@]}" >/dev/null 2>&1 || { echo "the tests do not build"; exit 2; }
out=target/e2e-repeat
mkdir -p "$out"
failed=0
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  if cargo test -q "${args[@]}" >"$out/run-$i.log" 2>&1; then
    echo "run $i/$runs: passed ($(( $(date +%s) - start )) s)"
  else
    failed=$((failed + 1))
    echo "run $i/$runs: FAILED ($(( $(date +%s) - start )) s), see $out/run-$i.log:"
    grep -E "^test .* FAILED|panicked at" "$out/run-$i.log" | head -5 | sed 's/^/    /'
  fi
done
echo "$((runs - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
