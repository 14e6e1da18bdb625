//===- LlamaModel.h - a loaded, compiled token-level Llama ------*- C++ -*-===//
//
// The CALM's token twin (a standard Llama LM with a softmax head, same
// tokenizer): the baseline a CALM is measured against, run by the same
// compiler and numerics from the same decoder-stack builder. One token per
// step; the KV cache can be rewound, which the BrierLM rollouts use.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_MODELS_LLAMAMODEL_H
#define CALM_RUNTIME_MODELS_LLAMAMODEL_H

#include "io/Checkpoint.h"
#include "models/CALMModel.h"

namespace calm::runtime {

/// Tokens per "chunk" of a token model, so that it compares with the K = 4
/// CALM: its KV cache holds --max-chunks of them, eval scores it every this
/// many tokens, and generation statistics time its first this many.
constexpr int64_t kTwinChunkTokens = 4;

/// Gives the twin's compiled code (as CALMCodeSource for a CALM).
using LlamaCodeSource =
    llvm::function_ref<llvm::Expected<std::unique_ptr<ModelCode>>(
        const LlamaConfig &, const ModelBuildOptions &)>;

/// One sequence's KV cache (as CALMCache for a CALM): a model keeps one for
/// the calls that take none; sessions keep their own (newCache), and calls
/// on different caches may run at once on different threads.
struct LlamaCache {
  std::vector<float> k, v;
  int64_t position = 0;
};

class LlamaModel {
public:
  ~LlamaModel();
  /// Opens, validates, packs, builds and compiles (`options.build.maxChunks`
  /// is the context in tokens; `options.aeDir` is unused).
  static llvm::Expected<std::unique_ptr<LlamaModel>>
  load(llvm::StringRef dir, const ModelOptions &options);
  /// The same with the code from `source` (options.compile is not read).
  static llvm::Expected<std::unique_ptr<LlamaModel>>
  load(llvm::StringRef dir, const ModelOptions &options,
       LlamaCodeSource source);

  const LlamaConfig &getConfig() const { return config; }
  const ModelCode &getCompiled() const { return *compiled; }
  const LoadTimes &getLoadTimes() const { return loadTimes; }
  uint64_t weightBytes() const { return weights.size(); }
  uint64_t cacheBytes() const { return 4 * (cache.k.size() + cache.v.size()); }
  /// Tokens the KV cache can hold.
  int64_t getCapacity() const { return capacity; }

  /// An empty cache of the model's context.
  LlamaCache newCache() const;

  /// Tokens held in the model's own KV cache.
  int64_t getPosition() const { return cache.position; }
  /// Forgets every token from `position` on (position <= getPosition()).
  void rewind(int64_t newPosition) { rewind(cache, newPosition); }
  void rewind(LlamaCache &kv, int64_t newPosition) const;
  /// Appends one token; `logits` [V] receive the next-token logits.
  llvm::Error step(int32_t token, llvm::MutableArrayRef<float> logits) {
    return step(cache, token, logits);
  }
  llvm::Error step(LlamaCache &kv, int32_t token,
                   llvm::MutableArrayRef<float> logits);
  /// Appends M tokens in one pass; `logits` [M, V] receive the next-token
  /// logits after each of them.
  llvm::Error prefill(llvm::ArrayRef<int32_t> tokens,
                      llvm::MutableArrayRef<float> logits) {
    return prefill(cache, tokens, logits);
  }
  llvm::Error prefill(LlamaCache &kv, llvm::ArrayRef<int32_t> tokens,
                      llvm::MutableArrayRef<float> logits);
  /// Appends M tokens in one pass; `logits` [V] receive only the logits
  /// after the last one (what a generation's prompt needs: the LM head runs
  /// on one row instead of M).
  llvm::Error prefillLast(LlamaCache &kv, llvm::ArrayRef<int32_t> tokens,
                          llvm::MutableArrayRef<float> logits);

private:
  llvm::Error checkTokens(const LlamaCache &kv,
                          llvm::ArrayRef<int32_t> tokens) const;
  /// Checks the tokens, then runs one compiled function (llama_step,
  /// llama_prefill or llama_prefill_last) writing `rows` rows of logits.
  llvm::Error run(void *fn, LlamaCache &kv, llvm::ArrayRef<int32_t> tokens,
                  llvm::MutableArrayRef<float> logits, int64_t rows);
  LlamaModel() = default;
  LlamaConfig config;
  WeightSet checkpoint;
  std::unique_ptr<ModelCode> compiled;
  LoadTimes loadTimes;
  WeightBuffer weights;
  LlamaCache cache;
  int64_t capacity = 0;
  void *fnStep = nullptr, *fnPrefill = nullptr, *fnPrefillLast = nullptr;
};

} // namespace calm::runtime

#endif // CALM_RUNTIME_MODELS_LLAMAMODEL_H
