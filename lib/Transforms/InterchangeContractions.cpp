//===- InterchangeContractions.cpp - contraction loop order
//----------------===//
//
// calm-interchange-contractions: contractions on memrefs (and L-Matmuls)
// run with the loop over the result's innermost dim innermost, so that the
// vectorizer widens contiguous rows.
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
#define GEN_PASS_DEF_CALMINTERCHANGECONTRACTIONS
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

} // namespace
