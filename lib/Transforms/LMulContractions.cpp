//===- LMulContractions.cpp - contractions with L-Mul --------------------===//
//
// calm-lmul-contractions: the multiplies of untagged contractions become
// calm.lmul (L-Matmul); tagged ones take their own form.
//
//===----------------------------------------------------------------------===//

#include "calm/Dialect/CALM/IR/Numerics.h"
#include "calm/Transforms/ContractionNumerics.h"
#include "calm/Transforms/Passes.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CALMLMULCONTRACTIONS
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;
using namespace mlir::calm;

namespace {
struct LMulContractionsPass
    : public calm::impl::CALMLMulContractionsBase<LMulContractionsPass> {
  using Base::Base;
  LogicalResult initialize(MLIRContext *ctx) override {
    if (mantissaBits < 1 || mantissaBits > 23)
      return emitError(UnknownLoc::get(ctx))
             << "calm-lmul-contractions: mantissa-bits="
             << static_cast<unsigned>(mantissaBits)
             << " is out of range: use 1..23";
    return checkFuncFilter(ctx, "calm-lmul-contractions", funcFilter);
  }
  void runOnOperation() override {
    Numerics n;
    n.kind = NumericsKind::LMul;
    n.mantissaBits = mantissaBits;
    if (failed(rewriteContractions(getOperation(), n, funcFilter)))
      signalPassFailure();
  }
};
} // namespace
