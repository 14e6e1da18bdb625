//===- Checkpoint.h - a CALM model directory and its autoencoder -*- C++
//-*-===//
//
// Opens a CALM directory the way the official classes save it: config.json,
// model.safetensors or shards listed in model.safetensors.index.json, the
// autoencoder in `ae_path` (relative to the CALM directory, absolute, or
// overridden by the user), the autoencoder weights embedded as ae_model.*
// taking precedence over the autoencoder directory's, either head prefix,
// and a tied or untied autoencoder output matrix. Everything is validated
// before use: configs, their agreement, and every tensor name and shape.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_IO_CHECKPOINT_H
#define CALM_RUNTIME_IO_CHECKPOINT_H

#include "io/Config.h"

#include <optional>

namespace calm::runtime {

/// The tensors of one checkpoint, possibly spread over shards.
class WeightSet {
public:
  /// Opens `dir`/model.safetensors, or the shards its index names.
  static llvm::Expected<WeightSet> open(llvm::StringRef dir);

  const TensorView *find(llvm::StringRef name) const;
  std::vector<const TensorView *> all() const;
  llvm::StringRef getPath() const { return path; }

private:
  std::string path;
  std::vector<std::unique_ptr<SafeTensorsFile>> files;
};

struct CALMCheckpoint {
  std::string dir, aeDir;
  CALMConfig config;
  AutoencoderConfig aeConfig;
  WeightSet weights, aeWeights;
  /// A CALM tensor, the head under either prefix (name with mlp_generator.).
  const TensorView *calmTensor(llvm::StringRef name) const;
  /// An autoencoder tensor (name without prefix): the CALM's embedded
  /// ae_model.* copy when present, else the autoencoder directory's; the
  /// output matrix falls back to the tied embedding.
  const TensorView *aeTensor(llvm::StringRef name) const;
  bool aeOutputTied() const;
};

/// Opens and validates a CALM directory; `aeOverride` replaces the config's
/// ae_path.
llvm::Expected<std::unique_ptr<CALMCheckpoint>>
openCALMCheckpoint(llvm::StringRef dir,
                   std::optional<std::string> aeOverride = std::nullopt);

} // namespace calm::runtime

#endif // CALM_RUNTIME_IO_CHECKPOINT_H
