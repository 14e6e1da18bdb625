//===- LMulSemantics.h - bit-level L-Mul on host integers -------*- C++ -*-===//
//
// The normative L-Mul semantics (docs/LMUL.md) evaluated on bit patterns held
// in host integers. The folder of calm.lmul uses it, so constant folding and
// the generated code agree bit for bit.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_DIALECT_CALM_IR_LMULSEMANTICS_H
#define CALM_DIALECT_CALM_IR_LMULSEMANTICS_H

#include <cstdint>
#include <optional>

namespace mlir {
class Type;
namespace calm {

/// The bit layout of a float format that L-Mul is defined on.
struct LMulFormat {
  unsigned exponentBits;
  unsigned mantissaBits;
  /// False for f8E4M3FN: no inf, S.1111.111 is NaN, overflow saturates.
  bool hasInf;

  unsigned width() const { return 1 + exponentBits + mantissaBits; }
  uint64_t bias() const { return (uint64_t(1) << (exponentBits - 1)) - 1; }
  uint64_t signBit() const {
    return uint64_t(1) << (exponentBits + mantissaBits);
  }
  uint64_t magnitudeMask() const { return signBit() - 1; }
  /// Magnitude pattern of inf (formats with inf only).
  uint64_t infBits() const {
    return ((uint64_t(1) << exponentBits) - 1) << mantissaBits;
  }
  /// Largest finite magnitude pattern.
  uint64_t maxFiniteBits() const {
    return hasInf ? infBits() - 1 : magnitudeMask() - 1;
  }
  /// The canonical quiet NaN pattern (positive sign).
  uint64_t quietNaNBits() const {
    return hasInf ? infBits() | (uint64_t(1) << (mantissaBits - 1))
                  : magnitudeMask();
  }
};

/// Returns the format of `type` (a scalar float type), or std::nullopt when
/// L-Mul is not defined on it.
std::optional<LMulFormat> getLMulFormat(Type type);

/// l(m): the exponent of the constant 2^-l(m) that replaces the dropped
/// mantissa product.
unsigned getLMulOffsetExponent(unsigned mantissaBits);

/// The constant subtracted from |x| + |y| (after truncation):
/// (bias << M) - (1 << (M - l(m))).
uint64_t getLMulOffset(const LMulFormat &format, unsigned mantissaBits);

/// L-Mul of two bit patterns of `format` keeping `mantissaBits` bits
/// (1 <= mantissaBits <= format.mantissaBits).
uint64_t lmulBits(const LMulFormat &format, uint64_t x, uint64_t y,
                  unsigned mantissaBits);

} // namespace calm
} // namespace mlir

#endif // CALM_DIALECT_CALM_IR_LMULSEMANTICS_H
