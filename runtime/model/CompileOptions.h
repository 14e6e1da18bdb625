//===- CompileOptions.h - how a model's code is obtained --------*- C++ -*-===//
//
// Options of the compiler (numerics, cache, pipeline switches) and of model
// libraries. Header-only data: the runtime without a compiler (libcalm)
// includes it.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_MODEL_COMPILEOPTIONS_H
#define CALM_RUNTIME_MODEL_COMPILEOPTIONS_H

#include "model/ModelManifest.h"

#include "calm/Dialect/CALM/IR/Numerics.h"

#include <string>

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
  /// "cpu", or "cuda": calm-gpu-pipeline's host code (generic x86-64, so
  /// that a library runs on any GPU machine's CPU) with the kernels
  /// embedded as a fatbin for `gpuChips`.
  std::string device = "cpu";
  std::string gpuChips = "sm_80,sm_90";
  /// Whether `device` was asked for; if not, a library's own is used.
  bool deviceGiven = true;
};

} // namespace calm::runtime

#endif // CALM_RUNTIME_MODEL_COMPILEOPTIONS_H
