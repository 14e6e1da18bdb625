//===- casts_harness.cpp - compiled fp8/bf16 casts vs a reference ---------===//
//
// extf: all 256 patterns of each fp8 format against their exact values.
// truncf: every fp8 value, every midpoint between neighbours and one ulp
// either side, the overflow thresholds, specials, and 10^6 random f32
// patterns, against round-to-nearest-even computed in double
// (QuantReference.h's roundToFormat) and encoded by table lookup.
//
//===----------------------------------------------------------------------===//

#include "QuantReference.h"

#include <cstdio>
#include <random>
#include <vector>

template <typename T> struct MemRef1D {
  T *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
};
template <typename T> MemRef1D<T> view(std::vector<T> &v) {
  return {v.data(), v.data(), 0, {int64_t(v.size())}, {1}};
}

extern "C" {
void _mlir_ciface_trunc_e4m3(MemRef1D<float> *, MemRef1D<uint8_t> *);
void _mlir_ciface_trunc_e5m2(MemRef1D<float> *, MemRef1D<uint8_t> *);
void _mlir_ciface_ext_e4m3(MemRef1D<uint8_t> *, MemRef1D<float> *);
void _mlir_ciface_ext_e5m2(MemRef1D<uint8_t> *, MemRef1D<float> *);
void _mlir_ciface_trunc_bf16(MemRef1D<float> *, MemRef1D<uint16_t> *);
}

