//===- FuzzTokenizerLoad.cpp - libFuzzer target: tokenizer.json -----------===//
//
// Any bytes as a tokenizer.json: refused with one error line, or a tokenizer
// that encodes a fixed text and decodes it back to the same bytes (every
// loaded tokenizer has a token for each byte, so the round trip must hold).
//
//===----------------------------------------------------------------------===//

#include "tokenizer/Tokenizer.h"

#include <cstddef>
#include <cstdint>

using namespace calm::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  auto tokenizer = Tokenizer::parse(text, "tokenizer.json");
  if (!tokenizer) {
    if (llvm::toString(tokenizer.takeError()).find('\n') != std::string::npos)
      __builtin_trap();
    return 0;
  }
  static const char kSample[] =
      "Call me Ishmael. <|endoftext|> 12345  \t\n caf\xc3\xa9 \xff\xfe";
  llvm::StringRef sample(kSample, sizeof(kSample) - 1);
  for (bool special : {true, false}) {
    std::vector<int32_t> ids = tokenizer->encode(sample, special);
    for (int32_t id : ids)
      if (id < 0 || id >= tokenizer->vocabSize())
        __builtin_trap();
    llvm::Expected<std::string> back = tokenizer->decode(ids);
    if (!back) {
      // An added token may repeat a vocabulary token's text; decode never
      // fails on ids that encode produced.
      llvm::consumeError(back.takeError());
      __builtin_trap();
    }
    if (*back != sample)
      __builtin_trap();
  }
  return 0;
}
