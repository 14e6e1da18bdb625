//===- MarkTransfersInBounds.cpp - in-bounds vector transfers
//--------------===//
//
// calm-mark-transfers-in-bounds: transfers whose indices provably stay in
// bounds (constants, affine.for IVs with constant bounds) are marked so.
//
//===----------------------------------------------------------------------===//

#include "calm/Dialect/CALM/IR/CALMOps.h"
#include "calm/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CALMMARKTRANSFERSINBOUNDS
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;

namespace {

/// The largest value `v` takes: a constant, or an affine.for IV with
/// constant bounds and step.
std::optional<int64_t> maxValue(Value v) {
  if (auto c = getConstantIntValue(v))
    return *c;
  auto loop = affine::getForInductionVarOwner(v);
  if (!loop || !loop.hasConstantBounds())
    return std::nullopt;
  int64_t lb = loop.getConstantLowerBound(), ub = loop.getConstantUpperBound();
  int64_t step = loop.getStepAsInt();
  if (ub <= lb)
    return std::nullopt;
  return lb + (ub - lb - 1) / step * step;
}

struct MarkTransfersInBoundsPass
    : public calm::impl::CALMMarkTransfersInBoundsBase<
          MarkTransfersInBoundsPass> {
  void runOnOperation() override {
    getOperation().walk([&](VectorTransferOpInterface xfer) {
      auto memref = dyn_cast<MemRefType>(xfer.getShapedType());
      if (!memref || !memref.hasStaticShape() || xfer.getMask())
        return;
      AffineMap map = xfer.getPermutationMap();
      SmallVector<bool> inBounds;
      bool changed = false;
      for (unsigned r = 0; r < map.getNumResults(); ++r) {
        bool known = xfer.isDimInBounds(r);
        auto dimExpr = dyn_cast<AffineDimExpr>(map.getResult(r));
        if (!known && dimExpr) {
          unsigned d = dimExpr.getPosition();
          int64_t extent = xfer.getVectorType().getDimSize(r);
          std::optional<int64_t> last = maxValue(xfer.getIndices()[d]);
          if (last && *last + extent <= memref.getDimSize(d)) {
            known = true;
            changed = true;
          }
        }
        inBounds.push_back(known);
      }
      if (changed)
        xfer->setAttr("in_bounds", OpBuilder(xfer).getBoolArrayAttr(inBounds));
    });
  }
};

} // namespace
