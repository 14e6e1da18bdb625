//===- contraction_harness.cpp - compiled contractions vs the reference --===//
//
// Linked with the code calm-cpu-pipeline made from gen_kernels.py's module.
// For every numerics form it runs the kernels on fixed-seed data and checks
//   * the result against QuantReference.h (relative Frobenius difference
//     within 1e-5: both sides quantize identically, only f32 vs double
//     accumulation differs), NaN exactly where the reference has NaN;
//   * the error against the exact float64 product on A [64, 256] x
//     B [256, 64] ~ N(0, 1), printed as a table next to quant.md's figures,
//     within 10% of them;
//   * edge cases: zero operand, one huge outlier, NaN and inf operands,
//     values at the saturation limit, M = 1 and K = 37 with dynamic shapes,
//     batch dims, matvec, constant (compile-time scaled) weights.
// Prints "contractions: N passed, M failed" and exits non-zero on failure.
//
//===----------------------------------------------------------------------===//

#include "QuantReference.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

struct MemRef0 {
  float *allocated;
  float *aligned;
  int64_t offset;
};

template <int R> struct MemRef {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[R];
  int64_t strides[R];
};

#define KERNELS(F, FORM)                                                       \
  extern "C" void _mlir_ciface_mm_##F(MemRef<2> *, MemRef<2> *, MemRef<2> *);  \
  extern "C" void _mlir_ciface_mmc_##F(MemRef<2> *, MemRef<2> *);              \
  extern "C" void _mlir_ciface_dyn_##F(MemRef<2> *, MemRef<2> *, MemRef<2> *); \
  extern "C" void _mlir_ciface_bmm_##F(MemRef<3> *, MemRef<3> *, MemRef<3> *); \
  extern "C" void _mlir_ciface_mv_##F(MemRef<1> *, MemRef<2> *, MemRef<1> *);  \
  extern "C" void _mlir_ciface_gemv_##F(MemRef<2> *, MemRef<2> *,              \
                                        MemRef<2> *);                          \
  extern "C" void _mlir_ciface_vm_##F(MemRef<1> *, MemRef<1> *, MemRef<2> *);  \
  extern "C" void _mlir_ciface_lin_##F(MemRef<2> *, MemRef<2> *, MemRef<2> *); \
  extern "C" void _mlir_ciface_dot_##F(MemRef0 *, MemRef<1> *, MemRef<1> *);
#include "kernels.inc"
#undef KERNELS
extern "C" void _mlir_ciface_mixed(MemRef<2> *, MemRef<2> *, MemRef<2> *,
                                   MemRef<2> *);

#include "kernels.inc" // kConstB

