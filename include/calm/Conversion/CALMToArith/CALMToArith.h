//===- CALMToArith.h - calm to arith lowering -------------------*- C++ -*-===//

#ifndef CALM_CONVERSION_CALMTOARITH_CALMTOARITH_H
#define CALM_CONVERSION_CALMTOARITH_CALMTOARITH_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace calm {

#define GEN_PASS_DECL_CONVERTCALMTOARITH
#include "calm/Conversion/Passes.h.inc"

/// Adds the patterns that expand calm.lmul into integer arith ops.
void populateCALMToArithConversionPatterns(RewritePatternSet &patterns);

} // namespace calm
} // namespace mlir

#endif // CALM_CONVERSION_CALMTOARITH_CALMTOARITH_H
