#!/usr/bin/env bash
# Tests what dist/build.sh made in dist/out, as a jump box would meet it:
#
#   - SHA256SUMS verifies every artifact;
#   - the .deb (dpkg-deb -x), the .rpm (rpm2cpio | cpio) and the tarball (its install.sh into a
#     prefix, as a user without root) are each unpacked into a fresh folder, and from each the
#     installed binary prints its version (this commit), passes `doctor --demo`, starts the
#     emulator and lists registries and tags against it over HTTPS on loopback, signing in with
#     the secret and with a PKCS#12 certificate; all of it with no home directory (config and
#     state named by flag and environment);
#   - the .deb puts the man page and bash completion where man and bash-completion look, and
#     lintian finds no error or warning in it; `rpm -qip` shows the package's fields;
#   - the portable binary runs under Debian 11's glibc 2.31 (older than the 2.34 an ordinary
#     build needs), loaded from Debian's own libc6 package; the symbol check (dist/check-binary.sh)
#     is the proof for 2.17, which Debian's archive no longer serves.
#
#   dist/test.sh            exit 0 when every check holds, 1 naming the first that does not
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
out="$root/dist/out"
work="$(mktemp -d "${TMPDIR:-/tmp}/acrdeck-dist-test.XXXXXX")"
emulator_pid=""
cleanup() {
  [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '== %s\n' "$*"; }
ok() { printf 'ok   %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*" >&2; exit 1; }

[ -f "$out/SHA256SUMS" ] || fail "no $out/SHA256SUMS: run dist/build.sh first"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | sed -n 1p)"
commit="$(git rev-parse HEAD)"
base="acrdeck-$version-x86_64-linux-gnu"
deb="$out/acrdeck_${version}-1_amd64.deb"
rpm="$out/acrdeck-${version}-1.x86_64.rpm"
tarball="$out/$base.tar.gz"

say "checksums"
(cd "$out" && sha256sum --check --quiet SHA256SUMS) || fail "SHA256SUMS does not verify"
for f in "$deb" "$rpm" "$tarball" "$out/$base.debug" "$out/acrdeck-$version.cdx.json"; do
  grep -q "  $(basename "$f")\$" "$out/SHA256SUMS" || fail "SHA256SUMS does not cover $(basename "$f")"
done
ok "SHA256SUMS verifies $(wc -l < "$out/SHA256SUMS") artifacts"
python3 - "$out/acrdeck-$version.cdx.json" <<'EOF' || fail "the SBOM is not the binary's CycloneDX bill of materials"
import json, sys
bom = json.load(open(sys.argv[1]))
assert bom["bomFormat"] == "CycloneDX", bom.get("bomFormat")
names = {c["name"] for c in bom["components"]}
for crate in ("rustls", "tokio", "ratatui", "azure_identity", "p12-keystore"):
    assert crate in names, f"{crate} missing"
for absent in ("openssl", "openssl-sys", "criterion", "insta"):
    assert absent not in names, f"{absent} listed"
print(f"ok   SBOM: CycloneDX {bom['specVersion']}, {len(names)} components, no OpenSSL, no dev-dependencies")
EOF

say "unpack"
mkdir -p "$work/deb" "$work/rpm" "$work/tar"
dpkg-deb -x "$deb" "$work/deb"
# rpm2cpio writes the whole archive but exits 1 on packages made by the rpm crate (their
# payload-size header is not the figure rpm2cpio compares with), so its status is not the test:
# cpio's is, the files are compared with what `rpm -i` installs into a fresh root, and every
# binary is run below.
(cd "$work/rpm" && { rpm2cpio "$rpm" || true; } | cpio -idm --quiet) || fail "the .rpm does not unpack"
if command -v rpm >/dev/null 2>&1; then
  rpm -K "$rpm" > "$work/rpm-k.txt" 2>&1 || fail "rpm -K: $(cat "$work/rpm-k.txt")"
  rpm --root "$work/rpm-root" --nodeps --noscripts -i "$rpm" 2> "$work/rpm-i.txt" \
    || fail "rpm -i into a fresh root: $(cat "$work/rpm-i.txt")"
  diff -r "$work/rpm/usr" "$work/rpm-root/usr" > "$work/rpm-diff.txt" || fail "rpm2cpio and rpm -i differ: $(cat "$work/rpm-diff.txt")"
  ok "rpm -K: digests OK; rpm -i into a fresh root installs the files rpm2cpio unpacked"
elif [ "${CI:-}" = true ]; then
  fail "rpm is not installed (.ci/run installs it)"
fi
tar -xzf "$tarball" -C "$work/tar"
env -i PATH=/usr/bin:/bin "$work/tar/$base/install.sh" --prefix "$work/tar/prefix" > "$work/install.log" \
  || fail "install.sh: $(cat "$work/install.log")"
ok "deb, rpm and tarball unpacked; install.sh into a prefix without a home: $(head -n1 "$work/install.log")"

# check_binary NAME PATH: version, doctor --demo, and listings against the emulator it starts.
check_installed() {
  local name="$1" bin="$2" state="$work/state-$1"
  mkdir -p "$state"
  # No HOME, no XDG variables: everything is named by flag or ACRDECK_STATE_DIR.
  local run=(env -i PATH=/usr/bin:/bin ACRDECK_STATE_DIR="$state")
  # (Outputs read whole before grep: with pipefail, grep -q closing a pipe early fails it.)
  local said
  said="$("${run[@]}" "$bin" --version)"
  grep -q "commit:  $commit" <<< "$said" || fail "$name: --version does not name $commit: $said"
  said="$("${run[@]}" "$bin" version --output json)"
  grep -q "\"commit\": \"$commit\"" <<< "$said" || fail "$name: version --output json does not name $commit"
  "${run[@]}" "$bin" doctor --demo > "$state/doctor.txt" 2>&1 || fail "$name: doctor --demo: $(cat "$state/doctor.txt")"
  "${run[@]}" "$bin" emulator --state-dir "$state/emu" > "$state/ready.json" 2> "$state/emulator.log" &
  emulator_pid=$!
  for _ in $(seq 1 300); do
    [ -s "$state/ready.json" ] && break
    kill -0 "$emulator_pid" 2>/dev/null || fail "$name: the emulator stopped: $(cat "$state/emulator.log")"
    sleep 0.1
  done
  [ -s "$state/ready.json" ] || fail "$name: the emulator printed no ready line within 30 s"
  local config
  config="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"])' "$state/ready.json")"
  "${run[@]}" "$bin" --config "$config" registries --output json > "$state/registries.json" \
    || fail "$name: registries against the emulator"
  grep -q '"name": "contosoprod"' "$state/registries.json" || fail "$name: contosoprod not listed"
  "${run[@]}" "$bin" --config "$config" tags contosodev/apps/web > "$state/tags.txt" \
    || fail "$name: tags against the emulator"
  grep -q "1.6.0" "$state/tags.txt" || fail "$name: tag 1.6.0 not listed"
  # Certificate sign-in (no OpenSSL in the binary): the emulator's principal certificate as a
  # PKCS#12 file with a password, as `az ad sp create-for-rbac --create-cert` output exported.
  local pem pfx
  pem="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["certificate"])' "$state/ready.json")"
  pfx="$state/principal.pfx"
  openssl pkcs12 -export -in "$pem" -inkey "$pem" -out "$pfx" -passout pass:jumpbox 2>/dev/null \
    || fail "$name: openssl could not make a PKCS#12 file"
  chmod 600 "$pfx"
  sed -e 's/^method = "client-secret"$/method = "client-certificate"/' \
    -e "s|^client_secret_file = .*|certificate_file = \"$pfx\"\ncertificate_password_env = \"PFX_PASSWORD\"|" \
    "$config" > "$state/certificate.toml"
  chmod 600 "$state/certificate.toml"
  grep -q 'method = "client-certificate"' "$state/certificate.toml" || fail "$name: the config was not switched to the certificate"
  "${run[@]}" PFX_PASSWORD=jumpbox "$bin" --config "$state/certificate.toml" registries --output json > "$state/by-certificate.json" \
    || fail "$name: registries with certificate sign-in"
  grep -q '"name": "contosoprod"' "$state/by-certificate.json" || fail "$name: contosoprod not listed with the certificate"
  kill "$emulator_pid"; wait "$emulator_pid" 2>/dev/null || true; emulator_pid=""
  ok "$name: --version names ${commit:0:12}; doctor --demo passes; registries and tags listed against the emulator, by secret and by a PKCS#12 certificate"
}

