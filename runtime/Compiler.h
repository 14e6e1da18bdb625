//===- Compiler.h - built model module to native code, with a cache -*- C++ -*-===//
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

#ifndef CALM_RUNTIME_COMPILER_H
#define CALM_RUNTIME_COMPILER_H

#include "ModelManifest.h"

#include "calm/Dialect/CALM/IR/Numerics.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace llvm::orc {
class LLJIT;
}

namespace calm::runtime {

struct CompileOptions {
  mlir::calm::NumericsSelection numerics;
  /// Directory of cached objects; empty disables the cache.
  std::string cacheDir;
  /// Vector width of the CPU pipeline (elements).
  unsigned vectorWidth = 8;
  /// Linear layers in the microkernels, weights at rest in their form
  /// (calm-contractions-to-ukernels); false: everything through codegen.
  bool ukernels = true;
  /// f32 exp as calm-polynomial-exp's vector polynomial; false: libm expf.
  bool polynomialExp = true;
  /// Embedded in the object as its manifest (the compiler fills in the CPU
  /// and features it generates code for).
  ModelManifest manifest;
  /// A model library (calm-run compile -o) to load instead of compiling.
  std::string library;
  /// Whether `numerics` was asked for; if not, a library's own is used.
  bool numericsGiven = true;
};

/// $CALM_CACHE_DIR, else $XDG_CACHE_HOME/calm-mlir, else ~/.cache/calm-mlir.
std::string getDefaultCacheDir();

/// Runs the calm passes down to the LLVM dialect on `module` in place.
llvm::Error lowerToLLVMDialect(mlir::ModuleOp module,
                               const CompileOptions &options);

/// LLVM IR text of a module already in the LLVM dialect.
llvm::Expected<std::string> translateToLLVMIR(mlir::ModuleOp module);

/// Native code for a built module, loaded and ready to call.
class CompiledModule {
public:
  ~CompiledModule();
  /// Address of the C interface (`_mlir_ciface_<name>`) of a function.
  llvm::Expected<void *> lookup(llvm::StringRef function) const;
  /// The weight manifest calm-contractions-to-ukernels embedded (JSON), or
  /// "" when the module has none.
  std::string weightManifest() const;
  /// What the code was built for (embedded in it; read back from a model
  /// library).
  const ModelManifest &getManifest() const { return manifest; }
  /// Links the object into a shared library at `path` (a model library,
  /// loadable by loadModelLibrary); needs ld.lld. Only for code compiled in
  /// this process.
  llvm::Error writeSharedLibrary(llvm::StringRef path) const;
  bool loadedFromCache() const { return fromCache; }
  /// The model library this code was loaded from, or "".
  const std::string &getLibraryPath() const { return libraryPath; }
  /// Seconds spent lowering and generating code (0 when cached).
  double compileSeconds() const { return seconds; }
  const std::string &getCacheKey() const { return key; }

private:
  friend llvm::Expected<std::unique_ptr<CompiledModule>>
  compileModule(mlir::ModuleOp, const CompileOptions &);
  friend llvm::Expected<std::unique_ptr<CompiledModule>>
  loadModelLibrary(llvm::StringRef);
  CompiledModule() = default;
  void *symbol(llvm::StringRef name) const;
  std::unique_ptr<llvm::orc::LLJIT> jit;
  /// dlopen handle of a model library (instead of the JIT).
  void *library = nullptr;
  std::string libraryPath;
  /// The object file (JIT-compiled code only), for writeSharedLibrary.
  std::string object;
  ModelManifest manifest;
  bool fromCache = false;
  double seconds = 0;
  std::string key;
};

/// Compiles `module` (lowering it in place unless its object is cached).
llvm::Expected<std::unique_ptr<CompiledModule>>
compileModule(mlir::ModuleOp module, const CompileOptions &options);

/// Loads a model library written by writeSharedLibrary: one-line errors for
/// a file that is not one, and for code that uses CPU features this CPU
/// lacks. The caller checks its manifest against the model
/// (checkModelManifest).
llvm::Expected<std::unique_ptr<CompiledModule>>
loadModelLibrary(llvm::StringRef path);

/// A model's code: `options.library` loaded and its manifest checked
/// against `wanted`, or else the module `build` returns compiled with
/// `wanted` embedded (options.manifest is ignored).
llvm::Expected<std::unique_ptr<CompiledModule>>
openOrCompile(const CompileOptions &options, const ModelManifest &wanted,
              llvm::function_ref<mlir::OwningOpRef<mlir::ModuleOp>()> build);

} // namespace calm::runtime

#endif // CALM_RUNTIME_COMPILER_H
