//===- ContractionNumerics.h - a contraction in a numerics form -*- C++ -*-===//
//
// The rewrite behind calm-quantize-contractions, calm-lmul-contractions and
// calm-apply-numerics (lib/Transforms/ContractionNumerics.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef CALM_TRANSFORMS_CONTRACTIONNUMERICS_H
#define CALM_TRANSFORMS_CONTRACTIONNUMERICS_H

#include "calm/Dialect/CALM/IR/Numerics.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace mlir::calm {

/// Rewrites `op`, a two-operand linalg contraction on tensors, to compute in
/// `numerics` (scaled quantization, bf16/f16 storage, or L-Mul); an error on
/// `op` if it cannot.
LogicalResult applyNumerics(RewriterBase &rewriter, linalg::LinalgOp op,
                            const Numerics &numerics);

/// Applies every `calm.numerics` attribute under `root`, and `defaults` (when
/// given) to the untagged contractions in functions whose name matches the
/// regex `funcFilter` (all when empty).
LogicalResult rewriteContractions(Operation *root,
                                  std::optional<Numerics> defaults,
                                  StringRef funcFilter);

/// An error naming `pass` when `filter` is not a valid regex.
LogicalResult checkFuncFilter(MLIRContext *ctx, StringRef pass,
                              StringRef filter);

} // namespace mlir::calm

#endif // CALM_TRANSFORMS_CONTRACTIONNUMERICS_H
