//===- ModelLibrary.cpp - model libraries loaded with dlopen --------------===//

#include "cuda/CALMCudaRuntime.h"
#include "model/ModelCode.h"

#include "calm/Dialect/CALM/IR/WeightsAtRest.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

#include <dlfcn.h>

using namespace calm::runtime;

ModelCode::~ModelCode() = default;

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

class ModelLibrary : public ModelCode {
public:
  ModelLibrary(void *handle, std::string path, ModelManifest m)
      : ModelCode(Kind::Library), handle(handle), path(std::move(path)) {
    manifest = std::move(m);
  }
  ~ModelLibrary() override { dlclose(handle); }
  llvm::Expected<void *> lookup(llvm::StringRef function) const override {
    if (void *address =
            dlsym(handle, ("_mlir_ciface_" + function).str().c_str()))
      return address;
    return makeError(
        llvm::formatv("{0}: no function {1}", path, function).str());
  }
  std::string weightManifest() const override {
    const auto *text = static_cast<const char *>(
        dlsym(handle, mlir::calm::kWeightManifestSymbol.data()));
    return text ? std::string(text) : "";
  }
  std::string origin() const override { return "library " + path; }

private:
  void *handle;
  std::string path;
};

} // namespace

llvm::Expected<std::unique_ptr<ModelCode>>
calm::runtime::loadModelLibrary(llvm::StringRef path) {
  if (!llvm::sys::fs::exists(path))
    return makeError(path + ": no such file");
  // A path without a slash would be searched for; this one is a file.
  llvm::SmallString<256> absolute(path);
  llvm::sys::fs::make_absolute(absolute);
  // A CUDA library's kernel modules load in its constructors: their
  // failures are reported by the model that checks them, in one line, not
  // printed (and a library for the wrong device is refused in one line).
  calmCudaSetQuiet(1);
  void *handle = dlopen(absolute.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    return makeError(llvm::formatv("{0}: cannot load it as a model library: "
                                   "{1}",
                                   path, why ? why : "unknown error"));
  }
  auto close = [&](llvm::Error e) -> llvm::Error {
    dlclose(handle);
    return e;
  };
  const auto *text =
      static_cast<const char *>(dlsym(handle, kModelManifestSymbol));
  if (!text)
    return close(makeError(path + ": not a calm model library (no " +
                           kModelManifestSymbol + ")"));
  auto manifest = parseModelManifest(text, path);
  if (!manifest)
    return close(manifest.takeError());
  if (llvm::Error e = checkHostRunsManifest(*manifest, path))
    return close(std::move(e));
  return std::make_unique<ModelLibrary>(handle, path.str(),
                                        std::move(*manifest));
}
