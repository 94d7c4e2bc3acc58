#!/usr/bin/env bash
# Builds everything a release ships into dist/out/, from a clean checkout of one commit:
#
#   acrdeck-VERSION-x86_64-linux-gnu.tar.gz      binary, man page, completions, docs, install.sh
#   acrdeck_VERSION-1_amd64.deb                  for Debian and Ubuntu (cargo-deb)
#   acrdeck-VERSION-1.x86_64.rpm                 for RHEL, Alma, Rocky, SUSE (cargo-generate-rpm)
#   acrdeck-VERSION-x86_64-linux-gnu.debug       the binary's debug info, for symbolising crashes
#   acrdeck-VERSION.cdx.json                     CycloneDX SBOM of what the binary is built from
#   SHA256SUMS                                   over every file above
#
#   dist/build.sh                   build, check the binary (dist/check-binary.sh), print the table
#   dist/build.sh --reproducible    also build the same commit again in a fresh clone and
#                                   target folder, and fail unless the binaries are identical
#
# The binary is portable: built by cargo-zigbuild against glibc 2.17 (RHEL/Alma 7 and later,
# Ubuntu 16.04+, Debian 9+), with rustls for TLS and no OpenSSL. Reproducible: locked
# dependencies, SOURCE_DATE_EPOCH from the commit, paths remapped so neither the checkout's
# location nor the cargo home reaches the binary.
#
# Tools (installed when missing, pinned): ziglang and cargo-zigbuild from PyPI; cargo-deb,
# cargo-generate-rpm and cargo-cyclonedx from crates.io into dist/target/tools. Measured on
# this project's 2-core machines (2026-12-07), from a clean clone: the build 303 s, packaging
# and SBOM under a minute, --reproducible's second build 316 s; 746 s in all with one of the
# three tools compiled on the way. Each tool compiled the first time adds a minute or two.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

TARGET=x86_64-unknown-linux-gnu
GLIBC=2.17
ZIGLANG=0.17.1
CARGO_ZIGBUILD=0.24.1
CARGO_DEB=3.8.0
CARGO_GENERATE_RPM=0.21.1
CARGO_CYCLONEDX=0.5.9

reproducible=false
for arg in "$@"; do
  case "$arg" in
    --reproducible) reproducible=true ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "dist/build.sh: unknown argument $arg (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '== %s\n' "$*"; }
work="$root/dist/target"
out="$root/dist/out"
stage="$work/stage"
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"

# --- the commit -------------------------------------------------------------------------------
if [ -n "$(git status --porcelain --untracked-files=no)" ] && [ -z "${ACRDECK_DIST_ALLOW_DIRTY:-}" ]; then
  echo "dist/build.sh: the work tree has uncommitted changes; a release is built from a commit" >&2
  echo "  (commit or stash them, or set ACRDECK_DIST_ALLOW_DIRTY=1 for a trial build)" >&2
  exit 1
fi
commit="$(git rev-parse HEAD)"
export SOURCE_DATE_EPOCH="$(git log -1 --format=%ct)"
export ACRDECK_GIT_COMMIT="$commit"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | sed -n 1p)"
base="acrdeck-$version-x86_64-linux-gnu"
say "acrdeck $version at ${commit:0:12}, SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH"

# --- tools ------------------------------------------------------------------------------------
say "tools"
# (Output read whole first: with pipefail, grep -q closing the pipe early fails the pipeline.)
pip_has() { local shown; shown="$(python3 -m pip show "$1" 2>/dev/null || true)"; grep -qx "Version: $2" <<< "$shown"; }
if ! pip_has ziglang "$ZIGLANG" || ! pip_has cargo-zigbuild "$CARGO_ZIGBUILD"; then
  python3 -m pip install --quiet --disable-pip-version-check "ziglang==$ZIGLANG" "cargo-zigbuild==$CARGO_ZIGBUILD"
fi
export PATH="$work/tools/bin:$PATH"
cargo_tool() { # crate version cargo-subcommand
  local has; has="$(cargo "$3" --version 2>/dev/null || true)"
  if ! grep -q " $2\$" <<< "$has"; then
    cargo install --quiet --locked --version "$2" --root "$work/tools" "$1"
  fi
}
cargo_tool cargo-deb "$CARGO_DEB" deb
cargo_tool cargo-generate-rpm "$CARGO_GENERATE_RPM" generate-rpm
cargo_tool cargo-cyclonedx "$CARGO_CYCLONEDX" cyclonedx
echo "zig $(python3 -m ziglang version), $(cargo-zigbuild --version), cargo-deb $(cargo deb --version | cut -d" " -f2), $(cargo generate-rpm --version), $(cargo cyclonedx --version)"

# --- the binary -------------------------------------------------------------------------------
# build SOURCE_DIR TARGET_DIR: the release binary of SOURCE_DIR, built into TARGET_DIR.
build() {
  local src="$1" tdir="$2"
  local maps="--remap-path-prefix=$src=/build/acrdeck --remap-path-prefix=$CARGO_HOME=/cargo --remap-path-prefix=$tdir=/build/target"
  local cmaps="-ffile-prefix-map=$src=/build/acrdeck -ffile-prefix-map=$CARGO_HOME=/cargo -ffile-prefix-map=$tdir=/build/target"
  (
    cd "$src"
    # RUSTFLAGS with --target reach the binary's crates, not build scripts; CFLAGS reach the C
    # compiled for the target (aws-lc).
    CARGO_TARGET_DIR="$tdir" \
      RUSTFLAGS="$maps" \
      CFLAGS_x86_64_unknown_linux_gnu="$cmaps" \
      CARGO_INCREMENTAL=0 \
      cargo zigbuild --quiet --release --locked --target "$TARGET.$GLIBC"
  )
  echo "$tdir/$TARGET/release/acrdeck"
}

