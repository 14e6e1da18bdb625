//===- ModelFunctions.h - the compiled functions' signatures ----*- C++ -*-===//
//
// The functions a model's compiled code exports, with their arguments: the
// one description that the model builder creates them from (and checks the
// types it builds against), the manifest lists, and the runtime looks up
// and calls. All take their outputs as arguments (destination-passing
// style) and return nothing; every memref is a C-interface descriptor.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_MODEL_MODELFUNCTIONS_H
#define CALM_RUNTIME_MODEL_MODELFUNCTIONS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace calm::runtime {

struct FunctionArg {
  enum Kind {
    /// A flat byte buffer (memref<Nxi8>): weights, KV caches.
    Bytes,
    /// memref<...xi32> of the given rank: token ids.
    I32,
    /// memref<...xf32> of the given rank.
    F32,
    /// An index scalar: a position.
    Index,
  };
  const char *name;
  Kind kind;
  int rank; // 1 for Bytes, 0 for Index
};

struct FunctionSignature {
  llvm::StringLiteral name;
  llvm::ArrayRef<FunctionArg> args;
};

/// The CALM's functions, in manifest order:
///   calm_input_compress(weights, ids [N, K], hidden [N, d])
///   calm_backbone_step(weights, ids [1, K], position, k cache, v cache,
///                      hidden [1, d])
///   calm_backbone_prefill(weights, ids [M, K], position, k cache, v cache,
///                         hidden [M, d])
///   calm_energy_head(weights, hidden [1, d], noise [1, S, E], out [1, S, Z])
///   calm_energy_head_rows(weights, hidden [N, d], noise [N, 1, E],
///                         out [N, 1, Z])
///   ae_encode(ae weights, ids [N, K], mean [N, Z], log_std [N, Z])
///   ae_decode(ae weights, latents [N, Z], logits [N, K, V])
llvm::ArrayRef<FunctionSignature> getCALMFunctions();

/// The token model's functions:
///   llama_step(weights, ids [1], position, k cache, v cache, logits [1, V])
///   llama_prefill(weights, ids [M], position, k cache, v cache,
///                 logits [M, V])
///   llama_prefill_last(weights, ids [M], position, k cache, v cache,
///                      logits [1, V]) (the last row's only)
llvm::ArrayRef<FunctionSignature> getLlamaFunctions();

/// The signature named `name` among both tables; null if none.
const FunctionSignature *findFunction(llvm::StringRef name);

} // namespace calm::runtime

#endif // CALM_RUNTIME_MODEL_MODELFUNCTIONS_H
