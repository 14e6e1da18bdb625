//===- ModelBuilder.h - a CALM checkpoint's shape as an MLIR module -*- C++
//-*-===//
//
// Emits the MLIR module that computes a CALM model of a given config: the
// autoencoder encoder and decoder, the backbone step with its KV cache, and
// the energy head, using the calm stage ops (calm.ae_encode, calm.ae_decode,
// calm.input_compress, calm.energy_head) and linalg for the backbone. Weights
// are not constants: each function takes the model's weights as one flat f32
// buffer (a memref of bytes holding f32, viewed with memref.view at offsets
// fixed by the config), so one compiled module serves every checkpoint of the
// same shape.
//
// Functions (all memref arguments; `llvm.emit_c_interface`; w/aw are the
// byte buffers of FlatLayout):
//   calm_input_compress(w, ids[N,K] i32, out[N,d])
//   calm_backbone_step(w, ids[1,K] i32, pos index, kcache, vcache, out[1,d])
//     kcache/vcache: bytes of f32 [layers, max_chunks, heads, head_dim]
//     (each position's keys contiguous, so the first S positions are one
//     identity-layout view); writes chunk
//     position `pos` of every layer, attends over positions 0..pos.
//   calm_backbone_prefill(w, ids[M,K] i32, pos, kcache, vcache, out[M,d])
//     the same for M chunks at positions pos..pos+M-1 in one pass (causal:
//     row m attends over 0..pos+m); the prompt and teacher-forced BrierLM.
//   calm_energy_head(w, hidden[1,d], noise[1,S,E], out[1,S,Z])
//   calm_energy_head_rows(w, hidden[N,d], noise[N,1,E], out[N,1,Z]): one
//     draw per row (teacher-forced BrierLM)
//   ae_encode(aw, ids[N,K] i32, mean[N,Z], log_std[N,Z])
//   ae_decode(aw, z[N,Z], logits[N,K,V])
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_MODEL_MODELBUILDER_H
#define CALM_RUNTIME_MODEL_MODELBUILDER_H

#include "io/Config.h"
#include "model/ModelLayout.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"

namespace calm::runtime {

/// Builds the module (the caller checked checkBuildable).
mlir::OwningOpRef<mlir::ModuleOp>
buildCALMModule(mlir::MLIRContext &context, const CALMConfig &config,
                const AutoencoderConfig &ae, const ModelBuildOptions &options);

/// Builds the token-level Llama module (the baseline CALM is measured
/// against), with the same decoder stack as the CALM backbone:
///   llama_step(w, ids[1] i32, pos index, kcache, vcache, logits[1,V])
///   llama_prefill(w, ids[M] i32, pos index, kcache, vcache, logits[M,V])
///   llama_prefill_last(w, ids[M] i32, pos index, kcache, vcache,
///                      logits[1,V]) (the last row's logits only)
/// `options.maxChunks` is its KV-cache capacity in tokens; the caches hold
/// num_key_value_heads heads. The caller checked the config
/// (readLlamaConfig).
mlir::OwningOpRef<mlir::ModuleOp>
buildLlamaModule(mlir::MLIRContext &context, const LlamaConfig &config,
                 const ModelBuildOptions &options);

} // namespace calm::runtime

#endif // CALM_RUNTIME_MODEL_MODELBUILDER_H
