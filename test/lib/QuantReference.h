//===- QuantReference.h - independent reference of the numerics forms -*- C++
//-*-===//
//
// Contractions in every numerics form of docs/QUANT.md, written for tests from
// the spec's rules and independent of the compiler: rounding to a float
// format is done by scaling to an integer significand and std::nearbyint (ties
// to even) in double, products and sums in double. Scales follow the rules
// the compiler documents: s = amax / QMAX in f32 (1 where amax is 0), x / s
// in f32, saturation to +-QMAX, and NaN outputs where a scale is not finite.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_TEST_QUANTREFERENCE_H
#define CALM_TEST_QUANTREFERENCE_H

#include "LMulReference.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace calm_test {

struct Form {
  enum Kind { F32, BF16, F16, E4M3, E5M2, I8, LMul } kind = F32;
  bool channel = false;
  int m = 0; // lmul mantissa bits

  static Form parse(const std::string &s) {
    Form f;
    std::string name = s, suffix;
    if (size_t slash = s.find('/'); slash != std::string::npos) {
      name = s.substr(0, slash);
      suffix = s.substr(slash + 1);
    }
    f.channel = suffix == "channel";
    if (name == "bf16")
      f.kind = BF16;
    else if (name == "f16")
      f.kind = F16;
    else if (name == "f8e4m3")
      f.kind = E4M3;
    else if (name == "f8e5m2")
      f.kind = E5M2;
    else if (name == "i8")
      f.kind = I8;
    else if (name.rfind("lmul:", 0) == 0) {
      f.kind = LMul;
      f.m = std::stoi(name.substr(5));
    }
    return f;
  }
  bool scaled() const { return kind == E4M3 || kind == E5M2 || kind == I8; }
  double qmax() const {
    switch (kind) {
    case E4M3:
      return 448;
    case E5M2:
      return 57344;
    case I8:
      return 127;
    case F16:
      return 65504;
    default:
      return std::numeric_limits<float>::max();
    }
  }
};

/// Rounds v to nearest (ties to even) in a binary format with `mantissa`
/// stored bits and smallest normal exponent `emin` (subnormals below it).
/// Overflow is the caller's business.
inline double roundToFormat(double v, int mantissa, int emin) {
  if (v == 0 || std::isnan(v) || std::isinf(v))
    return v;
  int e = std::ilogb(v);
  if (e < emin)
    e = emin;
  double unit = std::ldexp(1.0, e - mantissa);
  return std::nearbyint(v / unit) * unit;
}

/// Quantizes one operand value for the unscaled forms (bf16, f16).
inline double quantizeHalf(float x, const Form &f) {
  if (std::isinf(x))
    return std::nan("");
  if (std::isnan(x))
    return x;
  double v = x;
  if (f.kind == Form::F16)
    v = std::fmax(std::fmin(v, 65504.0), -65504.0);
  return f.kind == Form::BF16 ? roundToFormat(v, 7, -126)
                              : roundToFormat(v, 10, -14);
}

/// Quantized value (in units of the scale) of x / s for the scaled forms.
inline double quantizeScaled(float x, float s, const Form &f) {
  float v = x / s;
  if (std::isnan(v))
    return std::nan("");
  double q = std::fmax(std::fmin(double(v), f.qmax()), -f.qmax());
  switch (f.kind) {
  case Form::I8:
    return std::nearbyint(q);
  case Form::E4M3:
    return roundToFormat(q, 3, -6);
  default:
    return roundToFormat(q, 2, -14);
  }
}

inline float scaleOf(float amax, const Form &f) {
  return amax == 0.0f ? 1.0f : amax / static_cast<float>(f.qmax());
}

inline uint32_t bitsOf(float v) {
  uint32_t b;
  std::memcpy(&b, &v, 4);
  return b;
}
inline float floatOf(uint32_t b) {
  float v;
  std::memcpy(&v, &b, 4);
  return v;
}

/// C[M][N] = A[M][K] . B[K][N] in form f (row-major), computed in double.
inline std::vector<double> referenceMatmul(const std::vector<float> &a,
                                           const std::vector<float> &b, int M,
                                           int K, int N, const Form &f) {
  std::vector<double> qa(a.begin(), a.end()), qb(b.begin(), b.end());
  std::vector<float> sa(M, 1.0f), sb(N, 1.0f);
  if (f.kind == Form::BF16 || f.kind == Form::F16) {
    for (auto &v : qa)
      v = quantizeHalf(float(v), f);
    for (auto &v : qb)
      v = quantizeHalf(float(v), f);
  } else if (f.scaled()) {
    auto amax = [](float m, float x) {
      return (std::isnan(m) || std::isnan(x)) ? NAN
                                              : std::fmax(m, std::fabs(x));
    };
    std::vector<float> ma(M, 0.0f), mb(N, 0.0f);
    float ta = 0, tb = 0;
    for (int i = 0; i < M; ++i)
      for (int k = 0; k < K; ++k) {
        ma[i] = amax(ma[i], a[i * K + k]);
        ta = amax(ta, a[i * K + k]);
      }
    for (int k = 0; k < K; ++k)
      for (int j = 0; j < N; ++j) {
        mb[j] = amax(mb[j], b[k * N + j]);
        tb = amax(tb, b[k * N + j]);
      }
    for (int i = 0; i < M; ++i)
      sa[i] = scaleOf(f.channel ? ma[i] : ta, f);
    for (int j = 0; j < N; ++j)
      sb[j] = scaleOf(f.channel ? mb[j] : tb, f);
    for (int i = 0; i < M; ++i)
      for (int k = 0; k < K; ++k)
        qa[i * K + k] = quantizeScaled(a[i * K + k], sa[i], f);
    for (int k = 0; k < K; ++k)
      for (int j = 0; j < N; ++j)
        qb[k * N + j] = quantizeScaled(b[k * N + j], sb[j], f);
  }
  std::vector<double> c(size_t(M) * N, 0.0);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double sum = 0;
      for (int k = 0; k < K; ++k) {
        if (f.kind == Form::LMul)
          sum += floatOf(lmulReference(kF32, bitsOf(a[i * K + k]),
                                       bitsOf(b[k * N + j]), f.m));
        else
          sum += qa[i * K + k] * qb[k * N + j];
      }
      if (f.scaled()) {
        double s = double(sa[i]) * double(sb[j]);
        sum = std::isfinite(s) ? sum * s : std::nan("");
      }
      c[size_t(i) * N + j] = sum;
    }
  return c;
}

} // namespace calm_test

#endif // CALM_TEST_QUANTREFERENCE_H
