//===- LoopOrder.cpp - contraction loop order and in-bounds transfers -----===//

#include "calm/Dialect/CALM/IR/CALMOps.h"
#include "calm/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CALMINTERCHANGECONTRACTIONS
#define GEN_PASS_DEF_CALMMARKTRANSFERSINBOUNDS
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;

namespace {

/// A contraction, or an L-Matmul (a generic whose body multiplies with
/// calm.lmul, which linalg's contraction matcher does not know).
bool isContractionLike(linalg::LinalgOp op) {
  if (linalg::isaContractionOpInterface(op))
    return true;
  return isa<linalg::GenericOp>(op.getOperation()) &&
         op.getNumDpsInputs() == 2 && op.getNumReductionLoops() > 0 &&
         llvm::all_of(op.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isProjectedPermutation(); }) &&
         !op.getBlock()->getOps<calm::LMulOp>().empty();
}

struct InterchangeContractionsPass
    : public calm::impl::CALMInterchangeContractionsBase<
          InterchangeContractionsPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics() && op.getNumDpsInits() == 1 &&
          isContractionLike(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      AffineMap initMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
      if (initMap.getNumResults() == 0 || !initMap.isProjectedPermutation())
        continue;
      unsigned inner = initMap.getDimPosition(initMap.getNumResults() - 1);
      // Only worth it when that loop also walks the inputs contiguously
      // (matmul's B, vecmat's B); a matvec keeps its dot-product order.
      bool contiguous = false, strided = false;
      for (OpOperand *in : op.getDpsInputOperands()) {
        AffineMap map = op.getMatchingIndexingMap(in);
        for (unsigned r = 0; r < map.getNumResults(); ++r) {
          auto dim = dyn_cast<AffineDimExpr>(map.getResult(r));
          if (!dim || dim.getPosition() != inner)
            continue;
          if (r + 1 == map.getNumResults())
            contiguous = true;
          else
            strided = true;
        }
      }
      if (!contiguous || strided)
        continue;
      auto iterators = op.getIteratorTypesArray();
      SmallVector<unsigned> order;
      for (unsigned d = 0; d < iterators.size(); ++d)
        if (d != inner && iterators[d] == utils::IteratorType::parallel)
          order.push_back(d);
      for (unsigned d = 0; d < iterators.size(); ++d)
        if (iterators[d] == utils::IteratorType::reduction)
          order.push_back(d);
      order.push_back(inner);
      if (llvm::equal(order, llvm::seq<unsigned>(0, order.size())))
        continue;
      rewriter.setInsertionPoint(op);
      linalg::GenericOp generic =
          dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        FailureOr<linalg::GenericOp> g =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(g))
          continue;
        generic = *g;
      }
      // interchangeGenericOp takes, for each new loop, the old one it runs.
      (void)linalg::interchangeGenericOp(rewriter, generic, order);
    }
  }
};

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
