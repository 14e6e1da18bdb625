//===- MulfToLMul.cpp - rewrite arith.mulf into calm.lmul -----------------===//

#include "calm/Dialect/CALM/IR/CALMOps.h"
#include "calm/Dialect/CALM/IR/LMulSemantics.h"
#include "calm/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
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

  void runOnOperation() override {
    SmallVector<arith::MulFOp> candidates;
    getOperation()->walk([&](arith::MulFOp op) {
      if (op->hasAttr(kExactAttrName))
        return;
      if (!getLMulFormat(getElementTypeOrSelf(op.getType())))
        return;
      if (!isa<FloatType, VectorType, RankedTensorType>(op.getType()))
        return;
      if (isSelected(op))
        candidates.push_back(op);
    });

    IRRewriter rewriter(&getContext());
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
