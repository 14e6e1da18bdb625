//===- exp_harness.cpp - compiled f32 exp vs exp in double ----------------===//
//
// Every 97th f32 pattern in [-104, 89] (both signs, so vector bodies and
// scalar remainders see every exponent), two ulps either side of the
// overflow and underflow thresholds, and the specials, against std::exp in
// double. Reports the largest error in ulps of the f32 result where it is
// normal, for x <= 88 and above (where 2^k scaling reaches 2^127 and the
// error grows); results below the smallest normal may be +0 (the
// polynomial flushes them) or anything within one smallest normal of the
// truth. Tolerances (ulps): argv[1] for x <= 88, argv[2] above.
//
//===----------------------------------------------------------------------===//

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

template <typename T> struct MemRef1D {
  T *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
};
template <typename T> MemRef1D<T> view(std::vector<T> &v) {
  return {v.data(), v.data(), 0, {int64_t(v.size())}, {1}};
}

extern "C" void _mlir_ciface_exp_f32(MemRef1D<float> *, MemRef1D<float> *);

namespace {
float fromBits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
uint32_t bitsOf(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
} // namespace

int main(int argc, char **argv) {
  double coreUlps = argc > 1 ? std::atof(argv[1]) : 1.0;
  double topUlps = argc > 2 ? std::atof(argv[2]) : 5.0;
  std::vector<float> x;
  for (uint32_t b = 0; b < 0x42B20000u; b += 97) // |x| < 89
    x.push_back(fromBits(b));
  for (uint32_t b = 0x80000000u; b < 0xC2D00000u; b += 97) // x > -104
    x.push_back(fromBits(b));
  const float edges[] = {88.72283f,    88.7228394f, 88.72284f, -87.33654f,
                         -87.3365479f, -87.33655f,  -103.972f, -103.973f};
  for (float e : edges)
    for (int d = -2; d <= 2; ++d)
      x.push_back(fromBits(bitsOf(e) + d));
  const float inf = std::numeric_limits<float>::infinity();
  const float specials[] = {0.0f, -0.0f, inf,    -inf,    NAN,     -NAN,
                            1.0f, -1.0f, 1e-30f, -1e-30f, 1000.0f, -1000.0f};
  for (float s : specials)
    x.push_back(s);
  std::vector<float> out(x.size());
  MemRef1D<float> in = view(x), o = view(out);
  _mlir_ciface_exp_f32(&in, &o);

  double worst[2] = {0, 0};
  float worstX[2] = {0, 0};
  long fails = 0, normals = 0, tiny = 0;
  const float minNormal = std::numeric_limits<float>::min();
  for (size_t i = 0; i < x.size(); ++i) {
    double ref = std::exp(double(x[i]));
    float r = static_cast<float>(ref), got = out[i];
    bool ok;
    if (std::isnan(x[i]))
      ok = std::isnan(got);
    else if (std::isinf(r))
      // Overflow: +inf, or the largest finite within the tolerance below.
      ok = got == inf || (std::isfinite(got) && got > 3.4e38f);
    else if (r < minNormal) {
      ok = got >= 0 && std::fabs(double(got) - ref) <= minNormal;
      ++tiny;
    } else {
      ++normals;
      double ulp = std::ldexp(1.0, std::ilogb(r) - 23);
      double err = std::fabs(double(got) - ref) / ulp;
      if (std::isnan(got) || std::isinf(got))
        err = inf;
      int top = x[i] > 88.0f;
      if (err > worst[top]) {
        worst[top] = err;
        worstX[top] = x[i];
      }
      ok = err <= (top ? topUlps : coreUlps);
    }
    if (!ok && fails++ < 10)
      std::printf("FAIL exp(%a) = %a, want %a\n", x[i], got, r);
  }
  std::printf("exp: %ld normal results, %ld below the smallest normal\n",
              normals, tiny);
  std::printf("exp: x <= 88: max error %.3f ulp at x = %a\n", worst[0],
              worstX[0]);
  std::printf("exp: x > 88: max error %.3f ulp at x = %a\n", worst[1],
              worstX[1]);
  std::printf("exp: %ld outside tolerance (%.1f ulp, above 88 %.1f)\n", fails,
              coreUlps, topUlps);
  return fails != 0;
}
