// The committed tokenizer fixture (test/fixtures/manifest.json, "tokenizer")
// against an independent implementation: the shipped calm-tiny
// tokenizer.json loaded by @lenml/tokenizers (a port of transformers.js's
// tokenizers), not by tools/reference/tokenizer.py, which wrote the fixture.
// Prints one line per case that disagrees and a closing count.
//
//   node fixture-oracle.mjs NODE_MODULES MODEL_DIR MANIFEST
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const [nodeModules, modelDir, manifestPath] = process.argv.slice(2);
if (!manifestPath) {
  console.error("usage: node fixture-oracle.mjs NODE_MODULES MODEL_DIR MANIFEST");
  process.exit(2);
}
const require = createRequire(resolve(nodeModules, "oracle.cjs"));
const { TokenizerLoader } = require("@lenml/tokenizers");
const readJSON = (p) => JSON.parse(readFileSync(p, "utf8"));
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: readJSON(join(modelDir, "tokenizer.json")),
  tokenizerConfig: readJSON(join(modelDir, "tokenizer_config.json")),
});
const cases = readJSON(manifestPath).tokenizer;
let agree = 0;
for (const c of cases) {
  const ids = tokenizer.encode(c.text, { add_special_tokens: false });
  const text = tokenizer.decode(c.ids, { skip_special_tokens: false });
  if (JSON.stringify(ids) !== JSON.stringify(c.ids))
    console.log(`MISMATCH encode ${JSON.stringify(c.text)}: fixture ${c.ids} oracle ${ids}`);
  else if (text !== c.text)
    console.log(`MISMATCH decode ${JSON.stringify(c.ids)}: ${JSON.stringify(text)}`);
  else
    ++agree;
}
console.log(`${agree} of ${cases.length} tokenizer cases agree`);
