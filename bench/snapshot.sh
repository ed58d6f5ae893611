#!/usr/bin/env bash
# Exports a commit (default HEAD) of this repository to a directory and links
# the installed dependencies into it, so a benchmark or soak measures exactly
# that commit, whatever uncommitted edits the working tree holds. The
# workspace packages (@mooring/*) resolve to the export, not to the tree.
#
#   bench/snapshot.sh /tmp/mooring-snapshot [COMMIT]
#   cd /tmp/mooring-snapshot && node --require @backstage/cli/config/nodeTransform.cjs bench/soak.ts
set -euo pipefail
target=${1:?usage: bench/snapshot.sh DIR [COMMIT]}
commit=${2:-HEAD}
root=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$target"
mkdir -p "$target"
git -C "$root" archive "$commit" | tar -x -C "$target"
git -C "$root" rev-parse "$commit" > "$target/.snapshot-commit"
mkdir "$target/node_modules"
for entry in "$root"/node_modules/* "$root"/node_modules/.bin; do
  name=$(basename "$entry")
  [ "$name" = "@mooring" ] && continue
  ln -s "$entry" "$target/node_modules/$name"
done
mkdir "$target/node_modules/@mooring"
for link in "$root"/node_modules/@mooring/*; do
  ln -s "$target/$(readlink "$link" | sed 's#^\.\./\.\./##')" "$target/node_modules/@mooring/$(basename "$link")"
done
for dir in "$root"/plugins/*/node_modules "$root"/packages/*/node_modules; do
  relative=${dir#"$root"/}
  [ -d "$target/$(dirname "$relative")" ] && ln -s "$dir" "$target/$relative"
done
echo "$(cat "$target/.snapshot-commit") exported to $target"
