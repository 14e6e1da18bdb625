//===- PolynomialExp.cpp - f32 math.exp as a vector polynomial ------------===//
//
// Upstream's approximation patterns, restricted to exp: the others (tanh,
// log, erf, ...) do not occur in the models' code, and each would need its
// accuracy measured before it replaced libm.
//
//===----------------------------------------------------------------------===//

#include "calm/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CALMPOLYNOMIALEXP
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;

namespace {
struct PolynomialExp
    : public mlir::calm::impl::CALMPolynomialExpBase<PolynomialExp> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef name) { return name == "math.exp"; });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
