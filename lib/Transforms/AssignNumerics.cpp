//===- AssignNumerics.cpp - numerics per contraction role -----------------===//
//
// calm-assign-numerics: turns a model-wide numerics selection (per role)
// into `calm.numerics` attributes on the contractions a model builder tagged
// with `calm.role`, so that calm-apply-numerics (first step of the CPU
// pipeline) rewrites each in its form.
//
//===----------------------------------------------------------------------===//

#include "calm/Dialect/CALM/IR/CALMAttrs.h"
#include "calm/Dialect/CALM/IR/Numerics.h"
#include "calm/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CALMASSIGNNUMERICS
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;
using namespace mlir::calm;

namespace {
struct CALMAssignNumericsPass
    : public calm::impl::CALMAssignNumericsBase<CALMAssignNumericsPass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *ctx) override {
    std::string spec = defaultForm;
    if (!roles.empty())
      spec += "," + roles;
    std::string error;
    std::optional<NumericsSelection> parsed =
        parseNumericsSelection(spec, error);
    if (!parsed)
      return emitError(UnknownLoc::get(ctx), "calm-assign-numerics: ")
             << error;
    selection = *parsed;
    return success();
  }

  void runOnOperation() override {
    getOperation()->walk([&](linalg::LinalgOp op) {
      auto role = op->getAttrOfType<RoleAttr>(kRoleAttrName);
      if (!role || op->hasAttr(kNumericsAttrName) ||
          !linalg::isaContractionOpInterface(op))
        return;
      Numerics n = selection.forRole(stringifyRole(role.getValue()));
      if (n.kind != NumericsKind::F32)
        op->setAttr(kNumericsAttrName, NumericsAttr::get(op->getContext(), n));
    });
  }

  NumericsSelection selection;
};
} // namespace
