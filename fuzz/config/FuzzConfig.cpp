//===- FuzzConfig.cpp - libFuzzer target: config.json ---------------------===//
//
// Any bytes as a CALM config.json and as an autoencoder config.json: each
// is refused with one error line or yields sizes within the limits; when
// both parse, their agreement is checked and, for small layer counts, the
// checkpoint layouts are derived (as openCALMCheckpoint does once the layer
// counts are bounded by the tensors in the checkpoint).
//
//===----------------------------------------------------------------------===//

#include "io/Config.h"

#include <cstddef>
#include <cstdint>

using namespace calm::runtime;

static void checkOneLine(llvm::Error error) {
  if (!error)
    return;
  if (llvm::toString(std::move(error)).find('\n') != std::string::npos)
    __builtin_trap();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  auto calm = parseCALMConfig(text, "config.json");
  auto ae = parseAutoencoderConfig(text, "ae/config.json");
  if (!calm || !ae) {
    checkOneLine(calm ? llvm::Error::success() : calm.takeError());
    checkOneLine(ae ? llvm::Error::success() : ae.takeError());
    return 0;
  }
  for (int64_t v : {calm->vocabSize, calm->hiddenSize, calm->intermediateSize,
                    calm->numHiddenLayers, calm->patchSize, calm->latentSize,
                    ae->hiddenSize, ae->numEncoderLayers})
    if (v <= 0 || v > kMaxConfigSize)
      __builtin_trap();
  if (llvm::Error e =
          checkCompatible(*calm, *ae, "config.json", "ae/config.json")) {
    checkOneLine(std::move(e));
    return 0;
  }
  // Small layer counts only: the runtime bounds them by the checkpoint's
  // tensor count before it lists the layout (Checkpoint.cpp).
  if (calm->numHiddenLayers + calm->numMLPLayers <= 64 &&
      ae->numEncoderLayers + ae->numDecoderLayers <= 64) {
    size_t n = getCALMLayout(*calm).size() +
               getAutoencoderLayout(*ae, "ae_model.").size();
    volatile size_t sink = n;
    (void)sink;
  }
  return 0;
}