say "run what each package installed"
check_installed deb "$work/deb/usr/bin/acrdeck"
check_installed rpm "$work/rpm/usr/bin/acrdeck"
check_installed tarball "$work/tar/prefix/bin/acrdeck"
cmp -s "$work/deb/usr/bin/acrdeck" "$work/rpm/usr/bin/acrdeck" && cmp -s "$work/deb/usr/bin/acrdeck" "$work/tar/prefix/bin/acrdeck" \
  || fail "the three packages carry different binaries"
ok "the three packages carry the same binary"
dist/check-binary.sh "$work/deb/usr/bin/acrdeck"

say "where the .deb puts the man page and completions"
completions_dir="$(pkg-config --variable=completionsdir bash-completion 2>/dev/null || echo /usr/share/bash-completion/completions)"
[ -f "$work/deb$completions_dir/acrdeck" ] || fail "no bash completion in $completions_dir (bash-completion's completionsdir)"
registered="$(bash -c "source '$work/deb$completions_dir/acrdeck' && complete -p acrdeck")" \
  || fail "the bash completion does not register for acrdeck"
grep -q acrdeck <<< "$registered" || fail "the bash completion does not register for acrdeck"
ok "bash completion in $completions_dir registers for acrdeck"
[ -f "$work/deb/usr/share/zsh/vendor-completions/_acrdeck" ] || fail "no zsh completion"
[ -f "$work/deb/usr/share/fish/vendor_completions.d/acrdeck.fish" ] || fail "no fish completion"
ok "zsh (vendor-completions) and fish (vendor_completions.d) completions in place"
if command -v man >/dev/null 2>&1; then
  found="$(MANPATH="$work/deb/usr/share/man" man -w acrdeck)" || fail "man does not find acrdeck's page"
  [ "$found" = "$work/deb/usr/share/man/man1/acrdeck.1.gz" ] || fail "man found $found"
  page="$(MANPATH="$work/deb/usr/share/man" MANWIDTH=80 man acrdeck 2>/dev/null)" || fail "the man page does not render"
  grep -q "acrdeck" <<< "$page" || fail "the man page renders empty"
  ok "man finds and renders acrdeck(1) from /usr/share/man/man1"
