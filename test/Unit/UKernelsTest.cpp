//===- UKernelsTest.cpp - the contraction microkernels by value -----------===//
//
// Every form of runtime/ukernels against the independent double-precision
// reference of test/lib/QuantReference.h on ragged shapes (M, N, K not
// multiples of any tile or vector), on both instruction sets; L-Mul products
// bit for bit against test/lib/LMulReference.h; the packed weights equal to
// the reference's quantization of the same weights; identical bytes for 1
// and 2 threads.
//
//===----------------------------------------------------------------------===//

#include "QuantReference.h"
#include "ukernels/NumericsForm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <cstring>
#include <random>

using namespace calm::ukernels;

namespace {

const char *kForms[] = {
    "f32",    "bf16",           "f16",    "f8e4m3",     "f8e4m3/channel",
    "f8e5m2", "f8e5m2/channel", "i8",     "i8/channel", "lmul:2",
    "lmul:4", "lmul:7",         "lmul:23"};

/// The instruction sets this run tests. CALM_UKERNEL_ISA=avx2 or =avx512
/// names one (lit runs each where the CPU has it: test/Unit/unit.test and
/// ukernels-avx512.test), and asking for one the CPU lacks fails rather than
/// silently testing the other. Unset: every set the CPU has, and a note on
/// stderr for each it lacks.
std::vector<const char *> isasUnderTest() {
  static std::vector<const char *> sets = [] {
    std::vector<const char *> out;
    const char *env = std::getenv("CALM_UKERNEL_ISA");
    for (const char *set : {"avx512", "avx2"}) {
      if (env && std::string(env) != set)
        continue;
      const char *before = isa();
      bool has = setISA(set);
      setISA(before);
      if (has)
        out.push_back(set);
      else if (env)
        ADD_FAILURE() << "CALM_UKERNEL_ISA=" << env
                      << ": this CPU lacks that instruction set";
      else
        std::cerr << "[ skipped  ] the " << set
                  << " microkernels: this CPU lacks them\n";
    }
    if (env && out.empty() && std::string(env) != "avx512" &&
        std::string(env) != "avx2")
      ADD_FAILURE() << "CALM_UKERNEL_ISA=" << env << ": not avx2 or avx512";
    return out;
  }();
  return sets;
}

std::vector<float> randomMatrix(int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(rows * cols);
  for (float &x : v)
    x = dist(rng);
  return v;
}

struct Packed {
  std::vector<uint8_t> bytes;
  Packed(Form f, const std::vector<float> &w, int64_t n, int64_t k)
      : bytes(getPackedLayout(f, n, k).totalBytes) {
    pack(f, w.data(), n, k, bytes.data());
  }
};

Form parse(const std::string &text) {
  Form f;
  std::string error;
  EXPECT_TRUE(parseForm(text, f, error)) << error;
  return f;
}

/// y = init + x . W^T through the ukernel.
std::vector<float> run(Form f, const std::vector<float> &x,
                       const std::vector<float> &w,
                       const std::vector<float> &init, int64_t m, int64_t n,
                       int64_t k) {
  Packed p(f, w, n, k);
  std::vector<float> out(m * n);
  linear(f, x.data(), m, k, p.bytes.data(), n, k, init.data(), n, out.data(),
         n);
  return out;
}

/// max |y - ref| / max |ref|, with NaN required in the same places.
double relativeError(const std::vector<float> &y,
                     const std::vector<double> &ref) {
  double worst = 0, scale = 0;
  for (double r : ref)
    if (std::isfinite(r))
      scale = std::max(scale, std::fabs(r));
  for (size_t i = 0; i < y.size(); ++i) {
    if (std::isnan(ref[i])) {
      EXPECT_TRUE(std::isnan(y[i])) << "element " << i;
      continue;
    }
    worst = std::max(worst, std::fabs(y[i] - ref[i]));
  }
  return scale == 0 ? worst : worst / scale;
}

std::vector<double> reference(const std::string &form,
                              const std::vector<float> &x,
                              const std::vector<float> &w,
                              const std::vector<float> &init, int m, int n,
                              int k) {
  std::vector<float> b(k * n); // W^T, [K, N]
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < k; ++i)
      b[i * n + j] = w[j * k + i];
  std::vector<double> c =
      calm_test::referenceMatmul(x, b, m, k, n, calm_test::Form::parse(form));
  for (size_t i = 0; i < c.size(); ++i)
    c[i] += init[i];
  return c;
}

