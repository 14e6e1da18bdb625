//===- WeightsAtRest.h - names shared by the pass and the runtime -*- C++
//-*-===//
//
// The contract between a model builder, calm-contractions-to-ukernels and the
// runtime that packs weights (docs/UKERNELS.md): which function argument is a
// weight buffer, which view is which tensor, where the manifest lives, and
// the microkernel the generated code calls.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_DIALECT_CALM_IR_WEIGHTSATREST_H
#define CALM_DIALECT_CALM_IR_WEIGHTSATREST_H

#include "llvm/ADT/StringRef.h"

namespace mlir::calm {

/// On a function argument (memref<Nxi8>): this is the weight buffer NAME.
constexpr llvm::StringLiteral kWeightsArgAttrName = "calm.weights";
/// On a memref.view of a weight buffer: the checkpoint tensor it views.
constexpr llvm::StringLiteral kWeightAttrName = "calm.weight";
/// Public constant holding the JSON layout of every weight buffer.
constexpr llvm::StringLiteral kWeightManifestSymbol = "calm_weight_manifest";
/// The microkernel (C interface: _mlir_ciface_calm_uk_linear).
constexpr llvm::StringLiteral kUKernelLinearName = "calm_uk_linear";

} // namespace mlir::calm

#endif // CALM_DIALECT_CALM_IR_WEIGHTSATREST_H
