//===- Config.h - CALM and autoencoder configs, checkpoint layout -*- C++
//-*-===//
//
// config.json of the official CALM (model_type "energy") and Autoencoder
// classes, read with llvm::json and validated; and the tensor names and
// shapes those classes save, derived from a config, to check a checkpoint
// against (missing, unexpected or misshapen tensors are one-line errors).
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_IO_CONFIG_H
#define CALM_RUNTIME_IO_CONFIG_H

#include "io/SafeTensors.h"

#include "llvm/Support/Error.h"

#include <string>
#include <utility>
#include <vector>

namespace calm::runtime {

struct AutoencoderConfig {
  int64_t vocabSize, hiddenSize, intermediateSize, latentSize, patchSize;
  int64_t numEncoderLayers, numDecoderLayers;
  double rmsNormEps;
};

struct CALMConfig {
  int64_t vocabSize, hiddenSize, intermediateSize, numHiddenLayers;
  int64_t numAttentionHeads, numKeyValueHeads, maxPositionEmbeddings;
  int64_t patchSize, latentSize, noiseSize, numMLPLayers, numSamples;
  int64_t eosTokenId;
  double rmsNormEps, ropeTheta, beta;
  std::string aePath; // as written in the file
  int64_t headDim() const { return hiddenSize / numAttentionHeads; }
  /// Width of a K or V row: the KV cache holds this per layer and position.
  int64_t kvWidth() const { return numKeyValueHeads * headDim(); }
};

/// config.json's `rope_scaling`: how the rotary frequencies are rescaled
/// for a longer context (transformers' rope_type "linear" and "llama3").
struct RopeScaling {
  enum class Kind { None, Linear, Llama3 };
  Kind kind = Kind::None;
  double factor = 1.0;
  /// llama3 only.
  double lowFreqFactor = 1.0, highFreqFactor = 4.0;
  int64_t originalMaxPositions = 8192;
};

/// The rotary inverse frequencies of a head of `headDim`, as transformers
/// computes them in f32: 1 / theta^(2i / headDim), then rescaled.
std::vector<float> ropeInverseFrequencies(int64_t headDim, double theta,
                                          const RopeScaling &scaling = {});

/// A token-level Llama (`model_type` "llama"): the CALM's token twin, or a
/// SmolLM-, TinyLlama- or Llama-3.2-style checkpoint.
struct LlamaConfig {
  int64_t vocabSize, hiddenSize, intermediateSize, numHiddenLayers;
  int64_t numAttentionHeads, numKeyValueHeads, maxPositionEmbeddings;
  int64_t eosTokenId;
  double rmsNormEps, ropeTheta;
  RopeScaling ropeScaling;
  bool tieWordEmbeddings;
  int64_t headDim() const { return hiddenSize / numAttentionHeads; }
  int64_t kvWidth() const { return numKeyValueHeads * headDim(); }
};

/// What a model directory holds, from its config.json's model_type.
enum class ModelKind { CALM, Llama };
llvm::Expected<ModelKind> readModelKind(llvm::StringRef configPath);

llvm::Expected<AutoencoderConfig> readAutoencoderConfig(llvm::StringRef path);
llvm::Expected<CALMConfig> readCALMConfig(llvm::StringRef path);
/// The same on text in memory (the fuzzer's entry points); `path` only
/// names it in errors.
llvm::Expected<AutoencoderConfig> parseAutoencoderConfig(llvm::StringRef text,
                                                         llvm::StringRef path);
llvm::Expected<CALMConfig> parseCALMConfig(llvm::StringRef text,
                                           llvm::StringRef path);

/// Sizes in a config may not exceed this: every product the layouts form
/// (K * hidden, 2 * hidden, ...) then fits in int64_t, and token ids in
/// int32_t.
constexpr int64_t kMaxConfigSize = (int64_t(1) << 31) - 1;

/// Checks that a CALM and its autoencoder agree (K, latent size, vocabulary).
llvm::Error checkCompatible(const CALMConfig &calm, const AutoencoderConfig &ae,
                            llvm::StringRef calmPath, llvm::StringRef aePath);

using TensorSpec = std::pair<std::string, std::vector<int64_t>>;

/// The tensors an Autoencoder saves (names prefixed by `prefix`), without
/// the tied output matrix `decoder.lm_head_weight`.
std::vector<TensorSpec> getAutoencoderLayout(const AutoencoderConfig &c,
                                             llvm::StringRef prefix = "");
/// The tensors of a CALM without its embedded autoencoder; the head under
/// `mlp_generator.`.
std::vector<TensorSpec> getCALMLayout(const CALMConfig &c);
/// Refuses what the builder does not support (odd head sizes, rope scaling
/// other than linear and llama3, biases, other activations) with a one-line
/// error.
llvm::Expected<LlamaConfig> readLlamaConfig(llvm::StringRef path);
std::vector<TensorSpec> getLlamaLayout(const LlamaConfig &c);

/// Checks `file` against `layout`: every tensor present with its shape, no
/// tensor outside it except those whose name starts with one of
/// `otherPrefixes` (checked elsewhere) or is an allowed optional name.
/// `generative_head.` is accepted as an alias of `mlp_generator.`.
llvm::Error checkLayout(const SafeTensorsFile &file,
                        llvm::ArrayRef<TensorSpec> layout,
                        llvm::ArrayRef<llvm::StringRef> otherPrefixes = {},
                        llvm::ArrayRef<llvm::StringRef> optional = {});

/// The same over any set of tensors (the shards of a checkpoint): `find`
/// looks a name up, `all` lists every tensor, `path` names the checkpoint.
llvm::Error
checkLayout(llvm::StringRef path,
            llvm::function_ref<const TensorView *(llvm::StringRef)> find,
            llvm::ArrayRef<const TensorView *> all,
            llvm::ArrayRef<TensorSpec> layout,
            llvm::ArrayRef<llvm::StringRef> otherPrefixes = {},
            llvm::ArrayRef<llvm::StringRef> optional = {});

} // namespace calm::runtime

#endif // CALM_RUNTIME_IO_CONFIG_H
