//===- Sampling.h - likelihood-free temperature sampling of chunks -*- C++
//-*-===//
//
// CALM has no token probabilities, only a sampler (energy head + decoder).
// Temperature is therefore an algorithm on draws (calm.md, "Temperature"):
//   T = 1        one draw;
//   T = 1/n      exact: draw n chunks until all n agree, return that chunk;
//   other T <= 1 exact: 1/T = n + a; after n agreeing draws accept with
//                probability P(x)^a by the Bernoulli factory (draw x' until
//                x' = x (accept) or a coin with probability a/i says restart);
//   --samples N  the released code's batch approximation for T = 1/n: draw N
//                chunks in one batched head pass and one batched decoder pass,
//                count each distinct chunk c_x, and for j = n, n-1, ..., 1 pick
//                among chunks with c_x >= j with weight C(c_x, j).
// An exact step that does not accept within `maxRounds` rounds or
// maxRounds * (n + 1) draws (a flat distribution at low T) falls back to the
// batch approximation with `fallbackSamples` draws and is counted in
// SamplingStats.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_GENERATION_SAMPLING_H
#define CALM_RUNTIME_GENERATION_SAMPLING_H

#include "models/CALMModel.h"

#include <random>

namespace calm::runtime {

struct SamplingOptions {
  double temperature = 1.0;
  /// > 0: batch approximation with this many draws.
  int64_t samples = 0;
  int64_t maxRounds = 200;
  int64_t fallbackSamples = 256;
  /// Draws computed per batched head + decoder pass in exact sampling.
  int64_t drawBatch = 64;
};

struct SamplingStats {
  int64_t steps = 0, draws = 0, fallbacks = 0;
};

/// Checks T in (0, 1] and the sample counts: a one-line error otherwise.
llvm::Error checkSamplingOptions(const SamplingOptions &options);

/// One chunk (K token ids) for the hidden state `hidden`.
std::vector<int32_t> sampleChunk(CALMModel &model, llvm::ArrayRef<float> hidden,
                                 const SamplingOptions &options,
                                 std::mt19937_64 &rng, SamplingStats &stats);

/// `count` noise vectors of the model's noise size, uniform in [-0.5, 0.5).
std::vector<float> drawNoise(const CALMModel &model, int64_t count,
                             std::mt19937_64 &rng);

/// The batch approximation over given draws (chunks of K ids, row-major).
std::vector<int32_t> batchApproximation(llvm::ArrayRef<int32_t> draws,
                                        int64_t patchSize, int64_t n,
                                        std::mt19937_64 &rng);

/// Softmax of logits / temperature, in double (as the reference samples).
std::vector<double> softmax(llvm::ArrayRef<float> logits,
                            double temperature = 1.0);
/// Inverse-CDF sampling: the first index whose cumulative probability
/// exceeds u * total (u in [0, 1)), clamped to the last index.
int32_t inverseCDF(llvm::ArrayRef<double> probs, double u);
/// A token-level model's next token at temperature T: softmax(logits / T)
/// sampled by inverseCDF.
int32_t sampleToken(llvm::ArrayRef<float> logits, double temperature,
                    std::mt19937_64 &rng);

} // namespace calm::runtime

#endif // CALM_RUNTIME_GENERATION_SAMPLING_H
