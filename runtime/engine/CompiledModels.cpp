//===- CompiledModels.cpp - models whose code is compiled here ------------===//
//
// CALMModel::load and LlamaModel::load without a code source: the code of
// the model's shape and numerics is built (runtime/ModelBuilder) and
// compiled in this process, or taken from options.compile.library. Kept
// apart from the models so that they link without MLIR (libcalm).
//
//===----------------------------------------------------------------------===//

#include "engine/CompiledModels.h"
#include "engine/Compiler.h"
#include "io/Checkpoint.h"
#include "model/ModelBuilder.h"
#include "models/LlamaModel.h"

#include "mlir/IR/MLIRContext.h"

#include "llvm/Support/Path.h"

using namespace calm::runtime;

/// The token model's runtime keeps its weights and cache in host memory.
static llvm::Error refuseLlamaOnGPU(const CompileOptions &options) {
  if (options.device == "cuda")
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "--device cuda runs CALMs; this token model runs on the CPU only");
  return llvm::Error::success();
}

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
      [&](const LlamaConfig &config, const ModelBuildOptions &build)
          -> llvm::Expected<std::unique_ptr<ModelCode>> {
        if (llvm::Error e = refuseLlamaOnGPU(options.compile))
          return std::move(e);
        mlir::MLIRContext context;
        return openOrCompile(
            options.compile,
            getLlamaManifest(config, build, options.compile.numerics.str()),
            [&] { return buildLlamaModule(context, config, build); });
      });
}

llvm::Expected<std::unique_ptr<LanguageModel>> calm::runtime::openCompiledModel(
    llvm::StringRef dir, const ModelOptions &options, int64_t contextChunks) {
  std::string numerics = options.compile.numerics.str();
  auto calm = [&](const CALMConfig &config, const AutoencoderConfig &ae,
                  const ModelBuildOptions &build) {
    mlir::MLIRContext context;
    return openOrCompile(
        options.compile, getCALMManifest(config, ae, build, numerics),
        [&] { return buildCALMModule(context, config, ae, build); });
  };
  auto llama = [&](const LlamaConfig &config, const ModelBuildOptions &build)
      -> llvm::Expected<std::unique_ptr<ModelCode>> {
    if (llvm::Error e = refuseLlamaOnGPU(options.compile))
      return std::move(e);
    mlir::MLIRContext context;
    return openOrCompile(
        options.compile, getLlamaManifest(config, build, numerics),
        [&] { return buildLlamaModule(context, config, build); });
  };
  return LanguageModel::open(dir, options, contextChunks, {calm, llama});
}

llvm::Expected<BuiltModel> calm::runtime::buildModelFromDirectory(
    mlir::MLIRContext &context, llvm::StringRef dir,
    const ModelOptions &options, int64_t contextChunks) {
  llvm::SmallString<256> configPath(dir);
  llvm::sys::path::append(configPath, "config.json");
  auto kind = readModelKind(configPath);
  if (!kind)
    return kind.takeError();
  if (contextChunks < 0)
    return fileError(configPath, "the context must be at least one chunk");
  std::string numerics = options.compile.numerics.str();
  ModelBuildOptions build = options.build;
  if (*kind == ModelKind::Llama) {
    if (llvm::Error e = refuseLlamaOnGPU(options.compile))
      return std::move(e);
    auto config = readLlamaConfig(configPath);
    if (!config)
      return config.takeError();
    build.maxChunks = contextChunks
                          ? contextChunks * kTwinChunkTokens
                          : std::min(kDefaultContextChunks * kTwinChunkTokens,
                                     config->maxPositionEmbeddings);
    return BuiltModel{*kind, getLlamaManifest(*config, build, numerics),
                      buildLlamaModule(context, *config, build)};
  }
  auto checkpoint = openCALMCheckpoint(dir, options.aeDir);
  if (!checkpoint)
    return checkpoint.takeError();
  const CALMCheckpoint &ck = **checkpoint;
  build.maxChunks = contextChunks ? contextChunks
                                  : std::min(kDefaultContextChunks,
                                             ck.config.maxPositionEmbeddings);
  if (llvm::Error e = checkBuildable(ck.config, ck.aeConfig, build))
    return fileError(configPath, llvm::toString(std::move(e)));
  return BuiltModel{*kind,
                    getCALMManifest(ck.config, ck.aeConfig, build, numerics),
                    buildCALMModule(context, ck.config, ck.aeConfig, build)};
}

llvm::Error calm::runtime::compileModelLibrary(llvm::StringRef dir,
                                               const ModelOptions &options,
                                               int64_t contextChunks,
                                               llvm::StringRef path) {
  mlir::MLIRContext context;
  auto built = buildModelFromDirectory(context, dir, options, contextChunks);
  if (!built)
    return built.takeError();
  CompileOptions compile = options.compile;
  compile.manifest = built->manifest;
  auto compiled = compileModule(*built->module, compile);
  if (!compiled)
    return compiled.takeError();
  return (*compiled)->writeSharedLibrary(path);
}
