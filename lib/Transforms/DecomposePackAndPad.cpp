//===- DecomposePackAndPad.cpp - pack/unpack/pad as bufferizable ops ------===//
//
// Data-tiled programs (linalg.pack -> linalg.mmt4d -> linalg.unpack) and
// tiles padded to a static size arrive with layout ops that the CPU pipeline
// cannot bufferize (pack, unpack) or that linalg-fold-unit-extent-dims
// rebuilds with a type that does not verify (tensor.pad). Rewritten into
// pads, reshapes, transposes, fills and slices, they bufferize and lower to
// loops like everything else.
//
//===----------------------------------------------------------------------===//

#include "calm/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CALMDECOMPOSEPACKANDPAD
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;

namespace {
struct DecomposePackAndPadPass
    : public calm::impl::CALMDecomposePackAndPadBase<DecomposePackAndPadPass> {
  void runOnOperation() override {
    SmallVector<linalg::PackOp> packs;
    SmallVector<linalg::UnPackOp> unpacks;
    getOperation()->walk([&](Operation *op) {
      if (auto pack = dyn_cast<linalg::PackOp>(op))
        packs.push_back(pack);
      else if (auto unpack = dyn_cast<linalg::UnPackOp>(op))
        unpacks.push_back(unpack);
    });

    IRRewriter rewriter(&getContext());
    bool failedAny = false;
    for (linalg::PackOp pack : packs) {
      rewriter.setInsertionPoint(pack);
      if (failed(linalg::lowerPack(rewriter, pack))) {
        pack.emitOpError("cannot be lowered by the CPU pipeline (only "
                         "static inner tiles on tensors are supported)");
        failedAny = true;
      }
    }
    for (linalg::UnPackOp unpack : unpacks) {
      rewriter.setInsertionPoint(unpack);
      if (failed(linalg::lowerUnPack(rewriter, unpack))) {
        unpack.emitOpError("cannot be lowered by the CPU pipeline (only "
                           "static inner tiles on tensors are supported)");
        failedAny = true;
      }
    }
    if (failedAny)
      return signalPassFailure();

    // Pads last: lowerPack emits one per pack. Only the pads are rewritten
    // (not a greedy sweep of the whole function), so IR without them is
    // left exactly as it was.
    SmallVector<Operation *> pads;
    getOperation()->walk([&](tensor::PadOp pad) { pads.push_back(pad); });
    if (pads.empty())
      return;
    RewritePatternSet patterns(&getContext());
    linalg::populateDecomposePadPatterns(patterns);
    // A constant padding value becomes a linalg.fill, a computed one (the
    // body reads the indices) a tensor.generate.
    (void)applyOpPatternsGreedily(pads, std::move(patterns));
  }
};
} // namespace