class UKernelForms : public ::testing::TestWithParam<std::string> {};

TEST_P(UKernelForms, RaggedShapesMatchReferenceOnBothISAs) {
  Form f = parse(GetParam());
  const char *before = isa();
  for (const char *set : isasUnderTest()) {
    ASSERT_TRUE(setISA(set)) << set;
    for (auto [m, n, k] : {std::tuple<int, int, int>{1, 1, 1},
                           {1, 37, 130},
                           {3, 33, 64},
                           {5, 7, 37},
                           {17, 19, 200}}) {
      auto x = randomMatrix(m, k, 1 + m), w = randomMatrix(n, k, 2 + n),
           init = randomMatrix(m, n, 3);
      double err = relativeError(run(f, x, w, init, m, n, k),
                                 reference(GetParam(), x, w, init, m, n, k));
      // Sums in f32 against a double reference; vdpbf16ps flushes
      // subnormal products (none at these magnitudes).
      EXPECT_LE(err, 1e-5) << set << " " << GetParam() << " M=" << m
                           << " N=" << n << " K=" << k;
    }
  }
  setISA(before);
}

/// A GEMM large enough to be cache-blocked (several weight panels and
/// activation row blocks, ragged at both ends): against the reference, and
/// each row bit for bit what a one-row call (a GEMV) gives it, except under
/// per-tensor activation scales, whose scale spans the rows.
TEST_P(UKernelForms, BlockedGEMMMatchesReferenceAndGEMVRows) {
  Form f = parse(GetParam());
  const char *before = isa();
  int64_t m = 101, n = 203, k = 1000;
  auto x = randomMatrix(m, k, 41), w = randomMatrix(n, k, 42),
       init = randomMatrix(m, n, 43);
  std::vector<double> ref = reference(GetParam(), x, w, init, m, n, k);
  bool rowIndependent = !f.scaled() || f.channel;
  for (const char *set : isasUnderTest()) {
    ASSERT_TRUE(setISA(set)) << set;
    std::vector<float> out = run(f, x, w, init, m, n, k);
    EXPECT_LE(relativeError(out, ref), 1e-5) << set << " " << GetParam();
    if (!rowIndependent)
      continue;
    for (int64_t r : {0, 50, 100}) {
      std::vector<float> xr(x.begin() + r * k, x.begin() + (r + 1) * k),
          ir(init.begin() + r * n, init.begin() + (r + 1) * n);
      std::vector<float> one = run(f, xr, w, ir, 1, n, k);
      EXPECT_EQ(0, std::memcmp(one.data(), out.data() + r * n, 4 * n))
          << set << " " << GetParam() << " row " << r;
    }
  }
  setISA(before);
}

/// A null init (the compiled code's zero init, passed as an empty memref)
/// is +0 everywhere: the same bytes as an init of zeros, on both ISAs, for a
/// GEMM (4-row tiles) and a ragged remainder.
TEST_P(UKernelForms, NullInitIsZero) {
  Form f = parse(GetParam());
  const char *before = isa();
  int64_t m = 7, n = 45, k = 100;
  auto x = randomMatrix(m, k, 51), w = randomMatrix(n, k, 52);
  std::vector<float> zeros(m * n, 0.0f);
  Packed p(f, w, n, k);
  for (const char *set : isasUnderTest()) {
    ASSERT_TRUE(setISA(set)) << set;
    std::vector<float> withZeros = run(f, x, w, zeros, m, n, k);
    std::vector<float> out(m * n, 1.0f);
    linear(f, x.data(), m, k, p.bytes.data(), n, k, nullptr, 0, out.data(),
           n);
    EXPECT_EQ(0, std::memcmp(withZeros.data(), out.data(), 4 * out.size()))
        << set << " " << GetParam();
  }
  setISA(before);
}

TEST_P(UKernelForms, OneAndTwoThreadsGiveIdenticalBytes) {
  Form f = parse(GetParam());
  int64_t m = 3, n = 1000, k = 300; // large enough to be split
  auto x = randomMatrix(m, k, 7), w = randomMatrix(n, k, 8),
       init = randomMatrix(m, n, 9);
  setThreads(1);
  std::vector<float> one = run(f, x, w, init, m, n, k);
  setThreads(2);
  std::vector<float> two = run(f, x, w, init, m, n, k);
  setThreads(0);
  EXPECT_EQ(0, std::memcmp(one.data(), two.data(), 4 * one.size()));
}