fi
[ -f "$work/deb/usr/share/doc/acrdeck/config.example.toml" ] && [ -f "$work/deb/usr/share/doc/acrdeck/copyright" ] \
  || fail "the example config or the copyright file is missing from /usr/share/doc/acrdeck"
[ -f "$work/rpm/usr/share/licenses/acrdeck/LICENSE" ] || fail "the rpm has no license file"
ok "example config and license in /usr/share/doc/acrdeck (deb) and /usr/share/licenses (rpm)"

say "package metadata"
if command -v lintian >/dev/null 2>&1; then
  lintian --fail-on error,warning "$deb" > "$work/lintian.txt" 2>&1 || fail "lintian: $(cat "$work/lintian.txt")"
  ok "lintian: no errors or warnings ($(wc -l < "$work/lintian.txt") notes)"
elif [ "${CI:-}" = true ]; then
  fail "lintian is not installed (.ci/run installs it)"
else
  echo "SKIPPED lintian: not installed (apt-get install lintian)"
fi
if command -v rpm >/dev/null 2>&1; then
  rpm -qip "$rpm" > "$work/rpm-info.txt" 2>/dev/null
  for field in Name Version Release Architecture License Summary Description; do
    grep -q "^$field" "$work/rpm-info.txt" || fail "rpm -qip shows no $field"
  done
  requires="$(rpm -qpR "$rpm" 2>/dev/null)"
  grep -q "glibc >= 2.17" <<< "$requires" || fail "the rpm does not require glibc >= 2.17: $requires"
  ok "rpm -qip: $(grep -E '^(Name|Version|License)' "$work/rpm-info.txt" | tr -s ' ' | paste -sd';')"
