//===- LMulReference.h - independent L-Mul reference for tests --*- C++ -*-===//
//
// An implementation of the normative L-Mul semantics written from the spec's
// *field* view, independent of both the compiler's lowering (unsigned compares
// on the packed bit pattern) and its folder (one wide signed add): operands are
// split into sign, exponent and mantissa fields, the kept mantissas and the
// 2^-l(m) constant are summed in ulps, the carry moves into the exponent, and
// range limits are applied to the exponent field. Header-only, plain C++, so
// test harnesses compiled against generated code can include it.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_TEST_LMULREFERENCE_H
#define CALM_TEST_LMULREFERENCE_H

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

namespace calm_test {

struct Format {
  const char *name;
  int E;       // exponent bits
  int M;       // mantissa bits
  bool hasInf; // false: f8E4M3FN (no inf, S.1111.111 is NaN, saturates)
  int width() const { return 1 + E + M; }
  int bias() const { return (1 << (E - 1)) - 1; }
  uint32_t expAllOnes() const { return (1u << E) - 1; }
};

inline const Format kF32{"f32", 8, 23, true};
inline const Format kBF16{"bf16", 8, 7, true};
inline const Format kF16{"f16", 5, 10, true};
inline const Format kE4M3{"f8E4M3FN", 4, 3, false};
inline const Format kE5M2{"f8E5M2", 5, 2, true};

inline const Format *formatByName(const std::string &name) {
  for (const Format *f : {&kF32, &kBF16, &kF16, &kE4M3, &kE5M2})
    if (name == f->name)
      return f;
  return nullptr;
}

struct Fields {
  uint32_t sign, exp, mant;
};

inline Fields split(const Format &f, uint32_t bits) {
  return {(bits >> (f.E + f.M)) & 1u, (bits >> f.M) & f.expAllOnes(),
          bits & ((1u << f.M) - 1)};
}

inline uint32_t pack(const Format &f, uint32_t sign, uint32_t exp,
                     uint32_t mant) {
  return (sign << (f.E + f.M)) | (exp << f.M) | mant;
}

inline bool isNaN(const Format &f, Fields v) {
  if (v.exp != f.expAllOnes())
    return false;
  return f.hasInf ? v.mant != 0 : v.mant == (1u << f.M) - 1;
}
inline bool isInf(const Format &f, Fields v) {
  return f.hasInf && v.exp == f.expAllOnes() && v.mant == 0;
}

inline uint32_t quietNaN(const Format &f) {
  return f.hasInf ? pack(f, 0, f.expAllOnes(), 1u << (f.M - 1))
                  : pack(f, 0, f.expAllOnes(), (1u << f.M) - 1);
}

inline int offsetExponent(int m) { return m <= 3 ? m : (m == 4 ? 3 : 4); }

/// L-Mul of the bit patterns x and y keeping m mantissa bits.
inline uint32_t lmulReference(const Format &f, uint32_t x, uint32_t y, int m) {
  Fields a = split(f, x), b = split(f, y);
  uint32_t sign = a.sign ^ b.sign;
  if (isNaN(f, a) || isNaN(f, b))
    return quietNaN(f);
  bool aZero = a.exp == 0, bZero = b.exp == 0; // zero or subnormal
  if (isInf(f, a) || isInf(f, b))
    return (aZero || bZero) ? quietNaN(f) : pack(f, sign, f.expAllOnes(), 0);
  if (aZero || bZero)
    return pack(f, sign, 0, 0);
  int drop = f.M - m;
  uint64_t ma = (a.mant >> drop) << drop, mb = (b.mant >> drop) << drop;
  // Mantissa sum in ulps of 2^-M, including the constant 2^-l(m).
  uint64_t sum = ma + mb + (uint64_t(1) << (f.M - offsetExponent(m)));
  int64_t carry = static_cast<int64_t>(sum >> f.M); // 0, 1 or 2
  uint32_t frac = static_cast<uint32_t>(sum - (uint64_t(carry) << f.M));
  int64_t exp = int64_t(a.exp) + int64_t(b.exp) - f.bias() + carry;
  if (exp <= 0)
    return pack(f, sign, 0, 0);
  if (f.hasInf) {
    if (exp >= int64_t(f.expAllOnes()))
      return pack(f, sign, f.expAllOnes(), 0);
  } else {
    uint32_t maxMant = (1u << f.M) - 2; // S.1111.110
    if (exp > int64_t(f.expAllOnes()) ||
        (exp == int64_t(f.expAllOnes()) && frac > maxMant))
      return pack(f, sign, f.expAllOnes(), maxMant);
  }
  return pack(f, sign, static_cast<uint32_t>(exp), frac);
}

/// The value of a finite bit pattern, exactly (every supported format's
/// values are dyadic rationals with at most 24 significant bits).
inline double decode(const Format &f, uint32_t bits) {
  Fields v = split(f, bits);
  double mag = v.exp == 0 ? std::ldexp(double(v.mant), 1 - f.bias() - f.M)
                          : std::ldexp(double((1u << f.M) | v.mant),
                                       int(v.exp) - f.bias() - f.M);
  return v.sign ? -mag : mag;
}

/// Eq. 1 of the paper read literally, for normal finite operands whose
/// mantissa sum does not carry: (1 + xm + ym + 2^-l) * 2^(xe+ye), with xm,
/// ym truncated to m bits. Computed exactly in double: at most 26 significant
/// bits and exponents within double's range. Returns false when the case is
/// outside Eq. 1's domain (special operand or carry).
inline bool eq1Value(const Format &f, uint32_t x, uint32_t y, int m,
                     double &value) {
  Fields a = split(f, x), b = split(f, y);
  if (a.exp == 0 || b.exp == 0 || a.exp == f.expAllOnes() ||
      b.exp == f.expAllOnes())
    return false;
  int drop = f.M - m;
  double xm = std::ldexp(double((a.mant >> drop) << drop), -f.M);
  double ym = std::ldexp(double((b.mant >> drop) << drop), -f.M);
  double s = xm + ym + std::ldexp(1.0, -offsetExponent(m));
  if (s >= 1.0)
    return false;
  value = std::ldexp(1.0 + s, int(a.exp) + int(b.exp) - 2 * f.bias());
  if ((a.sign ^ b.sign) != 0)
    value = -value;
  return true;
}

} // namespace calm_test

#endif // CALM_TEST_LMULREFERENCE_H
