//===- ModelFunctions.cpp - the compiled functions' signatures ------------===//

#include "model/ModelFunctions.h"

using namespace calm::runtime;
using Arg = FunctionArg;

namespace {
constexpr Arg kCompress[] = {
    {"weights", Arg::Bytes, 1}, {"ids", Arg::I32, 2}, {"hidden", Arg::F32, 2}};
constexpr Arg kBackbone[] = {
    {"weights", Arg::Bytes, 1},  {"ids", Arg::I32, 2},
    {"position", Arg::Index, 0}, {"k_cache", Arg::Bytes, 1},
    {"v_cache", Arg::Bytes, 1},  {"hidden", Arg::F32, 2}};
constexpr Arg kHead[] = {{"weights", Arg::Bytes, 1},
                         {"hidden", Arg::F32, 2},
                         {"noise", Arg::F32, 3},
                         {"latents", Arg::F32, 3}};
constexpr Arg kEncode[] = {{"weights", Arg::Bytes, 1},
                           {"ids", Arg::I32, 2},
                           {"mean", Arg::F32, 2},
                           {"log_std", Arg::F32, 2}};
constexpr Arg kDecode[] = {{"weights", Arg::Bytes, 1},
                           {"latents", Arg::F32, 2},
                           {"logits", Arg::F32, 3}};
constexpr Arg kLlama[] = {
    {"weights", Arg::Bytes, 1},  {"ids", Arg::I32, 1},
    {"position", Arg::Index, 0}, {"k_cache", Arg::Bytes, 1},
    {"v_cache", Arg::Bytes, 1},  {"logits", Arg::F32, 2}};

const FunctionSignature kCALMFunctions[] = {
    {"calm_input_compress", kCompress},
    {"calm_backbone_step", kBackbone},
    {"calm_backbone_prefill", kBackbone},
    {"calm_energy_head", kHead},
    {"calm_energy_head_rows", kHead},
    {"ae_encode", kEncode},
    {"ae_decode", kDecode}};
const FunctionSignature kLlamaFunctions[] = {{"llama_step", kLlama},
                                             {"llama_prefill", kLlama},
                                             {"llama_prefill_last", kLlama}};
} // namespace

llvm::ArrayRef<FunctionSignature> calm::runtime::getCALMFunctions() {
  return kCALMFunctions;
}

llvm::ArrayRef<FunctionSignature> calm::runtime::getLlamaFunctions() {
  return kLlamaFunctions;
}

const FunctionSignature *calm::runtime::findFunction(llvm::StringRef name) {
  for (llvm::ArrayRef<FunctionSignature> table :
       {getCALMFunctions(), getLlamaFunctions()})
    for (const FunctionSignature &f : table)
      if (f.name == name)
        return &f;
  return nullptr;
}
