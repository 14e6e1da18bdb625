//===- BrierLM.h - likelihood-free evaluation of CALM -----------*- C++ -*-===//
//
// BrierLM (calm.md): the text is cut into blocks of L tokens (L % K == 0);
// in each block, at every chunk boundary s = K, 2K, ..., L - K, the model
// sees the block's prefix (teacher forcing) and is scored on the next n
// tokens y_1..n, n = 1..4:
//   CALM (two-sample estimator): two chunks x1, x2 drawn from the head and
//     decoded; brier_n = 1{x1 = y} + 1{x2 = y} - 1{x1 = x2} on the first n
//     tokens.
//   Token twin (exact-probability estimator): brier_n = 2 P(y_1..n) -
//     1{x1 = x2} on the first n tokens, P under teacher forcing, x1 and x2
//     two rollouts of n tokens sampled at T = 1 (inverse CDF of uniforms).
// B_n is the mean of brier_n over all positions; BrierLM = 100 *
// max(0, B1 B2 B3 B4)^(1/4).
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_GENERATION_BRIERLM_H
#define CALM_RUNTIME_GENERATION_BRIERLM_H

#include "models/CALMModel.h"
#include "models/LlamaModel.h"

#include <array>
#include <functional>
#include <random>

namespace calm::runtime {

struct BrierSums {
  std::array<double, 4> sum{};
  int64_t positions = 0;
  void add(const BrierSums &other);
  /// B_1..B_4.
  std::array<double, 4> means() const;
  /// 100 * max(0, B1 B2 B3 B4)^(1/4).
  double brierLM() const;
};

/// Terms of one block (L tokens) of a CALM with the given head noise
/// [2, P, noise] (P = L/K - 1 positions); `tokens` (optional) receives the
/// decoded samples [2, P, K]. Fails only where the device does (--device
/// cuda: out of memory, a lost context).
llvm::Expected<BrierSums>
calmBlockBrier(CALMModel &model, llvm::ArrayRef<int32_t> block,
               llvm::ArrayRef<float> noise,
               std::vector<int32_t> *tokens = nullptr);

/// The terms of consecutive blocks, summed: each block's as calmBlockBrier
/// gives them (and appended to `perBlock`, if given). Their backbone
/// prefills run at once, one per pool thread, each in its own cache of
/// `caches` (grown to one per block and kept for the next call); the head
/// and decoder passes then go block by block.
llvm::Expected<BrierSums> calmBlocksBrier(
    CALMModel &model, llvm::ArrayRef<llvm::ArrayRef<int32_t>> blocks,
    llvm::ArrayRef<std::vector<float>> noise, std::vector<CALMCache> &caches,
    std::vector<BrierSums> *perBlock = nullptr);

/// After each group of blocks: blocks done, blocks in all, the sums so far.
using BrierProgress =
    llvm::function_ref<void(int64_t, int64_t, const BrierSums &)>;

/// BrierLM over the first `blocks` blocks of `blockTokens` of a token
/// stream (a document's tokens, then end-of-text), what `calm-run eval`
/// computes: a CALM's head noise drawn block by block from `seed`, its
/// blocks in groups of one per pool thread (calmBlocksBrier); the twin's
/// uniforms likewise, scored every `twinChunk` tokens. The caller checked
/// the ids and that a block fits the context. Both run on caches of their
/// own, so evaluations and generations of one model may run at once.
/// `perBlock` (optional) receives each block's terms, in order: what a
/// paired comparison of two numerics forms needs for its standard error.
llvm::Expected<BrierSums>
evaluateCALMStream(CALMModel &model, llvm::ArrayRef<int32_t> stream,
                   int64_t blockTokens, int64_t blocks, uint64_t seed,
                   BrierProgress progress,
                   std::vector<BrierSums> *perBlock = nullptr);
llvm::Expected<BrierSums>
evaluateTwinStream(LlamaModel &model, llvm::ArrayRef<int32_t> stream,
                   int64_t blockTokens, int64_t twinChunk, int64_t blocks,
                   uint64_t seed, BrierProgress progress,
                   std::vector<BrierSums> *perBlock = nullptr);

/// Noise for one block, drawn from `rng` in the layout calmBlockBrier takes.
std::vector<float> drawBlockNoise(const CALMModel &model, int64_t blockTokens,
                                  std::mt19937_64 &rng);

/// Terms of one block of a token twin, scored at every K-th position as the
/// CALM it is compared with (K >= 4, L % K == 0), with uniforms [2, P, 4]
/// (rollout, position, token). `rollouts` [2, P, 4] and `pY` [P, 4]
/// (optional) receive the sampled tokens and P(y_1..n). Runs on `kv`.
llvm::Expected<BrierSums>
twinBlockBrier(LlamaModel &model, LlamaCache &kv, llvm::ArrayRef<int32_t> block,
               int64_t patchSize, llvm::ArrayRef<double> uniforms,
               std::vector<int32_t> *rollouts = nullptr,
               std::vector<double> *pY = nullptr);
/// Uniforms for one twin block, in the layout twinBlockBrier takes.
std::vector<double> drawTwinUniforms(int64_t blockTokens, int64_t patchSize,
                                     std::mt19937_64 &rng);

} // namespace calm::runtime

#endif // CALM_RUNTIME_GENERATION_BRIERLM_H
