#!/usr/bin/env bash
# Proves a binary is portable to older Linux jump boxes (RHEL/Alma 7 and later): the highest
# GLIBC_ symbol version it needs is at most 2.17, and it needs no shared library but the C
# library's own and libgcc_s (no libssl, no libcrypto, nothing from /usr/local).
#
#   dist/check-binary.sh PATH/TO/acrdeck
#
# Exit 0 and a summary when it holds; exit 1 naming what breaks it.
set -euo pipefail

bin="${1:?usage: dist/check-binary.sh BINARY}"
max_glibc="${ACRDECK_MAX_GLIBC:-2.17}"
allowed='^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|libgcc_s\.so\.1|ld-linux-x86-64\.so\.2)$'

fail=0
# Every version of glibc the dynamic symbols ask for, highest last.
versions="$(objdump -T "$bin" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -u -V)"
highest="$(printf '%s\n' "$versions" | tail -n1)"
if [ -z "$highest" ]; then
  echo "FAIL $bin: no GLIBC_ symbol versions found (is it a dynamically linked glibc binary?)"
  fail=1
elif [ "$(printf '%s\n%s\n' "$highest" "$max_glibc" | sort -V | tail -n1)" != "$max_glibc" ]; then
  echo "FAIL $bin needs GLIBC_$highest, more than $max_glibc; the symbols asking for more:"
  objdump -T "$bin" | grep -E "GLIBC_($(printf '%s\n' "$versions" | awk -v m="$max_glibc" 'BEGIN{split(m,a,".")} {split($0,b,"."); if (b[1]>a[1] || (b[1]==a[1] && b[2]>a[2])) print}' | sed 's/\./\\./g' | paste -sd'|'))" | sed -n "1,20s/^/  /p"
  fail=1
else
  echo "ok   highest glibc symbol version: GLIBC_$highest (at most $max_glibc)"
fi

needed="$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
bad="$(printf '%s\n' "$needed" | grep -Ev "$allowed" || true)"
if [ -n "$bad" ]; then
  echo "FAIL $bin needs shared libraries beyond the C library's: $(printf '%s ' $bad)"
  fail=1
else
  echo "ok   shared libraries needed: $(printf '%s ' $needed)"
fi
if command -v ldd >/dev/null 2>&1; then
  # What this machine's loader would load: nothing but the C library's own files.
  resolved="$(ldd "$bin" 2>&1 || true)"
  if printf '%s\n' "$resolved" | grep -Eqi 'libssl|libcrypto|not found'; then
    echo "FAIL ldd $bin:"; printf '%s\n' "$resolved" | sed 's/^/  /'
    fail=1
  else
    echo "ok   ldd: $(printf '%s\n' "$resolved" | awk '{print $1}' | paste -sd' ')"
  fi
fi
sections="$(readelf -S "$bin")"
if grep -q '\.debug_info' <<< "$sections"; then
  echo "FAIL $bin still carries debug info (strip it into the .debug file)"
  fail=1
fi
exit "$fail"
