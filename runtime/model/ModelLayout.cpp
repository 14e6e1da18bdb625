//===- ModelLayout.cpp - where a model's tensors live ---------------------===//

#include "model/ModelLayout.h"

#include "calm/Dialect/CALM/IR/StageWeights.h"

#include "llvm/Support/FormatVariadic.h"

namespace calm::runtime {

//===----------------------------------------------------------------------===//
// Flat weight layouts
//===----------------------------------------------------------------------===//

int64_t FlatLayout::Entry::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

FlatLayout::FlatLayout(llvm::ArrayRef<TensorSpec> specs, llvm::StringRef buffer)
    : buffer(buffer) {
  for (const TensorSpec &s : specs) {
    Entry e{s.first, s.second, total};
    // 16-float (64-byte) alignment of every tensor keeps vector loads of
    // rows aligned when the row length allows it.
    total += (e.numElements() + 15) / 16 * 16;
    index[e.name] = entries.size();
    entries.push_back(std::move(e));
  }
}

const FlatLayout::Entry *FlatLayout::find(llvm::StringRef name) const {
  auto it = index.find(name);
  return it == index.end() ? nullptr : &entries[it->second];
}

FlatLayout getCALMFlatLayout(const CALMConfig &config) {
  return FlatLayout(getCALMLayout(config), "calm");
}

FlatLayout getAEFlatLayout(const AutoencoderConfig &config) {
  std::vector<TensorSpec> specs = getAutoencoderLayout(config);
  specs.push_back({std::string(mlir::calm::kAEOutputWeightName),
                   {config.vocabSize, config.hiddenSize}});
  return FlatLayout(specs, "ae");
}

llvm::Error checkBuildable(const CALMConfig &c, const AutoencoderConfig &ae,
                           const ModelBuildOptions &options) {
  auto fail = [](const llvm::Twine &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), why);
  };
  if ((c.hiddenSize / c.numAttentionHeads) % 2 != 0)
    return fail("the head dimension must be even for rotary embeddings");
  if (ae.numEncoderLayers % 2 != 0 || ae.numDecoderLayers % 2 != 0)
    return fail("the autoencoder's encoder and decoder layer counts must be "
                "even (half run before, half after the K <-> 1 reshape)");
  if (options.maxChunks < 1)
    return fail("the KV cache needs room for at least one chunk");
  return llvm::Error::success();
}

FlatLayout getLlamaFlatLayout(const LlamaConfig &config) {
  return FlatLayout(getLlamaLayout(config), "llama");
}

} // namespace calm::runtime