namespace {
using namespace calm_test;

struct Kernels {
  std::string form;
  void (*mm)(MemRef<2> *, MemRef<2> *, MemRef<2> *);
  void (*mmc)(MemRef<2> *, MemRef<2> *);
  void (*dyn)(MemRef<2> *, MemRef<2> *, MemRef<2> *);
  void (*bmm)(MemRef<3> *, MemRef<3> *, MemRef<3> *);
  void (*mv)(MemRef<1> *, MemRef<2> *, MemRef<1> *);
  void (*gemv)(MemRef<2> *, MemRef<2> *, MemRef<2> *);
  void (*vm)(MemRef<1> *, MemRef<1> *, MemRef<2> *);
  void (*lin)(MemRef<2> *, MemRef<2> *, MemRef<2> *);
  void (*dot)(MemRef0 *, MemRef<1> *, MemRef<1> *);
};

std::vector<Kernels> allKernels() {
  return {
#define KERNELS(F, FORM)                                                       \
  {FORM,                                                                       \
   _mlir_ciface_mm_##F,                                                        \
   _mlir_ciface_mmc_##F,                                                       \
   _mlir_ciface_dyn_##F,                                                       \
   _mlir_ciface_bmm_##F,                                                       \
   _mlir_ciface_mv_##F,                                                        \
   _mlir_ciface_gemv_##F,                                                      \
   _mlir_ciface_vm_##F,                                                        \
   _mlir_ciface_lin_##F,                                                       \
   _mlir_ciface_dot_##F},
#include "kernels.inc"
#undef KERNELS
  };
}

MemRef<2> view2(std::vector<float> &v, int64_t r, int64_t c) {
  return {v.data(), v.data(), 0, {r, c}, {c, 1}};
}

/// Copies a returned (strided) result out and frees it.
template <int R> std::vector<float> take(MemRef<R> &m) {
  int64_t n = 1;
  for (int i = 0; i < R; ++i)
    n *= m.sizes[i];
  std::vector<float> out(n);
  for (int64_t flat = 0; flat < n; ++flat) {
    int64_t rem = flat, off = m.offset;
    for (int i = R - 1; i >= 0; --i) {
      off += (rem % m.sizes[i]) * m.strides[i];
      rem /= m.sizes[i];
    }
    out[flat] = m.aligned[off];
  }
  std::free(m.allocated);
  return out;
}

int passed = 0, failed = 0;

void check(bool ok, const std::string &what) {
  if (ok) {
    ++passed;
  } else {
    ++failed;
    std::printf("FAIL %s\n", what.c_str());
  }
}

/// Relative Frobenius difference over the entries where both are finite;
/// `nanMismatch` counts entries NaN on one side only.
double relDiff(const std::vector<float> &got, const std::vector<double> &want,
               int &nanMismatch) {
  double num = 0, den = 0;
  nanMismatch = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    bool gn = std::isnan(got[i]), wn = std::isnan(want[i]);
    if (gn || wn) {
      nanMismatch += gn != wn;
      continue;
    }
    if (std::isinf(got[i]) || std::isinf(want[i])) {
      nanMismatch += double(got[i]) != want[i];
      continue;
    }
    num += (got[i] - want[i]) * (got[i] - want[i]);
    den += want[i] * want[i];
  }
  return den == 0 ? std::sqrt(num) : std::sqrt(num / den);
}

void compare(const std::string &what, const std::vector<float> &got,
             const std::vector<double> &want) {
  int nanMismatch;
  double d = relDiff(got, want, nanMismatch);
  bool ok = nanMismatch == 0 && d <= 1e-5;
  if (!ok)
    std::printf("  %s: rel diff %.3e, NaN/inf mismatches %d\n", what.c_str(), d,
                nanMismatch);
  check(ok, what + " matches the reference");
}

std::vector<float> gaussian(size_t n, std::mt19937_64 &rng) {
  std::normal_distribution<double> d(0.0, 1.0);
  std::vector<float> v(n);
  for (auto &x : v)
    x = float(d(rng));
  return v;
}

// quant.md's table (relative Frobenius error vs float64, N(0,1), 64x256x64).
const std::map<std::string, double> kTable = {
    {"bf16", 2.3e-3},   {"f16", 2.9e-4},
    {"f8e4m3", 3.7e-2}, {"f8e4m3/channel", 3.7e-2},
    {"f8e5m2", 7.3e-2}, {"f8e5m2/channel", 7.2e-2},
    {"i8", 1.4e-2},     {"i8/channel", 9.8e-3},
    {"lmul:2", 8.4e-2}, {"lmul:3", 5.9e-2},
    {"lmul:4", 3.7e-2}, {"lmul:5", 3.5e-2},
    {"lmul:6", 3.1e-2}, {"lmul:7", 3.0e-2},
    {"lmul:23", 3.1e-2}};

void runForm(const Kernels &k) {
  Form f = Form::parse(k.form);
  std::mt19937_64 rng(20261125);

  // quant.md's shapes: accuracy vs float64 and agreement with the reference.
  {
    const int M = 64, K = 256, N = 64;
    std::vector<float> a = gaussian(M * K, rng), b = gaussian(K * N, rng);
    MemRef<2> out, va = view2(a, M, K), vb = view2(b, K, N);
    k.mm(&out, &va, &vb);
    std::vector<float> c = take(out);
    compare(k.form + " 64x256x64", c, referenceMatmul(a, b, M, K, N, f));
    std::vector<double> exact = referenceMatmul(a, b, M, K, N, Form());
    int nm;
    double err = relDiff(c, exact, nm);
    auto it = kTable.find(k.form);
    std::printf("  error vs float64 %-15s %.3e", k.form.c_str(), err);
    if (it != kTable.end()) {
      double ratio = err / it->second;
      std::printf("  quant.md %.1e  ratio %.2f\n", it->second, ratio);
      check(ratio > 0.9 && ratio < 1.1,
            k.form + " error within 10% of quant.md");
    } else {
      std::printf("\n");
      check(err < 1e-6, k.form + " f32 error vs float64");
    }
  }

  // Compile-time scales of a constant weight.
  {
    std::vector<float> a = gaussian(8 * 32, rng), b(32 * 16);
    for (int kk = 0; kk < 32; ++kk)
      for (int n = 0; n < 16; ++n)
        b[kk * 16 + n] = kConstB[kk][n];
    MemRef<2> out, va = view2(a, 8, 32);
    k.mmc(&out, &va);
    compare(k.form + " constant weight", take(out),
            referenceMatmul(a, b, 8, 32, 16, f));
  }

  // Dynamic shapes, K not a multiple of the vector width, M = 1, edge values.
  auto dyn = [&](const std::string &what, std::vector<float> a,
                 std::vector<float> b, int M, int K, int N) {
    MemRef<2> out, va = view2(a, M, K), vb = view2(b, K, N);
    k.dyn(&out, &va, &vb);
    std::vector<float> c = take(out);
    std::vector<double> want = referenceMatmul(a, b, M, K, N, f);
    compare(k.form + " " + what, c, want);
    return c;
  };
  dyn("M=1 K=37", gaussian(37, rng), gaussian(37 * 5, rng), 1, 37, 5);
  dyn("7x37x13", gaussian(7 * 37, rng), gaussian(37 * 13, rng), 7, 37, 13);
  {
    std::vector<float> zero(6 * 37, 0.0f);
    std::vector<float> c =
        dyn("zero operand", zero, gaussian(37 * 4, rng), 6, 37, 4);
    bool allZero = true;
    for (float v : c)
      allZero &= v == 0.0f;
    check(allZero, k.form + " zero operand gives zeros");
  }
  {
    std::vector<float> a = gaussian(6 * 37, rng);
    a[0] = 1.0e4f; // one huge outlier in row 0
    dyn("outlier", a, gaussian(37 * 4, rng), 6, 37, 4);
  }
  if (f.scaled()) {
    // Values exactly at +-amax quantize to +-QMAX (saturation boundary).
    std::vector<float> a = gaussian(6 * 37, rng);
    a[5] = 8.0f;
    a[40] = -8.0f;
    dyn("saturation", a, gaussian(37 * 4, rng), 6, 37, 4);
  }
  {
    std::vector<float> a = gaussian(6 * 37, rng), b = gaussian(37 * 4, rng);
    a[2 * 37 + 3] = NAN;
    std::vector<float> c = dyn("NaN operand", a, b, 6, 37, 4);
    bool rowNaN = true, othersFinite = true;
    for (int j = 0; j < 4; ++j)
      rowNaN &= std::isnan(c[2 * 4 + j]);
    for (int i = 0; i < 6; ++i)
      for (int j = 0; j < 4; ++j)
        if (i != 2)
          othersFinite &= std::isfinite(c[i * 4 + j]);
    check(rowNaN, k.form + " NaN operand: its row is NaN");
    if (!f.scaled() || f.channel)
      check(othersFinite, k.form + " NaN operand: other rows stay finite");
  }
  if (f.kind != Form::F32 && f.kind != Form::LMul) {
    std::vector<float> a = gaussian(6 * 37, rng), b = gaussian(37 * 4, rng);
    b[5 * 4 + 1] = INFINITY;
    std::vector<float> c = dyn("inf operand", a, b, 6, 37, 4);
    bool colNaN = true;
    for (int i = 0; i < 6; ++i)
      colNaN &= std::isnan(c[i * 4 + 1]);
    check(colNaN, k.form + " inf operand: its column is NaN");
  }

  // Static M = 1.
  {
    std::vector<float> a = gaussian(40, rng), b = gaussian(40 * 6, rng);
    MemRef<2> out, va = view2(a, 1, 40), vb = view2(b, 40, 6);
    k.gemv(&out, &va, &vb);
    compare(k.form + " static 1x40x6", take(out),
            referenceMatmul(a, b, 1, 40, 6, f));
  }

  // vecmat (a vector times a matrix) and dot.
  {
    std::vector<float> a = gaussian(21, rng), b = gaussian(21 * 9, rng);
    MemRef<2> vb = view2(b, 21, 9);
    MemRef<1> out, va{a.data(), a.data(), 0, {21}, {1}};
    k.vm(&out, &va, &vb);
    compare(k.form + " vecmat", take(out), referenceMatmul(a, b, 1, 21, 9, f));
  }
  {
    std::vector<float> a = gaussian(27, rng), b = gaussian(27, rng);
    MemRef<1> va{a.data(), a.data(), 0, {27}, {1}},
        vb{b.data(), b.data(), 0, {27}, {1}};
    MemRef0 out;
    k.dot(&out, &va, &vb);
    std::vector<float> got{out.aligned[out.offset]};
    std::free(out.allocated);
    compare(k.form + " dot", got, referenceMatmul(a, b, 1, 27, 1, f));
  }

  // A linear layer with weights [out, in] (calm-vectorize-dot-products: K =
  // 45 runs one 4x8-lane step, one 8-lane step and 5 scalars).
  {
    std::vector<float> x = gaussian(5 * 45, rng), w = gaussian(7 * 45, rng);
    std::vector<float> wt(45 * 7);
    for (int n = 0; n < 7; ++n)
      for (int kk = 0; kk < 45; ++kk)
        wt[kk * 7 + n] = w[n * 45 + kk];
    MemRef<2> out, vx = view2(x, 5, 45), vw = view2(w, 7, 45);
    k.lin(&out, &vx, &vw);
    compare(k.form + " linear x.W^T", take(out),
            referenceMatmul(x, wt, 5, 45, 7, f));
  }

  // Batch dims and matvec.
  {
    std::vector<float> a = gaussian(3 * 5 * 19, rng),
                       b = gaussian(3 * 19 * 7, rng);
    // One scale per tensor spans all batches, while the reference runs per
    // batch: give every batch the same amax so that both agree.
    for (int bt = 0; bt < 3; ++bt) {
      a[bt * 95 + 7] = -10.0f;
      b[bt * 133 + 3] = 10.0f;
    }
    MemRef<3> out, va{a.data(), a.data(), 0, {3, 5, 19}, {95, 19, 1}},
        vb{b.data(), b.data(), 0, {3, 19, 7}, {133, 7, 1}};
    k.bmm(&out, &va, &vb);
    std::vector<float> c = take(out);
    std::vector<double> want;
    for (int bt = 0; bt < 3; ++bt) {
      std::vector<float> ab(a.begin() + bt * 95, a.begin() + (bt + 1) * 95);
      std::vector<float> bb(b.begin() + bt * 133, b.begin() + (bt + 1) * 133);
      std::vector<double> w = referenceMatmul(ab, bb, 5, 19, 7, f);
      want.insert(want.end(), w.begin(), w.end());
    }
    compare(k.form + " batch_matmul", c, want);
  }
  {
    std::vector<float> a = gaussian(9 * 21, rng), b = gaussian(21, rng);
    MemRef<2> va = view2(a, 9, 21);
    MemRef<1> out, vb{b.data(), b.data(), 0, {21}, {1}};
    k.mv(&out, &va, &vb);
    compare(k.form + " matvec", take(out), referenceMatmul(a, b, 9, 21, 1, f));
  }
}

} // namespace

/// Per-op numerics in one module: L-Mul scores feeding an fp8 projection.
void runMixed() {
  std::mt19937_64 rng(99);
  std::vector<float> a = gaussian(8 * 16, rng), b = gaussian(16 * 12, rng),
                     w = gaussian(12 * 10, rng);
  MemRef<2> out, va = view2(a, 8, 16), vb = view2(b, 16, 12),
                 vw = view2(w, 12, 10);
  _mlir_ciface_mixed(&out, &va, &vb, &vw);
  std::vector<double> s =
      referenceMatmul(a, b, 8, 16, 12, Form::parse("lmul:4"));
  std::vector<float> sf(s.begin(), s.end());
  compare("mixed lmul:4 -> f8e4m3/channel", take(out),
          referenceMatmul(sf, w, 8, 12, 10, Form::parse("f8e4m3/channel")));
}

int main() {
  for (const Kernels &k : allKernels()) {
    std::printf("%s\n", k.form.c_str());
    runForm(k);
  }
  runMixed();
  std::printf("contractions: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
