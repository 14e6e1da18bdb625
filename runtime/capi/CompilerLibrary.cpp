//===- CompilerLibrary.cpp - libcalm-compiler.so: compile on demand -------===//
//
// The model builder, the pass pipeline and the LLVM back end behind two C
// functions (CompilerLibrary.h), for libcalm to dlopen when it is asked to
// run a model it has no library for. The library it writes is the one
// `calm-run compile -o` writes for the same model, numerics and context.
//
//===----------------------------------------------------------------------===//

#include "CompilerLibrary.h"

#include "engine/CompiledModels.h"

#include <algorithm>
#include <cstring>

using namespace calm::runtime;

namespace {
int fail(char *error, size_t size, std::string message) {
  std::replace(message.begin(), message.end(), '\n', ' ');
  if (error && size) {
    size_t n = std::min(size - 1, message.size());
    std::memcpy(error, message.data(), n);
    error[n] = '\0';
  }
  return -1;
}
} // namespace

extern "C" {

int calm_compiler_abi_version(void) { return CALM_COMPILER_ABI_VERSION; }

int calm_compiler_compile_library(const char *modelDir, const char *numerics,
                                  int64_t contextChunks, const char *outPath,
                                  char *error, size_t errorSize) {
  if (!modelDir || !outPath)
    return fail(error, errorSize,
                "calm_compiler_compile_library: model_dir and out_path must "
                "not be NULL");
  if (contextChunks < 0)
    return fail(error, errorSize,
                "calm_compiler_compile_library: context_chunks must be >= 0");
  ModelOptions options;
  std::string why;
  auto selection =
      mlir::calm::parseNumericsSelection(numerics ? numerics : "f32", why);
  if (!selection)
    return fail(error, errorSize, "numerics: " + why);
  options.compile.numerics = *selection;
  if (llvm::Error e =
          compileModelLibrary(modelDir, options, contextChunks, outPath))
    return fail(error, errorSize, llvm::toString(std::move(e)));
  return 0;
}

} // extern "C"
