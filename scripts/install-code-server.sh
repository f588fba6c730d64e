#!/usr/bin/env bash
# Installs code-server (VS Code 1.100.3 in a browser, run by this machine's Node 20) into .e2e/code-server/
# for `npm start` and the end-to-end tests. Idempotent: it does nothing when that exact version is installed.
# It is not a package.json dependency on purpose: its install builds native modules (node-pty, spdlog,
# kerberos…) and needs compilers and Debian packages that a plain `npm install` must not need.
#
# Needs (Debian): build-essential python3 pkg-config libkrb5-dev, and ripgrep so that nothing is
# downloaded from GitHub (.ci/run installs them). It never runs apt-get itself: it says what is missing.
# Takes about 2 minutes on 2 cores, ~300 MB.
set -euo pipefail

VERSION=4.100.3
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${ALEMBIC_CODE_SERVER_DIR:-$ROOT/.e2e/code-server}
MARKER="$DIR/.installed-$VERSION"
ENTRY="$DIR/node_modules/code-server/out/node/entry.js"
# shellcheck source=lib/install-hint.sh
source "$ROOT/scripts/lib/install-hint.sh"

if [ -f "$MARKER" ] && [ -f "$ENTRY" ]; then
  exit 0
fi

# What is missing, and the Debian package of each (only those are offered for installation).
missing=()
packages=()
need() { missing+=("$1"); [[ " ${packages[*]} " == *" $2 "* ]] || packages+=("$2"); }
for tool in make c++; do command -v "$tool" >/dev/null || need "$tool" build-essential; done
command -v python3 >/dev/null || need python3 python3
command -v pkg-config >/dev/null || need pkg-config pkg-config
[ -f /usr/include/gssapi/gssapi.h ] || [ -f /usr/include/gssapi.h ] || need "krb5 headers" libkrb5-dev
if [ ${#missing[@]} -gt 0 ]; then
  command -v rg >/dev/null || packages+=(ripgrep) # optional: saves a download from GitHub
  echo "install-code-server: missing ${missing[*]}." >&2
  echo "  $(install_hint "${packages[@]}")" >&2
  exit 1
fi

echo "Installing code-server $VERSION into ${DIR#$ROOT/} (first time only, about 2 minutes)…"
rm -rf "$DIR"
mkdir -p "$DIR/tmp"
cd "$DIR"
echo '{ "name": "alembic-e2e-code-server", "private": true }' > package.json

# @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache (under $TMPDIR) has it:
# seed the cache with Debian's rg (the same 13.0.0) when there is one.
export TMPDIR="$DIR/tmp"
if command -v rg >/dev/null; then
  RG_CACHE="$TMPDIR/vscode-ripgrep-cache-1.15.11"
  mkdir -p "$RG_CACHE" "$TMPDIR/rg"
  cp "$(command -v rg)" "$TMPDIR/rg/rg"
  tar czf "$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$TMPDIR/rg" rg
fi

# Node headers for node-gyp: the ones installed beside this node, if any (else node-gyp downloads them).
NODE_PREFIX=$(dirname "$(dirname "$(node -p process.execPath)")")
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$NODE_PREFIX/include/node/common.gypi" ]; then
  export npm_config_nodedir="$NODE_PREFIX"
fi

# unsafe_perm: code-server's own install check when run as root; yes: node-pty's postinstall runs `npx node-gyp`.
npm_config_unsafe_perm=true npm_config_yes=true npm_config_fund=false npm_config_audit=false \
  npm install --save-exact --no-package-lock code-server@$VERSION --foreground-scripts --loglevel=error

[ -f "$ENTRY" ] || { echo "install-code-server: $ENTRY is missing after the install" >&2; exit 1; }
rm -rf "$TMPDIR"
touch "$MARKER"
echo "code-server $VERSION installed."
