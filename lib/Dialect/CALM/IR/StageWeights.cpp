//===- StageWeights.cpp - weight operands of the CALM stage ops -----------===//

#include "calm/Dialect/CALM/IR/StageWeights.h"

#include "llvm/ADT/Twine.h"

using namespace mlir;
using namespace mlir::calm;

namespace {
struct SpecList {
  SmallVector<WeightSpec> specs;
  void add(const llvm::Twine &name, ArrayRef<int64_t> shape) {
    specs.push_back({name.str(), SmallVector<int64_t, 2>(shape)});
  }
  /// A residual MLP layer of the autoencoder (AELayer).
  void aeLayer(const llvm::Twine &prefix, int64_t d, int64_t inter) {
    add(prefix + "layernorm.weight", {d});
    add(prefix + "mlp.gate_proj.weight", {inter, d});
    add(prefix + "mlp.up_proj.weight", {inter, d});
    add(prefix + "mlp.down_proj.weight", {d, inter});
  }
};
} // namespace

SmallVector<WeightSpec>
mlir::calm::getDecoderStackWeights(StringRef prefix,
                                   const DecoderStackSizes &s) {
  SpecList l;
  int64_t d = s.hidden, i = s.intermediate;
  l.add(prefix + "embed_tokens.weight", {s.vocab, d});
  for (int64_t n = 0; n < s.layers; ++n) {
    std::string p = (prefix + "layers." + llvm::Twine(n) + ".").str();
    l.add(p + "input_layernorm.weight", {d});
    l.add(p + "post_attention_layernorm.weight", {d});
    l.add(p + "self_attn.q_proj.weight", {d, d});
    l.add(p + "self_attn.k_proj.weight", {s.kvDim, d});
    l.add(p + "self_attn.v_proj.weight", {s.kvDim, d});
    l.add(p + "self_attn.o_proj.weight", {d, d});
    l.add(p + "mlp.gate_proj.weight", {i, d});
    l.add(p + "mlp.up_proj.weight", {i, d});
    l.add(p + "mlp.down_proj.weight", {d, i});
  }
  l.add(prefix + "norm.weight", {d});
  return l.specs;
}

SmallVector<WeightSpec> mlir::calm::getAEEncoderWeights(const AutoencoderSizes &s) {
  SpecList l;
  l.add("encoder.embed_tokens.weight", {s.vocab, s.hidden});
  for (int64_t i = 0; i < s.layers; ++i)
    l.aeLayer("encoder.encoder_layers." + llvm::Twine(i) + ".", s.hidden,
              s.intermediate);
  l.add("encoder.squeeze_layer.weight", {s.hidden, s.patch * s.hidden});
  l.add("encoder.squeeze_layer.bias", {s.hidden});
  l.add("encoder.norm.weight", {s.hidden});
  l.add("encoder.hidden_to_latent.weight", {2 * s.latent, s.hidden});
  l.add("encoder.hidden_to_latent.bias", {2 * s.latent});
  return l.specs;
}

SmallVector<WeightSpec> mlir::calm::getAEDecoderWeights(const AutoencoderSizes &s) {
  SpecList l;
  l.add("decoder.latent_to_hidden.weight", {s.hidden, s.latent});
  l.add("decoder.latent_to_hidden.bias", {s.hidden});
  for (int64_t i = 0; i < s.layers; ++i)
    l.aeLayer("decoder.decoder_layers." + llvm::Twine(i) + ".", s.hidden,
              s.intermediate);
  l.add("decoder.expand_layer.weight", {s.patch * s.hidden, s.hidden});
  l.add("decoder.expand_layer.bias", {s.patch * s.hidden});
  l.add("decoder.norm.weight", {s.hidden});
  l.add(kAEOutputWeightName, {s.vocab, s.hidden});
  return l.specs;
}

SmallVector<WeightSpec>
mlir::calm::getInputCompressWeights(const CALMStageSizes &s) {
  SpecList l;
  int64_t d = s.hidden;
  l.add("transformer.embed_tokens.weight", {s.vocab, d});
  l.add("embed_proj.0.weight", {2 * d, s.patch * d});
  l.add("embed_proj.0.bias", {2 * d});
  l.add("embed_proj.2.weight", {d, 2 * d});
  l.add("embed_proj.2.bias", {d});
  l.add("embed_proj.3.weight", {d});
  l.add("embed_proj.3.bias", {d});
  return l.specs;
}

SmallVector<WeightSpec> mlir::calm::getEnergyHeadWeights(const CALMStageSizes &s) {
  SpecList l;
  int64_t d = s.hidden;
  const char *h = "mlp_generator.";
  l.add(llvm::Twine(h) + "noise_embd.weight", {d, s.noise});
  l.add(llvm::Twine(h) + "noise_embd.bias", {d});
  l.add(llvm::Twine(h) + "hidden_embd.weight", {d, d});
  l.add(llvm::Twine(h) + "hidden_embd.bias", {d});
  for (const char *n : {"norm_hidden", "norm_noise"}) {
    l.add(llvm::Twine(h) + n + ".weight", {d});
    l.add(llvm::Twine(h) + n + ".bias", {d});
  }
  for (int64_t j = 0; j < s.headBlocks; ++j) {
    std::string p = (llvm::Twine(h) + "mlp_blocks." + llvm::Twine(j) + ".").str();
    l.add(p + "in_ln.weight", {d});
    l.add(p + "in_ln.bias", {d});
    l.add(p + "linears.0.weight", {d, 2 * d});
    l.add(p + "linears.0.bias", {d});
    l.add(p + "linears.2.weight", {d, d});
    l.add(p + "linears.2.bias", {d});
    l.add(p + "linears.4.weight", {2 * d, d});
    l.add(p + "linears.4.bias", {2 * d});
    l.add(p + "down_proj.weight", {d, d});
    l.add(p + "down_proj.bias", {d});
  }
  std::string f = std::string(h) + "final_layer.";
  l.add(f + "in_ln.weight", {d});
  l.add(f + "in_ln.bias", {d});
  l.add(f + "linears.0.weight", {d, d});
  l.add(f + "linears.0.bias", {d});
  l.add(f + "linears.2.weight", {s.latent, d});
  l.add(f + "linears.2.bias", {s.latent});
  return l.specs;
}
