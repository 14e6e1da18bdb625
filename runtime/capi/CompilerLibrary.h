/*===- CompilerLibrary.h - libcalm-compiler.so's entry points -----*- C -*-===*\
|*                                                                            *|
|* The compiler as a shared library that libcalm loads at run time when a    *|
|* model is opened without a model library (compile on demand): libcalm      *|
|* itself links neither LLVM nor MLIR, this library links both. Private to   *|
|* the two: not installed, versioned by CALM_COMPILER_ABI_VERSION.           *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef CALM_RUNTIME_CAPI_COMPILERLIBRARY_H
#define CALM_RUNTIME_CAPI_COMPILERLIBRARY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CALM_COMPILER_ABI_VERSION 1

/* The CALM_COMPILER_ABI_VERSION the library was built with. */
int calm_compiler_abi_version(void);

/* Compiles the model in `model_dir` with `numerics` (calm-run's spelling;
 * NULL: f32) for a context of `context_chunks` (0: the default) into a
 * model library at `out_path`, as `calm-run compile -o` does. Returns 0,
 * or -1 with a one-line message in `error` (`error_size` bytes, truncated,
 * NUL-terminated). */
int calm_compiler_compile_library(const char *model_dir, const char *numerics,
                                  int64_t context_chunks, const char *out_path,
                                  char *error, size_t error_size);

typedef int (*calm_compiler_abi_version_fn)(void);
typedef int (*calm_compiler_compile_library_fn)(const char *, const char *,
                                                int64_t, const char *, char *,
                                                size_t);

#ifdef __cplusplus
}
#endif

#endif /* CALM_RUNTIME_CAPI_COMPILERLIBRARY_H */
