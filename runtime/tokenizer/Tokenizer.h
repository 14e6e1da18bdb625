//===- Tokenizer.h - Hugging Face byte-level BPE tokenizer ------*- C++ -*-===//
//
// Reads a Hugging Face tokenizer.json with a byte-level BPE model (GPT-2,
// Llama 3, the shipped calm-tiny) and encodes text to token ids and back.
//
// Encoding follows the Hugging Face pipeline:
//   1. added tokens (e.g. <|endoftext|>) found in the text are split out
//      first, leftmost-longest, and map to their ids directly;
//   2. the text between them is split into pre-tokens by the pre-tokenizer's
//      regex (Llama 3's Split pattern, or GPT-2's ByteLevel pattern), matched
//      with PCRE2 in UTF + UCP mode so that \p{L}, \p{N} and \s are Unicode
//      aware like the reference engines;
//   3. each pre-token's bytes go through BPE: lowest merge rank first,
//      leftmost among equal ranks (or the whole pre-token directly when it
//      is in the vocabulary and the model sets ignore_merges).
// No post-processor runs: encode() never adds <|begin_of_text|> or other
// template tokens; callers add them with tokenId().
//
// Bytes that are not valid UTF-8 (RFC 3629: no overlong forms, surrogates or
// code points above U+10FFFF) cannot be given to a UTF-8 regex. encode()
// splits the text into maximal valid runs, matches the regex inside each run
// only, and makes every invalid byte a pre-token of its own, which BPE maps
// to that byte's token. Every byte has a token (load() checks it), so
// decode(encode(x)) == x for arbitrary bytes.
//
// Every load defect is one llvm::Error line naming the file and the key.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_TOKENIZER_TOKENIZER_H
#define CALM_RUNTIME_TOKENIZER_TOKENIZER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace calm::runtime {

class Tokenizer {
public:
  /// Reads and validates `path` (a tokenizer.json).
  static llvm::Expected<Tokenizer> load(llvm::StringRef path);
  /// The same on a tokenizer.json already in memory (the fuzzer's entry
  /// point); `path` only names it in errors.
  static llvm::Expected<Tokenizer> parse(llvm::StringRef json,
                                         llvm::StringRef path);

  Tokenizer(Tokenizer &&) noexcept;
  Tokenizer &operator=(Tokenizer &&) noexcept;
  ~Tokenizer();

  /// Token ids of `text` (arbitrary bytes). With `parseSpecialTokens` false,
  /// special added tokens in the text are encoded as ordinary text (like
  /// Hugging Face's split_special_tokens); non-special added tokens are
  /// always split out. Thread-safe: a const method with no shared state.
  std::vector<int32_t> encode(llvm::StringRef text,
                              bool parseSpecialTokens = true) const;

  /// The bytes of `ids` concatenated: vocabulary tokens through the
  /// byte-level alphabet, added tokens as their content. An id outside
  /// [0, vocabSize()) or one that names no token is an error.
  llvm::Expected<std::string> decode(llvm::ArrayRef<int32_t> ids) const;

  /// One more than the largest id, added tokens included.
  int32_t vocabSize() const;
  /// The most bytes one token stands for: a text of N bytes encodes to at
  /// least N / maxTokenBytes() tokens, which bounds a prompt before encoding.
  size_t maxTokenBytes() const;
  /// The id of an added token's content (e.g. "<|endoftext|>") or of a
  /// vocabulary token as spelled in the file; std::nullopt if none.
  std::optional<int32_t> tokenId(llvm::StringRef token) const;
  /// Whether `id` is an added token marked "special".
  bool isSpecial(int32_t id) const;
  llvm::StringRef getPath() const;

private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

} // namespace calm::runtime

#endif // CALM_RUNTIME_TOKENIZER_TOKENIZER_H