TEST_P(UKernelForms, NaNAndInfActivationsGiveNaNWhereTheFormSays) {
  Form f = parse(GetParam());
  int m = 2, n = 5, k = 40;
  auto x = randomMatrix(m, k, 11), w = randomMatrix(n, k, 12);
  std::vector<float> init(m * n, 0.0f);
  x[3] = std::nanf("");
  x[k + 5] = INFINITY;
  double err = relativeError(run(f, x, w, init, m, n, k),
                             reference(GetParam(), x, w, init, m, n, k));
  EXPECT_LE(err, 1e-5);
}

/// fp8's subnormal range, in weights and activations: each row has one
/// outlier that sets the scale, and the rest quantize to every subnormal
/// pattern (and a few normals) of both formats.
TEST_P(UKernelForms, SubnormalQuantizedValues) {
  Form f = parse(GetParam());
  int m = 3, n = 8, k = 96;
  std::vector<float> x(m * k), w(n * k), init(m * n, 0.0f);
  auto fill = [&](std::vector<float> &v, int rows, uint32_t seed) {
    std::mt19937 rng(seed);
    for (int r = 0; r < rows; ++r)
      for (int i = 0; i < k; ++i) {
        float q = std::ldexp(float(1 + (i + r) % 7), -25 + int(rng() % 18));
        v[r * k + i] = (i == r % k ? 448.0f : q) * (rng() % 2 ? -1.0f : 1.0f);
      }
  };
  fill(x, m, 31);
  fill(w, n, 32);
  const char *before = isa();
  for (const char *set : isasUnderTest()) {
    ASSERT_TRUE(setISA(set)) << set;
    double err = relativeError(run(f, x, w, init, m, n, k),
                               reference(GetParam(), x, w, init, m, n, k));
    EXPECT_LE(err, 1e-5) << set << " " << GetParam();
  }
  setISA(before);
}

INSTANTIATE_TEST_SUITE_P(AllForms, UKernelForms,
                         ::testing::ValuesIn(std::vector<std::string>(
                             std::begin(kForms), std::end(kForms))),
                         [](const auto &info) {
                           std::string s = info.param;
                           for (char &c : s)
                             if (!isalnum(c))
                               c = '_';
                           return s;
                         });

TEST(UKernels, LMulProductsAreBitExact) {
  std::mt19937 rng(20261201);
  std::uniform_int_distribution<uint32_t> bits;
  const uint32_t specials[] = {
      0,           0x80000000u, 1,           0x007FFFFFu, 0x00800000u,
      0x7F7FFFFFu, 0x7F800000u, 0xFF800000u, 0x7FC00000u, 0x3F800000u};
  for (int m : {1, 2, 3, 4, 5, 7, 23})
    for (int i = 0; i < 200000; ++i) {
      uint32_t a = i < 100 ? specials[i % 10] : bits(rng),
               b = i < 100 ? specials[i / 10] : bits(rng);
      float x, y;
      std::memcpy(&x, &a, 4);
      std::memcpy(&y, &b, 4);
      float r = lmulF32(x, y, m);
      uint32_t got;
      std::memcpy(&got, &r, 4);
      ASSERT_EQ(got, calm_test::lmulReference(calm_test::kF32, a, b, m))
          << std::hex << a << " * " << b << " m=" << std::dec << m;
    }
}

