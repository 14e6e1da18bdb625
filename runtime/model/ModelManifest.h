//===- ModelManifest.h - what a compiled model was built for ----*- C++ -*-===//
//
// Every compiled model object carries, as the NUL-terminated JSON string
// `calm_model_manifest`, the facts its code depends on: the ABI of its
// functions, the config fields the builder read, the numerics, the CPU it
// was generated for and the functions it defines. A model library written
// by `calm-run compile -o` is loaded only where these match the model
// directory, the requested numerics and this CPU; any mismatch is a
// one-line error naming it.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_MODEL_MODELMANIFEST_H
#define CALM_RUNTIME_MODEL_MODELMANIFEST_H

#include "io/Config.h"

#include "llvm/Support/Error.h"

#include <string>
#include <utility>
#include <vector>

namespace calm::runtime {

struct ModelBuildOptions;

/// Version of the compiled functions' calling convention (their names,
/// argument lists, the weight and KV-cache layouts). Raised whenever the
/// runtime calls compiled code differently.
constexpr int kModelABIVersion = 1;

/// The symbol holding the manifest in a compiled object.
constexpr const char *kModelManifestSymbol = "calm_model_manifest";

struct ModelManifest {
  int abi = kModelABIVersion;
  /// "calm" or "llama".
  std::string kind;
  /// Config fields the generated code depends on, as (name, value text),
  /// in a fixed order.
  std::vector<std::pair<std::string, std::string>> config;
  /// The numerics selection, canonical (NumericsSelection::str()).
  std::string numerics;
  /// Target CPU name and LLVM feature string (+avx2,-amx-tile,...) of the
  /// host code.
  std::string cpu, features;
  /// Where the model runs: "cpu", or "cuda" (host code that launches
  /// kernels embedded for the `gpu` chips, e.g. "sm_80,sm_90").
  std::string device = "cpu";
  std::string gpu;
  /// The C-interface functions the runtime calls.
  std::vector<std::string> functions;

  std::string toJSON() const;
};

/// What a CALM (and its autoencoder) compiled with `numerics` is built for;
/// cpu and features are left empty (the compiler fills them).
ModelManifest getCALMManifest(const CALMConfig &config,
                              const AutoencoderConfig &ae,
                              const ModelBuildOptions &build,
                              const std::string &numerics);
/// The same for the token twin.
ModelManifest getLlamaManifest(const LlamaConfig &config,
                               const ModelBuildOptions &build,
                               const std::string &numerics);

/// Parses a manifest; `path` names the library in errors.
llvm::Expected<ModelManifest> parseModelManifest(llvm::StringRef json,
                                                 llvm::StringRef path);

/// A one-line error naming the first difference between what the library
/// at `path` was built for and what this run needs (ABI, model kind, a
/// config field, numerics, device), or success. `numericsGiven` false: any
/// numerics is accepted (the library's is used).
llvm::Error checkModelManifest(const ModelManifest &library,
                               const ModelManifest &wanted, bool numericsGiven,
                               llvm::StringRef path);

/// A one-line error naming a CPU feature the library's code uses that this
/// CPU lacks, or success.
llvm::Error checkHostRunsManifest(const ModelManifest &library,
                                  llvm::StringRef path);

} // namespace calm::runtime

#endif // CALM_RUNTIME_MODEL_MODELMANIFEST_H
