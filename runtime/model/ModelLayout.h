//===- ModelLayout.h - where a model's tensors live -------------*- C++ -*-===//
//
// The flat weight buffers the compiled functions read (one per model part:
// "calm", "ae", "llama"), each tensor at an offset the config fixes; the
// build options and the checks of what the builder supports. Plain C++ over
// LLVM Support: the runtime without a compiler (libcalm) uses it too.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_MODEL_MODELLAYOUT_H
#define CALM_RUNTIME_MODEL_MODELLAYOUT_H

#include "io/Config.h"

#include "llvm/ADT/StringMap.h"

namespace calm::runtime {

struct ModelBuildOptions {
  /// KV-cache capacity in chunks (positions of the backbone).
  int64_t maxChunks = 512;
};

/// Where each named tensor lives in a flat f32 weight buffer.
class FlatLayout {
public:
  struct Entry {
    std::string name;
    std::vector<int64_t> shape;
    int64_t offset;
    int64_t numElements() const;
  };
  /// `buffer` names the weight buffer (calm.weights on the functions'
  /// weight argument): "calm", "ae" or "llama".
  FlatLayout(llvm::ArrayRef<TensorSpec> specs, llvm::StringRef buffer);
  llvm::StringRef getBufferName() const { return buffer; }
  const Entry *find(llvm::StringRef name) const;
  llvm::ArrayRef<Entry> getEntries() const { return entries; }
  /// Total number of f32 elements.
  int64_t size() const { return total; }

private:
  std::vector<Entry> entries;
  llvm::StringMap<size_t> index;
  int64_t total = 0;
  std::string buffer;
};

/// The CALM's own weights (head under mlp_generator.), in checkpoint order.
FlatLayout getCALMFlatLayout(const CALMConfig &config);
/// The autoencoder's weights, including its output matrix
/// decoder.lm_head_weight (filled from the tied embedding when the
/// checkpoint has none).
FlatLayout getAEFlatLayout(const AutoencoderConfig &config);

/// The token twin's weights, in checkpoint order.
FlatLayout getLlamaFlatLayout(const LlamaConfig &config);

/// Checks that the builder supports `config` (even head dim, even AE layer
/// counts...): a one-line error otherwise.
llvm::Error checkBuildable(const CALMConfig &config,
                           const AutoencoderConfig &ae,
                           const ModelBuildOptions &options);

} // namespace calm::runtime

#endif // CALM_RUNTIME_MODEL_MODELLAYOUT_H