namespace {
using namespace calm_test;

struct F8 {
  const char *name;
  const Format *format;
  void (*trunc)(MemRef1D<float> *, MemRef1D<uint8_t> *);
  void (*ext)(MemRef1D<uint8_t> *, MemRef1D<float> *);
  double maxFinite, overflowAt; // values >= overflowAt round past max
  int emin;
};

int failures = 0;
void fail(const char *what, double x, unsigned got, unsigned want) {
  if (failures++ < 10)
    std::printf("FAIL %s x=%.9g got 0x%02X want 0x%02X\n", what, x, got, want);
}

bool isNaN8(const F8 &f, unsigned b) {
  return isNaN(*f.format, split(*f.format, b));
}

/// Expected bits of truncf(x) (NaN results compared as NaN).
unsigned expectTrunc(const F8 &f, float x, const std::vector<double> &values) {
  const Format &fmt = *f.format;
  unsigned sign = std::signbit(x) ? 1u << 7 : 0;
  if (std::isnan(x))
    return quietNaN(fmt);
  double ax = std::fabs(double(x));
  double r = roundToFormat(ax, fmt.M, f.emin);
  if (std::isinf(x) || r > f.maxFinite)
    return fmt.hasInf ? sign | pack(fmt, 0, fmt.expAllOnes(), 0)
                      : quietNaN(fmt);
  for (unsigned b = 0; b < 128; ++b)
    if (values[b] == r)
      return sign | b;
  return 0xFFFF; // unreachable for a correct roundToFormat
}

void checkFormat(const F8 &f) {
  // extf: all patterns.
  std::vector<uint8_t> all(256);
  for (int i = 0; i < 256; ++i)
    all[i] = uint8_t(i);
  std::vector<float> ext(256);
  MemRef1D<uint8_t> a = view(all);
  MemRef1D<float> e = view(ext);
  f.ext(&a, &e);
  std::vector<double> values(256);
  for (unsigned b = 0; b < 256; ++b) {
    Fields v = split(*f.format, b);
    bool nan = isNaN(*f.format, v);
    double want = nan                   ? NAN
                  : isInf(*f.format, v) ? (v.sign ? -INFINITY : INFINITY)
                                        : decode(*f.format, b);
    values[b] = want;
    bool ok =
        nan ? std::isnan(ext[b])
            : (double(ext[b]) == want && std::signbit(ext[b]) == bool(v.sign));
    if (!ok)
      fail("extf", double(b), bitsOf(ext[b]), 0);
  }
  // truncf inputs.
  std::vector<float> xs;
  for (unsigned b = 0; b < 128; ++b) {
    if (std::isnan(values[b]) || std::isinf(values[b]))
      continue;
    double v = values[b];
    for (double s : {1.0, -1.0}) {
      xs.push_back(float(s * v));
      xs.push_back(std::nextafter(float(s * v), INFINITY));
      xs.push_back(std::nextafter(float(s * v), -INFINITY));
    }
    if (b + 1 < 128 && std::isfinite(values[b + 1])) {
      float mid = float((v + values[b + 1]) / 2); // exact in f32
      for (float m : {mid, -mid}) {
        xs.push_back(m);
        xs.push_back(std::nextafter(m, INFINITY));
        xs.push_back(std::nextafter(m, -INFINITY));
      }
    }
  }
  for (float s : {float(f.overflowAt), float(f.maxFinite), 1e30f, 3.4e38f,
                  INFINITY, -INFINITY, NAN, 0.0f, -0.0f, 1e-30f, 1e-45f})
    xs.push_back(s), xs.push_back(-s);
  std::mt19937 rng(7);
  for (int i = 0; i < 1000000; ++i) {
    uint32_t bits = rng();
    if (i & 1) // half of them near the format's range
      bits = (bits & 0x807FFFFFu) | ((100u + rng() % 60u) << 23);
    xs.push_back(floatOf(bits));
  }
  xs.push_back(1.0f); // odd length: the scalar remainder runs too
  std::vector<uint8_t> out(xs.size());
  MemRef1D<float> xv = view(xs);
  MemRef1D<uint8_t> ov = view(out);
  f.trunc(&xv, &ov);
  size_t checked = 0;
  for (size_t i = 0; i < xs.size(); ++i, ++checked) {
    unsigned want = expectTrunc(f, xs[i], values);
    bool ok = isNaN8(f, want) ? isNaN8(f, out[i]) : out[i] == want;
    if (!ok)
      fail(f.name, xs[i], out[i], want);
  }
  std::printf("%s: extf 256 patterns, truncf %zu values\n", f.name, checked);
}

void checkBF16() {
  std::mt19937 rng(11);
  std::vector<float> xs;
  for (int i = 0; i < 1000000; ++i)
    xs.push_back(floatOf(rng()));
  for (float s :
       {1.0f, 1.00390625f, 1.005859375f, 3.4e38f, INFINITY, NAN, 1e-40f})
    xs.push_back(s), xs.push_back(-s);
  std::vector<uint16_t> out(xs.size());
  MemRef1D<float> xv = view(xs);
  MemRef1D<uint16_t> ov = view(out);
  _mlir_ciface_trunc_bf16(&xv, &ov);
  for (size_t i = 0; i < xs.size(); ++i) {
    float x = xs[i];
    float got = floatOf(uint32_t(out[i]) << 16);
    if (std::isnan(x)) {
      if (!std::isnan(got))
        fail("bf16 NaN", x, out[i], 0);
      continue;
    }
    double r = roundToFormat(x, 7, -126);
    if (std::fabs(r) > 3.3895313892515355e38)
      r = std::copysign(INFINITY, x);
    if (double(got) != r || std::signbit(got) != std::signbit(x))
      fail("bf16", x, out[i], 0);
  }
  std::printf("bf16: truncf %zu values\n", xs.size());
}

} // namespace

int main() {
  F8 e4m3{
      "f8E4M3FN", &kE4M3, _mlir_ciface_trunc_e4m3, _mlir_ciface_ext_e4m3, 448.0,
      464.0,      -6};
  F8 e5m2{
      "f8E5M2", &kE5M2, _mlir_ciface_trunc_e5m2, _mlir_ciface_ext_e5m2, 57344.0,
      61440.0,  -14};
  checkFormat(e4m3);
  checkFormat(e5m2);
  checkBF16();
  std::printf("casts: %s (%d mismatches)\n", failures ? "FAILED" : "all exact",
              failures);
  return failures ? 1 : 0;
}
