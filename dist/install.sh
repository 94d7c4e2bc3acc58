#!/bin/sh
# Installs acrdeck from this unpacked archive into a prefix, without root.
#
#   ./install.sh                    # into ~/.local (bin, share/man, completions)
#   ./install.sh --prefix /opt/acrdeck
#   ./install.sh --prefix "$HOME/.local" --uninstall
#
# An upgrade is the same command with the newer archive: every file is replaced, the
# configuration (~/.config/acrdeck) and state (~/.local/state/acrdeck) are not touched.
set -eu

here="$(cd "$(dirname "$0")" && pwd)"
prefix="${HOME:-}/.local"
uninstall=false
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --uninstall) uninstall=true; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$prefix" ] || [ "$prefix" = "/.local" ]; then
  echo "install.sh: no home directory: give --prefix DIR" >&2
  exit 2
fi

# What the archive holds, relative to its top, and where each goes under the prefix.
files="
bin/acrdeck
share/man/man1/acrdeck.1.gz
share/bash-completion/completions/acrdeck
share/zsh/site-functions/_acrdeck
share/fish/vendor_completions.d/acrdeck.fish
share/doc/acrdeck/config.example.toml
share/doc/acrdeck/README.md
share/doc/acrdeck/CHANGELOG.md
share/doc/acrdeck/LICENSE
"

if $uninstall; then
  for f in $files; do rm -f "$prefix/$f"; done
  rmdir "$prefix/share/doc/acrdeck" 2>/dev/null || true
  echo "removed acrdeck from $prefix (configuration and state left in place)"
  exit 0
fi

for f in $files; do
  [ -f "$here/$f" ] || { echo "install.sh: $here/$f is missing: unpack the whole archive" >&2; exit 1; }
done
for f in $files; do
  mode=644
  [ "$f" = bin/acrdeck ] && mode=755
  mkdir -p "$prefix/$(dirname "$f")"
  # Through a temporary name, so a running acrdeck keeps its old file and an interrupted
  # copy never leaves half a binary under the real name.
  cp "$here/$f" "$prefix/$f.new.$$"
  chmod "$mode" "$prefix/$f.new.$$"
  mv -f "$prefix/$f.new.$$" "$prefix/$f"
done

echo "installed $("$prefix/bin/acrdeck" --version | sed -n 1p) into $prefix"
case ":${PATH:-}:" in
  *":$prefix/bin:"*) ;;
  *) echo "add $prefix/bin to PATH, e.g.: echo 'export PATH=\"$prefix/bin:\$PATH\"' >> ~/.profile" ;;
esac
echo "man page: MANPATH=\"$prefix/share/man:\$(manpath 2>/dev/null)\" man acrdeck"
echo "first run: acrdeck --demo"
