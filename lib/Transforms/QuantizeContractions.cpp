//===- QuantizeContractions.cpp - contractions in bf16, f16, fp8 or i8 ---===//
//
// calm-quantize-contractions: untagged contractions in one quantized form
// (pass options), tagged ones in their own.
//
//===----------------------------------------------------------------------===//

#include "calm/Dialect/CALM/IR/Numerics.h"
#include "calm/Transforms/ContractionNumerics.h"
#include "calm/Transforms/Passes.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CALMQUANTIZECONTRACTIONS
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;
using namespace mlir::calm;

namespace {
struct QuantizeContractionsPass
    : public calm::impl::CALMQuantizeContractionsBase<
          QuantizeContractionsPass> {
  using Base::Base;
  LogicalResult initialize(MLIRContext *ctx) override {
    std::string error;
    if (form.empty())
      return emitError(UnknownLoc::get(ctx))
             << "calm-quantize-contractions: form= is required; valid forms: "
                "bf16, f16, f8e4m3, f8e5m2, i8";
    std::string spec = form;
    if (granularity != "tensor")
      spec += "/" + granularity.getValue();
    std::optional<Numerics> n = parseNumerics(spec, error);
    if (!n && granularity != "tensor" && granularity != "channel")
      error = "granularity must be tensor or channel, not '" +
              granularity.getValue() + "'";
    if (!n)
      return emitError(UnknownLoc::get(ctx))
             << "calm-quantize-contractions: " << error;
    if (!n->isQuantized())
      return emitError(UnknownLoc::get(ctx))
             << "calm-quantize-contractions: form=" << form
             << " is not a quantized form; valid forms: bf16, f16, f8e4m3, "
                "f8e5m2, i8 (use calm-lmul-contractions for L-Mul)";
    numerics = *n;
    return checkFuncFilter(ctx, "calm-quantize-contractions", funcFilter);
  }
  void runOnOperation() override {
    if (failed(rewriteContractions(getOperation(), numerics, funcFilter)))
      signalPassFailure();
  }
  Numerics numerics;
};
} // namespace
