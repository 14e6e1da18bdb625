//===- LinalgToLoops.cpp - linalg to affine or scf loops, then vectorize --===//
//
// The general path of calm-cpu-pipeline for linalg ops that the calm
// vectorizers did not take. Upstream's convert-linalg-to-affine-loops builds
// affine.for nests whatever the bounds, which does not verify when a bound
// is not an affine symbol: a tile of an scf.for loop, sized by an affine.min
// of the loop variable, as every tiling transformation emits. Lowering
// everything to scf loops instead would lose the affine super-vectorizer on
// the untiled programs the CALM models are (their broadcasts, transposes and
// non-dot-product contractions are widened by it), so each op gets the affine
// form when its bounds allow it and the scf form otherwise.
//
// The super-vectorizer is given the parallel loops only. Linalg reductions
// are carried through memory in these loops; one with several iterations
// fails the vectorizer's dependence check anyway, but one with a single
// iteration (mmt4d with K0 = 1, the usual f32 data tiling) passes it and is
// widened into a transfer_write of a broadcast, which does not verify.
// Reductions are vectorized by calm-vectorize-dot-products before this pass,
// or stay scalar.
//
//===----------------------------------------------------------------------===//

#include "calm/Transforms/Passes.h"

#include "mlir/Dialect/Affine/Analysis/AffineAnalysis.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CALMLINALGTOLOOPS
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;

namespace {

/// Marks, for the duration of the pass, the affine loops built for a linalg
/// reduction iterator.
constexpr StringLiteral kReductionLoopAttr = "calm.linalg_reduction_loop";

/// Whether the bound operands of every affine.for in `nest` are valid
/// affine dims and symbols: what the affine.for verifier demands. (The
/// indices of the loads and stores are the nest's own induction variables.)
bool hasAffineBounds(Operation *nest) {
  auto valid = [](affine::AffineForOp loop, ValueRange operands,
                  unsigned numDims) {
    Region *scope = affine::getAffineScope(loop);
    for (auto [i, v] : llvm::enumerate(operands)) {
      bool ok = i < numDims ? affine::isValidDim(v, scope)
                            : affine::isValidSymbol(v, scope);
      if (!ok)
        return false;
    }
    return true;
  };
  WalkResult result = nest->walk([&](affine::AffineForOp loop) {
    if (!valid(loop, loop.getLowerBoundOperands(),
               loop.getLowerBoundMap().getNumDims()) ||
        !valid(loop, loop.getUpperBoundOperands(),
               loop.getUpperBoundMap().getNumDims()))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return !result.wasInterrupted();
}

/// Whether `loop` reads or writes a memref with a layout other than the
/// identity (a subview of static size, as tiling leaves): the dependence
/// analysis behind isLoopParallel reports those as errors ("NYI:
/// non-trivial layout map") and the super-vectorizer would not widen them.
bool accessesStridedMemRef(affine::AffineForOp loop) {
  WalkResult result = loop.walk([](Operation *op) {
    Value memref;
    if (auto load = dyn_cast<affine::AffineReadOpInterface>(op))
      memref = load.getMemRef();
    else if (auto store = dyn_cast<affine::AffineWriteOpInterface>(op))
      memref = store.getMemRef();
    else
      return WalkResult::advance();
    return cast<MemRefType>(memref.getType()).getLayout().isIdentity()
               ? WalkResult::advance()
               : WalkResult::interrupt();
  });
  return result.wasInterrupted();
}

/// A linalg op on buffers becomes an affine.for nest when that nest
/// verifies, an scf.for nest otherwise.
struct LowerLinalgOp : public RewritePattern {
  LowerLinalgOp(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (!linalgOp || !linalgOp.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(
          op, "expected linalg op with buffer semantics");

    FailureOr<linalg::LinalgLoops> loops =
        linalg::linalgOpToAffineLoops(rewriter, linalgOp);
    if (succeeded(loops) && !loops->empty() &&
        !hasAffineBounds(loops->front())) {
      rewriter.eraseOp(loops->front());
      loops = failure();
    }
    if (succeeded(loops)) {
      // The nest has one loop per iterator, outermost first; if not, treat
      // every loop as a reduction (none is vectorized).
      auto iterators = linalgOp.getIteratorTypesArray();
      bool oneToOne = loops->size() == iterators.size();
      for (auto [i, loop] : llvm::enumerate(*loops))
        if (!oneToOne || linalg::isReductionIterator(iterators[i]))
          loop->setAttr(kReductionLoopAttr, rewriter.getUnitAttr());
    } else if (failed(linalg::linalgOpToLoops(rewriter, linalgOp))) {
      return rewriter.notifyMatchFailure(op, "could not lower to loops");
    }
    rewriter.eraseOp(op);
    return success();
  }
};

/// convert-linalg-to-loops' clean-up of the index arithmetic it emits:
/// an affine.apply of a constant or of a single dim or symbol is that value.
struct FoldTrivialAffineApply : public OpRewritePattern<affine::AffineApplyOp> {
  FoldTrivialAffineApply(MLIRContext *context)
      : OpRewritePattern(context, /*benefit=*/0) {}

  LogicalResult matchAndRewrite(affine::AffineApplyOp op,
                                PatternRewriter &rewriter) const override {
    AffineMap map = op.getAffineMap();
    if (map.getNumResults() != 1 || map.getNumInputs() > 1)
      return failure();
    AffineExpr expr = map.getResult(0);
    if (map.getNumInputs() == 0) {
      if (auto c = dyn_cast<AffineConstantExpr>(expr)) {
        rewriter.replaceOpWithNewOp<arith::ConstantIndexOp>(op, c.getValue());
        return success();
      }
      return failure();
    }
    if (isa<AffineDimExpr, AffineSymbolExpr>(expr)) {
      rewriter.replaceOp(op, op->getOperand(0));
      return success();
    }
    return failure();
  }
};

struct LinalgToLoopsPass
    : public calm::impl::CALMLinalgToLoopsBase<LinalgToLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *context = &getContext();
    // The patterns of convert-linalg-to-{affine-,}loops, with the choice of
    // loop kind per op.
    RewritePatternSet patterns(context);
    patterns.add<LowerLinalgOp, FoldTrivialAffineApply>(context);
    memref::DimOp::getCanonicalizationPatterns(patterns, context);
    tensor::DimOp::getCanonicalizationPatterns(patterns, context);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    (void)applyPatternsGreedily(func, std::move(patterns));

    if (vectorWidth > 0) {
      // affine-super-vectorize's candidates (loops without loop-carried
      // memory dependences), less the linalg reductions and the loops over
      // strided memrefs.
      DenseSet<Operation *> candidates;
      func.walk([&](affine::AffineForOp loop) {
        if (!loop->hasAttr(kReductionLoopAttr) &&
            !accessesStridedMemRef(loop) && affine::isLoopParallel(loop))
          candidates.insert(loop);
      });
      SmallVector<int64_t> sizes = {static_cast<int64_t>(vectorWidth)};
      affine::vectorizeAffineLoops(func, candidates, sizes,
                                   /*fastestVaryingPattern=*/{});
    }
    func.walk(
        [](affine::AffineForOp loop) { loop->removeAttr(kReductionLoopAttr); });
  }
};

} // namespace
