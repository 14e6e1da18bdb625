//===- MulfToLMul.cpp - rewrite arith.mulf into calm.lmul -----------------===//

#include "calm/Dialect/CALM/IR/CALMOps.h"
#include "calm/Dialect/CALM/IR/LMulSemantics.h"
#include "calm/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/Support/Regex.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CALMMULFTOLMUL
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;
using namespace mlir::calm;

namespace {

/// The largest mantissa width of any supported format (f32).
constexpr unsigned kMaxMantissaBits = 23;

struct MulfToLMulPass : public calm::impl::CALMMulfToLMulBase<MulfToLMulPass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *context) override {
    if (mantissaBits > kMaxMantissaBits)
      return emitError(UnknownLoc::get(context))
             << "calm-mulf-to-lmul: mantissa-bits="
             << static_cast<unsigned>(mantissaBits)
             << " is out of range: use 1.." << kMaxMantissaBits
             << ", or 0 for the element type's full width";
    filter = std::make_shared<llvm::Regex>(funcFilter);
    std::string regexError;
    if (!funcFilter.empty() && !filter->isValid(regexError))
      return emitError(UnknownLoc::get(context))
             << "calm-mulf-to-lmul: func-filter='" << funcFilter
             << "' is not a valid regex: " << regexError;
    return success();
  }

  bool isSelected(Operation *op) {
    if (funcFilter.empty())
      return true;
    auto func = op->getParentOfType<FunctionOpInterface>();
    return func && filter->match(func.getName());
  }

  bool isCandidate(arith::MulFOp op) {
    return !op->hasAttr(kExactAttrName) &&
           getLMulFormat(getElementTypeOrSelf(op.getType())) &&
           isa<FloatType, VectorType, RankedTensorType>(op.getType()) &&
           isSelected(op);
  }

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());

    // Named linalg ops (matmul, batch_matmul, ...) have an implicit body that
    // their verifier pins to mulf/addf: generalize those whose multiply is
    // rewritten, so the L-Mul lands in an explicit linalg.generic body.
    SmallVector<linalg::LinalgOp> named;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (isa<linalg::GenericOp>(op.getOperation()))
        return;
      bool hasCandidate = false;
      for (Region &region : op->getRegions())
        region.walk(
            [&](arith::MulFOp mul) { hasCandidate |= isCandidate(mul); });
      if (hasCandidate)
        named.push_back(op);
    });
    for (linalg::LinalgOp op : named) {
      rewriter.setInsertionPoint(op);
      if (failed(linalg::generalizeNamedOp(rewriter, op))) {
        op->emitError("calm-mulf-to-lmul: cannot generalize this named linalg "
                      "op to rewrite its multiply");
        return signalPassFailure();
      }
    }

    SmallVector<arith::MulFOp> candidates;
    getOperation()->walk([&](arith::MulFOp op) {
      if (isCandidate(op))
        candidates.push_back(op);
    });

    bool failed = false;
    for (arith::MulFOp op : candidates) {
      Type elementType = getElementTypeOrSelf(op.getType());
      unsigned width = getLMulFormat(elementType)->mantissaBits;
      unsigned bits = mantissaBits == 0 ? width : mantissaBits.getValue();
      if (bits > width) {
        op.emitError("calm-mulf-to-lmul: mantissa-bits=")
            << bits << " exceeds the " << width << " mantissa bits of "
            << elementType
            << "; restrict the pass with func-filter or tag the op calm.exact";
        failed = true;
        continue;
      }
      rewriter.setInsertionPoint(op);
      rewriter.replaceOpWithNewOp<LMulOp>(op, op.getLhs(), op.getRhs(),
                                          rewriter.getI32IntegerAttr(bits));
    }
    if (failed)
      signalPassFailure();
  }

  // Shared so that the pass stays copyable (the pass manager clones it).
  std::shared_ptr<llvm::Regex> filter;
};

} // namespace