/// The vector kernels' L-Mul products, one at a time: x [1, K] against a
/// one-hot weight row isolates each product in the output sum.
TEST(UKernels, LMulKernelProductsAreBitExactOnBothISAs) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<uint32_t> bits;
  const char *before = isa();
  for (const char *set : isasUnderTest()) {
    ASSERT_TRUE(setISA(set)) << set;
    for (int m : {3, 4, 7}) {
      Form f = parse("lmul:" + std::to_string(m));
      int k = 64, n = 64;
      for (int trial = 0; trial < 200; ++trial) {
        std::vector<float> x(k), w(n * k, 0.0f), init(n, 0.0f);
        for (float &v : x) {
          uint32_t b = bits(rng) & 0xBFFFFFFFu; // finite
          std::memcpy(&v, &b, 4);
        }
        for (int j = 0; j < n; ++j) {
          uint32_t b = bits(rng) & 0xBFFFFFFFu;
          std::memcpy(&w[j * k + j], &b, 4);
        }
        std::vector<float> out = run(f, x, w, init, 1, n, k);
        for (int j = 0; j < n; ++j) {
          uint32_t a, b, got;
          std::memcpy(&a, &x[j], 4);
          std::memcpy(&b, &w[j * k + j], 4);
          float want;
          uint32_t ref = calm_test::lmulReference(calm_test::kF32, a, b, m);
          std::memcpy(&want, &ref, 4);
          // The one product plus K - 1 exact zeros (signed zeros aside).
          float sum = 0.0f + want;
          std::memcpy(&got, &out[j], 4);
          uint32_t wantBits;
          std::memcpy(&wantBits, &sum, 4);
          ASSERT_EQ(got, wantBits) << set << " m=" << m << " j=" << j;
        }
      }
    }
  }
  setISA(before);
}

/// L-Mul's integer-add form (TileLoop.h) computes exactly the general
/// form's products: a row's outputs are the same bits whether its tile takes
/// the integer-add form (ordinary values) or the general one (a row of tiny
/// values in the same 4-row tile can underflow, which forces it), dense or
/// with zeros, on both ISAs; and both agree with the reference's products
/// summed in double.
TEST(UKernels, LMulIntegerAddFormEqualsTheGeneralForm) {
  const char *before = isa();
  int64_t n = 10, k = 100; // ragged: K % 16 != 0, N % 4 != 0
  for (bool zeros : {false, true}) {
    std::vector<float> w = randomMatrix(n, k, 31), x = randomMatrix(4, k, 32);
    if (zeros) {
      w[3 * k + 17] = 0.0f; // a column and a row that are not dense
      x[1 * k + 50] = 0.0f;
    }
    std::vector<float> tiny = x;
    for (int64_t i = 0; i < k; ++i)
      tiny[3 * k + i] = 1e-37f * (1 + i % 3); // |x w| < 2^-126: underflows
    std::vector<float> init(4 * n, 0.5f);
    for (const char *set : isasUnderTest()) {
      ASSERT_TRUE(setISA(set)) << set;
      for (int m : {3, 4, 7}) {
        Form f = parse("lmul:" + std::to_string(m));
        std::vector<float> fast = run(f, x, w, init, 4, n, k);
        std::vector<float> general = run(f, tiny, w, init, 4, n, k);
        for (int64_t r = 0; r < 3; ++r)
          for (int64_t j = 0; j < n; ++j) {
            uint32_t a, b;
            std::memcpy(&a, &fast[r * n + j], 4);
            std::memcpy(&b, &general[r * n + j], 4);
            ASSERT_EQ(a, b) << set << " m=" << m << " zeros=" << zeros
                            << " at " << r << "," << j;
          }
        std::vector<double> ref(4 * n), magnitude(4 * n);
        for (int64_t r = 0; r < 4; ++r)
          for (int64_t j = 0; j < n; ++j) {
            double sum = 0.5, mag = 0.5;
            for (int64_t i = 0; i < k; ++i) {
              uint32_t xa, wb;
              std::memcpy(&xa, &tiny[r * k + i], 4);
              std::memcpy(&wb, &w[j * k + i], 4);
              uint32_t bits =
                  calm_test::lmulReference(calm_test::kF32, xa, wb, m);
              float p;
              std::memcpy(&p, &bits, 4);
              sum += p;
              mag += std::fabs(p);
            }
            ref[r * n + j] = sum;
            magnitude[r * n + j] = mag;
          }
        for (size_t i = 0; i < ref.size(); ++i)
          // f32 accumulation of K = 100 terms: well within 1e-5 of sum |p|.
          ASSERT_NEAR(general[i], ref[i], 1e-5 * magnitude[i])
              << set << " m=" << m << " element " << i;
      }
    }
  }
  setISA(before);
}

