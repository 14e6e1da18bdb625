//===- CALMOps.cpp - calm dialect operations ------------------------------===//

#include "calm/Dialect/CALM/IR/CALMOps.h"
#include "calm/Dialect/CALM/IR/LMulSemantics.h"

#include "mlir/Dialect/CommonFolders.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::calm;

//===----------------------------------------------------------------------===//
// LMulOp
//===----------------------------------------------------------------------===//

LogicalResult LMulOp::verify() {
  FloatType elementType = getElementFloatType();
  std::optional<LMulFormat> format = getLMulFormat(elementType);
  // The type constraint already restricts the element type; this guards the
  // two lists against drifting apart.
  if (!format)
    return emitOpError("L-Mul is not defined on ") << elementType;
  int64_t bits = getMantissaBits();
  if (bits < 1 || bits > static_cast<int64_t>(format->mantissaBits))
    return emitOpError("mantissa_bits must be in [1, ")
           << format->mantissaBits << "] for " << elementType << ": it has "
           << format->mantissaBits
           << " explicit mantissa bits to keep, and at least one is needed, "
              "but got "
           << bits;
  return success();
}

OpFoldResult LMulOp::fold(FoldAdaptor adaptor) {
  std::optional<LMulFormat> format = getLMulFormat(getElementFloatType());
  if (!format)
    return {};
  unsigned bits = getMantissaBits();
  if (bits < 1 || bits > format->mantissaBits)
    return {};
  // Fold through the host-integer semantics, the same rules the lowering
  // emits, so folded and executed results agree bit for bit.
  return constFoldBinaryOp<FloatAttr, APFloat, void>(
      adaptor.getOperands(),
      [&](const APFloat &lhs, const APFloat &rhs) -> std::optional<APFloat> {
        uint64_t x = lhs.bitcastToAPInt().getZExtValue();
        uint64_t y = rhs.bitcastToAPInt().getZExtValue();
        uint64_t r = lmulBits(*format, x, y, bits);
        return APFloat(lhs.getSemantics(), APInt(format->width(), r));
      });
}

#define GET_OP_CLASSES
#include "calm/Dialect/CALM/IR/CALMOps.cpp.inc"
