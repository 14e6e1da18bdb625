//===- FuzzTokenizerCodec.cpp - libFuzzer target: encode / decode ---------===//
//
// The shipped tokenizer (models/calm-tiny/tokenizer.json, or the file named
// by $CALM_FUZZ_TOKENIZER) on arbitrary bytes: decode(encode(x)) == x with
// special tokens parsed or not, every id in range; and the same bytes read
// as little-endian int32 ids decode or are refused with one error line.
//
//===----------------------------------------------------------------------===//

#include "tokenizer/Tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

using namespace calm::runtime;

static const Tokenizer &tokenizer() {
  static Tokenizer *t = [] {
    const char *path = std::getenv("CALM_FUZZ_TOKENIZER");
    auto loaded = Tokenizer::load(
        path ? path : CALM_SOURCE_DIR "/models/calm-tiny/tokenizer.json");
    if (!loaded) {
      llvm::errs() << llvm::toString(loaded.takeError()) << "\n";
      std::abort();
    }
    return new Tokenizer(std::move(*loaded));
  }();
  return *t;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const Tokenizer &t = tokenizer();
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  // The first byte's low bit picks whether special tokens are parsed (one
  // encode per input halves the cost; both modes are covered).
  bool special = size && (data[0] & 1);
  std::vector<int32_t> ids = t.encode(text, special);
  if (ids.size() > text.size())
    __builtin_trap(); // every token stands for at least one byte
  for (int32_t id : ids)
    if (id < 0 || id >= t.vocabSize())
      __builtin_trap();
  llvm::Expected<std::string> back = t.decode(ids);
  if (!back || *back != text)
    __builtin_trap();
  std::vector<int32_t> raw(size / 4);
  if (!raw.empty())
    std::memcpy(raw.data(), data, raw.size() * 4);
  llvm::Expected<std::string> decoded = t.decode(raw);
  if (!decoded &&
      llvm::toString(decoded.takeError()).find('\n') != std::string::npos)
    __builtin_trap();
  return 0;
}
