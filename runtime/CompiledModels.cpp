//===- CompiledModels.cpp - models whose code is compiled here ------------===//
//
// CALMModel::load and LlamaModel::load without a code source: the code of
// the model's shape and numerics is built (runtime/ModelBuilder) and
// compiled in this process, or taken from options.compile.library. Kept
// apart from the models so that they link without MLIR (libcalm).
//
//===----------------------------------------------------------------------===//

#include "CALMModel.h"
#include "Compiler.h"
#include "LlamaModel.h"
#include "ModelBuilder.h"

#include "mlir/IR/MLIRContext.h"

using namespace calm::runtime;

llvm::Expected<std::unique_ptr<CALMModel>>
CALMModel::load(llvm::StringRef dir, const ModelOptions &options) {
  return load(
      dir, options,
      [&](const CALMConfig &config, const AutoencoderConfig &ae,
          const ModelBuildOptions &build) {
        mlir::MLIRContext context;
        return openOrCompile(
            options.compile,
            getCALMManifest(config, ae, build, options.compile.numerics.str()),
            [&] { return buildCALMModule(context, config, ae, build); });
      });
}

llvm::Expected<std::unique_ptr<LlamaModel>>
LlamaModel::load(llvm::StringRef dir, const ModelOptions &options) {
  return load(
      dir, options,
      [&](const LlamaConfig &config, const ModelBuildOptions &build) {
        mlir::MLIRContext context;
        return openOrCompile(
            options.compile,
            getLlamaManifest(config, build, options.compile.numerics.str()),
            [&] { return buildLlamaModule(context, config, build); });
      });
}