say "build the portable binary (cargo zigbuild, glibc $GLIBC)"
started=$SECONDS
bin="$(build "$root" "$work/cargo")"
echo "built in $((SECONDS - started)) s"

rm -rf "$stage" "$out"
mkdir -p "$stage/completions" "$out"
# The debug info and symbols go to their own file, kept off the jump box; the shipped binary
# names it (.gnu_debuglink), so gdb and addr2line symbolise a crash with it beside the binary.
objcopy --only-keep-debug --compress-debug-sections=zlib "$bin" "$out/$base.debug"
objcopy --strip-all --add-gnu-debuglink="$out/$base.debug" "$bin" "$stage/acrdeck"
chmod 755 "$stage/acrdeck"
touch -d "@$SOURCE_DATE_EPOCH" "$stage/acrdeck"

say "check the binary"
dist/check-binary.sh "$stage/acrdeck"
"$stage/acrdeck" --version

# --- man page, completions, docs --------------------------------------------------------------
"$stage/acrdeck" man | gzip -9n > "$stage/acrdeck.1.gz"
"$stage/acrdeck" completions bash > "$stage/completions/acrdeck"
"$stage/acrdeck" completions zsh > "$stage/completions/_acrdeck"
"$stage/acrdeck" completions fish > "$stage/completions/acrdeck.fish"
gzip -9n < CHANGELOG.md > "$stage/changelog.gz"
# Debian wants its own changelog beside the upstream one: one entry for this build.
maintainer="$(sed -n 's/^maintainer = "\(.*\)"$/\1/p' Cargo.toml | sed -n 1p)"
{
  printf 'acrdeck (%s-1) unstable; urgency=medium\n\n' "$version"
  printf '  * Built from commit %s; changelog.gz says what changed.\n\n' "${commit:0:12}"
  printf ' -- %s  %s\n' "$maintainer" "$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n > "$stage/changelog.Debian.gz"
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# --- packages ---------------------------------------------------------------------------------
say "packages"
cargo deb --no-build --no-strip --quiet --target "$TARGET" --output "$out/acrdeck_${version}-1_amd64.deb" >/dev/null
cargo generate-rpm --target "$TARGET" --target-dir "$work/cargo" --source-date "$SOURCE_DATE_EPOCH" \
  --payload-compress xz --output "$out/acrdeck-${version}-1.x86_64.rpm"

tree="$work/tar/$base"
rm -rf "$work/tar"
mkdir -p "$tree/bin" "$tree/share/man/man1" "$tree/share/bash-completion/completions" \
  "$tree/share/zsh/site-functions" "$tree/share/fish/vendor_completions.d" "$tree/share/doc/acrdeck"
cp "$stage/acrdeck" "$tree/bin/"
cp "$stage/acrdeck.1.gz" "$tree/share/man/man1/"
cp "$stage/completions/acrdeck" "$tree/share/bash-completion/completions/"
cp "$stage/completions/_acrdeck" "$tree/share/zsh/site-functions/"
cp "$stage/completions/acrdeck.fish" "$tree/share/fish/vendor_completions.d/"
cp assets/config.example.toml README.md CHANGELOG.md LICENSE "$tree/share/doc/acrdeck/"
cp dist/install.sh LICENSE "$tree/"
chmod 755 "$tree/install.sh" "$tree/bin/acrdeck"
chmod 644 "$tree"/share/*/*/* "$tree"/share/man/man1/* "$tree"/share/doc/acrdeck/* "$tree/LICENSE" 2>/dev/null || true
find "$tree" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
  -C "$work/tar" -cf - "$base" | gzip -9n > "$out/$base.tar.gz"

# --- provenance -------------------------------------------------------------------------------
say "SBOM"
cargo cyclonedx --quiet --format json --spec-version 1.5 --target "$TARGET" --no-build-deps \
  --override-filename "acrdeck.cdx"
mv acrdeck.cdx.json "$out/acrdeck-$version.cdx.json"

(cd "$out" && sha256sum -- *.tar.gz *.deb *.rpm *.debug *.cdx.json > SHA256SUMS)

if $reproducible; then
  say "reproducible: the same commit again, in a fresh clone and target folder"
  again="$(mktemp -d "${TMPDIR:-/tmp}/acrdeck-again.XXXXXX")"
  git clone --quiet --no-local "$root" "$again/src"
  git -C "$again/src" checkout --quiet "$commit"
  started=$SECONDS
  bin2="$(build "$again/src" "$again/target")"
  echo "built again in $((SECONDS - started)) s"
  first="$(sha256sum < "$bin" | cut -d' ' -f1)"
  second="$(sha256sum < "$bin2" | cut -d' ' -f1)"
  echo "first:  $first  $bin"
  echo "second: $second  $bin2"
  if [ "$first" != "$second" ]; then
    echo "FAIL the two builds of $commit differ" >&2
    exit 1
  fi
  echo "ok   identical"
  rm -rf "$again"
fi

say "dist/out"
(cd "$out" && for f in *; do
  printf '%-48s %10s  %s\n' "$f" "$(du -h --apparent-size "$f" | cut -f1)" \
    "$(grep -F "  $f" SHA256SUMS | cut -c1-16 || true)"
done)
