//===- CompiledModels.h - a model directory to compiled code ----*- C++ -*-===//
//
// What the compiler makes of a model directory, from its configs and its
// checkpoint's header alone (no weights are read): the module the runtime
// compiles, with the manifest it embeds, and a model library written from
// it. `calm-run compile` and libcalm's compiler (libcalm-compiler.so) use
// these; CALMModel::load and LlamaModel::load (the JIT) build the same.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_ENGINE_COMPILEDMODELS_H
#define CALM_RUNTIME_ENGINE_COMPILEDMODELS_H

#include "models/CALMModel.h"
#include "models/LanguageModel.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace calm::runtime {

/// A model directory's module and the manifest its code is built for.
struct BuiltModel {
  ModelKind kind;
  ModelManifest manifest;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

/// The context a model gets when none is asked for: 512 chunks (2048
/// tokens for a token model), or the model's positions if fewer.
constexpr int64_t kDefaultContextChunks = 512;

/// Builds the module of the model in `dir` for a context of `contextChunks`
/// chunks (a token model: chunks of kTwinChunkTokens tokens; 0: the
/// default) and `options.compile.numerics`; `options.aeDir` overrides a
/// CALM's ae_path. Refuses what the builder cannot build.
llvm::Expected<BuiltModel> buildModelFromDirectory(mlir::MLIRContext &context,
                                                   llvm::StringRef dir,
                                                   const ModelOptions &options,
                                                   int64_t contextChunks);

/// Opens the model in `dir` (LanguageModel::open) with its code compiled in
/// this process, taken from the object cache, or from the model library
/// options.compile.library (checked against the model).
llvm::Expected<std::unique_ptr<LanguageModel>>
openCompiledModel(llvm::StringRef dir, const ModelOptions &options,
                  int64_t contextChunks);

/// Compiles the model in `dir` (as buildModelFromDirectory) into a model
/// library at `path` (written under a temporary name and renamed: a reader
/// never sees half a file). Needs ld.lld.
llvm::Error compileModelLibrary(llvm::StringRef dir,
                                const ModelOptions &options,
                                int64_t contextChunks, llvm::StringRef path);

} // namespace calm::runtime

#endif // CALM_RUNTIME_ENGINE_COMPILEDMODELS_H