/// Packed weights hold exactly the reference's quantized values.
TEST(UKernels, PackedWeightsEqualTheReferenceQuantization) {
  int64_t n = 9, k = 70;
  auto w = randomMatrix(n, k, 21);
  w[5] = 0.0f;
  w[7] = 1e-40f; // subnormal
  for (const char *name : {"f8e4m3/channel", "f8e5m2", "i8/channel", "i8"}) {
    Form f = parse(name);
    calm_test::Form rf = calm_test::Form::parse(name);
    Packed p(f, w, n, k);
    PackedLayout l = getPackedLayout(f, n, k);
    const float *scales =
        reinterpret_cast<const float *>(p.bytes.data() + l.scalesOffset);
    float tensorAmax = 0;
    for (float v : w)
      tensorAmax = std::fmax(tensorAmax, std::fabs(v));
    for (int64_t j = 0; j < n; ++j) {
      float amax = 0;
      for (int64_t i = 0; i < k; ++i)
        amax = std::fmax(amax, std::fabs(w[j * k + i]));
      float s = calm_test::scaleOf(f.channel ? amax : tensorAmax, rf);
      ASSERT_EQ(scales[f.channel ? j : 0], s) << name;
      for (int64_t i = 0; i < k; ++i) {
        double q = calm_test::quantizeScaled(w[j * k + i], s, rf);
        uint8_t byte = p.bytes[packedIndex(l, j, i)];
        double got;
        if (f.kind == Kind::I8) {
          got = static_cast<int8_t>(byte);
        } else {
          bool e4m3 = f.kind == Kind::E4M3;
          int mant = e4m3 ? 3 : 2, bias = e4m3 ? 7 : 15;
          int e = (byte >> mant) & (e4m3 ? 15 : 31),
              frac = byte & ((1 << mant) - 1);
          got = e == 0 ? std::ldexp(frac, 1 - bias - mant)
                       : std::ldexp((1 << mant) + frac, e - bias - mant);
          if (byte & 0x80)
            got = -got;
        }
        ASSERT_EQ(got, q) << name << " w[" << j << "," << i << "]";
      }
    }
  }
}

/// torch.argmax's rule, written out: the first NaN, else the first element
/// equal to the maximum (-0 == +0).
int32_t referenceArgmax(const std::vector<float> &row) {
  for (size_t i = 0; i < row.size(); ++i)
    if (std::isnan(row[i]))
      return static_cast<int32_t>(i);
  float best = row[0];
  for (float x : row)
    best = x > best ? x : best;
  for (size_t i = 0; i < row.size(); ++i)
    if (row[i] == best)
      return static_cast<int32_t>(i);
  return -1;
}

/// Ragged lengths (vector bodies and tails), many ties, NaN (either sign),
/// -inf rows and signed zeros, on both instruction sets.
TEST(UKernels, ArgmaxIsTheFirstMaximumOnBothISAs) {
  std::string before = isa();
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> small(-3, 3), pick(0, 9);
  int checked = 0;
  for (const char *set : isasUnderTest()) {
    ASSERT_TRUE(setISA(set)) << set;
    for (int64_t n : {1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 4096}) {
      for (int trial = 0; trial < 40; ++trial) {
        std::vector<float> row(n);
        for (float &x : row) {
          int kind = pick(rng);
          x = kind == 0   ? -0.0f
              : kind == 1 ? 0.0f
              : kind == 2 ? -INFINITY
                          : static_cast<float>(small(rng));
        }
        if (trial % 4 == 1)
          row[rng() % n] = trial % 8 == 1 ? NAN : -NAN;
        if (trial % 4 == 2)
          std::fill(row.begin(), row.end(), -INFINITY);
        if (trial % 4 == 3)
          for (float &x : row)
            x = x > 0 ? -x : x; // maxima at zeros of either sign
        ASSERT_EQ(argmax(row.data(), n), referenceArgmax(row))
            << set << " n=" << n << " trial " << trial;
        ++checked;
      }
    }
  }
  setISA(before);
  EXPECT_GT(checked, 0);
}

TEST(UKernels, FormsEncodeAndDecode) {
  for (const char *name : kForms) {
    Form f = parse(name), g = Form::decode(f.encode());
    EXPECT_EQ(g.kind, f.kind) << name;
    EXPECT_EQ(g.channel, f.channel) << name;
    EXPECT_EQ(g.mantissaBits, f.mantissaBits) << name;
  }
  EXPECT_EQ(parse("lmul:7").mantissaBits, 7);
  EXPECT_TRUE(parse("f8e4m3/channel").channel);
  EXPECT_EQ(parse("f8E5M2").kind, Kind::E5M2);
}

} // namespace
