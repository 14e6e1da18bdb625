//===- ApplyNumerics.cpp - apply calm.numerics attributes ----------------===//
//
// calm-apply-numerics: each contraction tagged calm.numerics computes in
// its form; untagged ones are left alone.
//
//===----------------------------------------------------------------------===//

#include "calm/Dialect/CALM/IR/Numerics.h"
#include "calm/Transforms/ContractionNumerics.h"
#include "calm/Transforms/Passes.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CALMAPPLYNUMERICS
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;
using namespace mlir::calm;

namespace {
struct ApplyNumericsPass
    : public calm::impl::CALMApplyNumericsBase<ApplyNumericsPass> {
  void runOnOperation() override {
    if (failed(rewriteContractions(getOperation(), std::nullopt, "")))
      signalPassFailure();
  }
};
} // namespace
