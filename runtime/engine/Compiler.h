//===- Compiler.h - built model module to native code, with a cache -*- C++
//-*-===//
//
// Lowers a module from the model builder with the calm passes
// (calm-decompose, calm-assign-numerics for the chosen numerics, then
// calm-cpu-pipeline), translates it to LLVM IR, optimizes it (O3), emits an
// object file for the host CPU and loads it into an ORC JIT. Objects are
// cached on disk under a key made of the module's text, the numerics, the
// compiler binary's identity and the host CPU, so a second start with the
// same shape and numerics does not recompile.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_ENGINE_COMPILER_H
#define CALM_RUNTIME_ENGINE_COMPILER_H

#include "model/CompileOptions.h"
#include "model/ModelCode.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <mutex>
#include <string>

namespace llvm::orc {
class LLJIT;
}

namespace calm::runtime {

/// $CALM_CACHE_DIR, else $XDG_CACHE_HOME/calm-mlir, else ~/.cache/calm-mlir.
std::string getDefaultCacheDir();

/// Runs the calm passes down to the LLVM dialect on `module` in place.
llvm::Error lowerToLLVMDialect(mlir::ModuleOp module,
                               const CompileOptions &options);

/// LLVM IR text of a module already in the LLVM dialect.
llvm::Expected<std::string> translateToLLVMIR(mlir::ModuleOp module);

/// Native code for a built module: loaded into an ORC JIT, or for CUDA
/// (whose host code has constructors that load the kernels) linked into a
/// shared object and loaded with dlopen when first looked up.
class CompiledModule : public ModelCode {
public:
  ~CompiledModule() override;
  llvm::Expected<void *> lookup(llvm::StringRef function) const override;
  std::string weightManifest() const override;
  std::string origin() const override;
  /// Links the object into a shared library at `path` (a model library,
  /// loadable by loadModelLibrary); needs ld.lld.
  llvm::Error writeSharedLibrary(llvm::StringRef path) const;
  bool loadedFromCache() const { return fromCache; }
  /// Seconds spent lowering and generating code (0 when cached).
  double compileSeconds() const { return seconds; }
  const std::string &getCacheKey() const { return key; }
  static bool classof(const ModelCode *code) {
    return code->getKind() == Kind::JIT;
  }

private:
  friend llvm::Expected<std::unique_ptr<CompiledModule>>
  compileModule(mlir::ModuleOp, const CompileOptions &);
  CompiledModule();
  /// The linked and loaded shared object of code without a JIT (CUDA).
  llvm::Expected<ModelCode *> library() const;
  std::unique_ptr<llvm::orc::LLJIT> jit;
  mutable std::mutex libraryLock;
  mutable std::unique_ptr<ModelCode> linked;
  /// The object file, for writeSharedLibrary.
  std::string object;
  bool fromCache = false;
  double seconds = 0;
  std::string key;
};

/// Compiles `module` (lowering it in place unless its object is cached).
llvm::Expected<std::unique_ptr<CompiledModule>>
compileModule(mlir::ModuleOp module, const CompileOptions &options);

/// A model's code: `options.library` loaded and its manifest checked
/// against `wanted`, or else the module `build` returns compiled with
/// `wanted` embedded (options.manifest is ignored).
llvm::Expected<std::unique_ptr<ModelCode>>
openOrCompile(const CompileOptions &options, const ModelManifest &wanted,
              llvm::function_ref<mlir::OwningOpRef<mlir::ModuleOp>()> build);

} // namespace calm::runtime

#endif // CALM_RUNTIME_ENGINE_COMPILER_H
