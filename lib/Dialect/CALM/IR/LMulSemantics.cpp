//===- LMulSemantics.cpp - bit-level L-Mul on host integers ---------------===//
//
// Follows the eight steps of the normative semantics literally, with the
// integer add done in wide signed arithmetic (the generated code instead uses
// unsigned compares at the format's own width; both are checked against an
// independent reference in the tests).
//
//===----------------------------------------------------------------------===//

#include "calm/Dialect/CALM/IR/LMulSemantics.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace mlir::calm;

std::optional<LMulFormat> mlir::calm::getLMulFormat(Type type) {
  if (type.isF32())
    return LMulFormat{8, 23, true};
  if (type.isBF16())
    return LMulFormat{8, 7, true};
  if (type.isF16())
    return LMulFormat{5, 10, true};
  if (isa<Float8E4M3FNType>(type))
    return LMulFormat{4, 3, false};
  if (isa<Float8E5M2Type>(type))
    return LMulFormat{5, 2, true};
  return std::nullopt;
}

unsigned mlir::calm::getLMulOffsetExponent(unsigned mantissaBits) {
  if (mantissaBits <= 3)
    return mantissaBits;
  return mantissaBits == 4 ? 3 : 4;
}

uint64_t mlir::calm::getLMulOffset(const LMulFormat &format,
                                   unsigned mantissaBits) {
  unsigned l = getLMulOffsetExponent(mantissaBits);
  // For m <= 3 with M == m, M - l(m) is 0: the constant is 2^0 ulp.
  return (format.bias() << format.mantissaBits) -
         (uint64_t(1) << (format.mantissaBits - l));
}

uint64_t mlir::calm::lmulBits(const LMulFormat &format, uint64_t x, uint64_t y,
                              unsigned mantissaBits) {
  const unsigned M = format.mantissaBits;
  const uint64_t magMask = format.magnitudeMask();
  const uint64_t sign = (x ^ y) & format.signBit();
  const uint64_t xa = x & magMask, ya = y & magMask;

  auto isNaN = [&](uint64_t a) {
    return format.hasInf ? a > format.infBits() : a == magMask;
  };
  auto isInf = [&](uint64_t a) {
    return format.hasInf && a == format.infBits();
  };
  auto isZeroOrSubnormal = [&](uint64_t a) { return (a >> M) == 0; };

  // 1. NaN.
  if (isNaN(xa) || isNaN(ya))
    return format.quietNaNBits();
  // 2. inf.
  if (isInf(xa) || isInf(ya)) {
    if (isZeroOrSubnormal(xa) || isZeroOrSubnormal(ya))
      return format.quietNaNBits();
    return sign | format.infBits();
  }
  // 3. Flush zero and subnormal operands.
  if (isZeroOrSubnormal(xa) || isZeroOrSubnormal(ya))
    return sign;
  // 4. Truncate to m mantissa bits.
  const uint64_t keep = ~((uint64_t(1) << (M - mantissaBits)) - 1) & magMask;
  // 5. One integer add.
  const int64_t r = static_cast<int64_t>(xa & keep) +
                    static_cast<int64_t>(ya & keep) -
                    static_cast<int64_t>(getLMulOffset(format, mantissaBits));
  // 6. Underflow flushes to a signed zero.
  if ((r >> M) <= 0)
    return sign;
  // 7. Overflow.
  const uint64_t mag = static_cast<uint64_t>(r);
  if (format.hasInf) {
    if (mag >= format.infBits())
      return sign | format.infBits();
  } else if (mag > format.maxFiniteBits()) {
    return sign | format.maxFiniteBits();
  }
  // 8.
  return sign | mag;
}
