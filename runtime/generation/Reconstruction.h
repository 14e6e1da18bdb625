//===- Reconstruction.h - held-out accuracy of a CALM's autoencoder -*- C++
//-*-===//
//
// How much of a text the autoencoder gives back: every whole chunk of K
// tokens encoded to its latent mean and decoded (argmax), under the
// model's numerics. A form that bends the latent space shows here first,
// and the CALM's BrierLM cannot beat it (calm.md: BrierLM scores decoded
// chunks).
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_GENERATION_RECONSTRUCTION_H
#define CALM_RUNTIME_GENERATION_RECONSTRUCTION_H

#include "models/CALMModel.h"

#include "llvm/ADT/STLFunctionalExtras.h"

namespace calm::runtime {

struct ReconstructionCounts {
  int64_t tokens = 0, correctTokens = 0, chunks = 0, correctChunks = 0;
  void add(const ReconstructionCounts &other);
  double tokenAccuracy() const;
  double chunkAccuracy() const;
};

/// After each block: blocks done, blocks in all, the counts so far.
using ReconstructionProgress =
    llvm::function_ref<void(int64_t, int64_t, const ReconstructionCounts &)>;

/// The counts over the first `blocks` blocks of `blockTokens` tokens of
/// `stream` (blockTokens % K == 0), one encoder and one decoder pass per
/// block; `perBlock` (optional) receives each block's. Fails only where
/// the device does.
llvm::Expected<ReconstructionCounts>
evaluateReconstruction(CALMModel &model, llvm::ArrayRef<int32_t> stream,
                       int64_t blockTokens, int64_t blocks,
                       ReconstructionProgress progress,
                       std::vector<ReconstructionCounts> *perBlock = nullptr);

} // namespace calm::runtime

#endif // CALM_RUNTIME_GENERATION_RECONSTRUCTION_H