elif [ "${CI:-}" = true ]; then
  fail "rpm is not installed (.ci/run installs it)"
fi

say "an older glibc"
old="$root/dist/target/glibc-2.31"
# The package's /lib64 link is absolute (to the host's /lib): the loader is taken from its folder.
old_loader() { ls "$old"/root/lib/x86_64-linux-gnu/ld-2.*.so 2>/dev/null | sed -n 1p; }
if [ -z "$(old_loader)" ]; then
  mkdir -p "$old"
  mirror="${ACRDECK_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
  if curl -fsS --max-time 120 "$mirror/dists/bullseye/main/binary-amd64/Packages.xz" -o "$old/Packages.xz"; then
    for pkg in libc6 libgcc-s1; do
      file="$(xz -dc "$old/Packages.xz" | awk -v p="$pkg" '$1=="Package:"{hit=($2==p)} hit && !done && $1=="Filename:"{print $2; done=1}')"
      curl -fsS --max-time 300 "$mirror/$file" -o "$old/$pkg.deb"
      dpkg-deb -x "$old/$pkg.deb" "$old/root"
    done
  fi
fi
if [ -n "$(old_loader)" ]; then
  loader=("$(old_loader)" --library-path "$old/root/lib/x86_64-linux-gnu")
  # (The loader of glibc 2.31 has no --version; its libc says which it is when run.)
  glibc_version="$("${loader[@]}" "$old/root/lib/x86_64-linux-gnu/libc.so.6" | sed -n 's/.*release version \([0-9.]*[0-9]\).*/glibc \1/p')"
  [ -n "$glibc_version" ] || fail "cannot tell which glibc $old holds"
  state="$work/state-old"
  mkdir -p "$state"
  said="$(env -i PATH=/usr/bin:/bin ACRDECK_STATE_DIR="$state" "${loader[@]}" "$work/deb/usr/bin/acrdeck" --version 2>&1)" \
    || fail "the portable binary does not start under $glibc_version: $said"
  grep -q "$commit" <<< "$said" || fail "the portable binary under $glibc_version: $said"
  env -i PATH=/usr/bin:/bin ACRDECK_STATE_DIR="$state" "${loader[@]}" "$work/deb/usr/bin/acrdeck" doctor --demo > "$state/doctor.txt" 2>&1 \
    || fail "doctor --demo under $glibc_version: $(cat "$state/doctor.txt")"
  ok "the portable binary runs --version and doctor --demo under Debian 11's $glibc_version"
  if [ -x target/release/acrdeck ]; then
    if "${loader[@]}" target/release/acrdeck --version > "$state/ordinary.txt" 2>&1; then
      echo "note an ordinary release build also starts under it"
    else
      echo "note an ordinary build (target/release/acrdeck) does not start under it: it asks for $(grep -o 'GLIBC_[0-9.]*[0-9]' "$state/ordinary.txt" | sort -u -V | tail -n1)"
    fi
  fi
elif [ "${CI:-}" = true ]; then
  fail "could not fetch Debian 11's libc6 from the mirror"
else
  echo "SKIPPED older glibc: Debian 11's libc6 could not be fetched; dist/check-binary.sh is the proof"
fi

say "all artifact checks passed"
