//===- StageWeights.h - weight operands of the CALM stage ops ---*- C++ -*-===//
//
// The weights each model-stage op (calm.ae_encode, calm.ae_decode,
// calm.input_compress, calm.energy_head) takes, in operand order, with their
// official checkpoint names and shapes, and the decoder stacks' tensors.
// One table serves the op verifiers, calm-decompose, the runtime's model
// builder and its checkpoint loader (runtime/io/Config: the layouts it
// checks checkpoints against are assembled from these lists), so they
// cannot disagree. Plain C++ over LLVM Support (library CALMStageWeights):
// the runtime without MLIR links it too.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_DIALECT_CALM_IR_STAGEWEIGHTS_H
#define CALM_DIALECT_CALM_IR_STAGEWEIGHTS_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace mlir::calm {

struct WeightSpec {
  /// The checkpoint name (relative to the autoencoder for ae_* stages).
  std::string name;
  SmallVector<int64_t, 2> shape;
};

/// Sizes of the autoencoder: vocabulary, hidden, MLP intermediate, K,
/// latent, and layers of the encoder or decoder half being described.
struct AutoencoderSizes {
  int64_t vocab, hidden, intermediate, patch, latent, layers;
};

/// Sizes of the CALM's input compression and energy head.
struct CALMStageSizes {
  int64_t vocab, hidden, patch, latent, noise, headBlocks;
};

/// Sizes of a Llama-style decoder stack (the CALM's backbone, a token
/// model): kvDim = key/value heads x head dim.
struct DecoderStackSizes {
  int64_t vocab, hidden, kvDim, intermediate, layers;
};

/// A decoder stack under `prefix` ("transformer." in a CALM, "model." in a
/// Llama checkpoint): embed_tokens, 9 per layer (two norms, q/k/v/o, gate,
/// up, down), norm.
SmallVector<WeightSpec> getDecoderStackWeights(llvm::StringRef prefix,
                                               const DecoderStackSizes &s);

/// Weights of calm.ae_encode: embed_tokens, 4 per layer, squeeze_layer
/// (2), norm, hidden_to_latent (2).
SmallVector<WeightSpec> getAEEncoderWeights(const AutoencoderSizes &s);
/// Weights of calm.ae_decode: latent_to_hidden (2), 4 per layer,
/// expand_layer (2), norm, the output matrix.
SmallVector<WeightSpec> getAEDecoderWeights(const AutoencoderSizes &s);
/// Weights of calm.input_compress: transformer.embed_tokens, embed_proj (6).
SmallVector<WeightSpec> getInputCompressWeights(const CALMStageSizes &s);
/// Weights of calm.energy_head: 8 + 10 per block + 6, under mlp_generator.
SmallVector<WeightSpec> getEnergyHeadWeights(const CALMStageSizes &s);

/// Name of the autoencoder's output matrix (tied to
/// encoder.embed_tokens.weight unless the checkpoint has it).
constexpr llvm::StringLiteral kAEOutputWeightName = "decoder.lm_head_weight";

} // namespace mlir::calm

#endif // CALM_DIALECT_CALM_IR_STAGEWEIGHTS_H
