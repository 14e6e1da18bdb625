//===- ModelCode.h - a model's compiled functions, however obtained -*- C++
//-*-===//
//
// What the models call: the compiled functions' C interfaces, the weight
// manifest (where each tensor goes, in which form) and the manifest of what
// the code was built for. Either JIT-compiled in this process
// (runtime/Compiler) or a model library written by `calm-run compile -o`
// and loaded with dlopen (ModelLibrary.cpp, no LLVM or MLIR beyond Support).
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_MODEL_MODELCODE_H
#define CALM_RUNTIME_MODEL_MODELCODE_H

#include "model/ModelManifest.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace calm::runtime {

class ModelCode {
public:
  enum class Kind { JIT, Library };
  virtual ~ModelCode();
  /// Address of the C interface (`_mlir_ciface_<name>`) of a function.
  virtual llvm::Expected<void *> lookup(llvm::StringRef function) const = 0;
  /// The weight manifest calm-contractions-to-ukernels embedded (JSON), or
  /// "" when the code has none.
  virtual std::string weightManifest() const = 0;
  /// Where the code came from, for statistics: "library PATH", "cached" or
  /// the compile time.
  virtual std::string origin() const = 0;
  /// What the code was built for.
  const ModelManifest &getManifest() const { return manifest; }
  Kind getKind() const { return kind; }

protected:
  explicit ModelCode(Kind kind) : kind(kind) {}
  ModelManifest manifest;

private:
  Kind kind;
};

/// Loads a model library written by `calm-run compile -o`: one-line errors
/// for a file that is not one, and for code that uses CPU features this CPU
/// lacks. The caller checks its manifest against the model
/// (checkModelManifest). The library's undefined symbols (the microkernels'
/// entry point, memrefCopy, libc) must be exported by this process.
llvm::Expected<std::unique_ptr<ModelCode>>
loadModelLibrary(llvm::StringRef path);

} // namespace calm::runtime

#endif // CALM_RUNTIME_MODEL_MODELCODE_H
