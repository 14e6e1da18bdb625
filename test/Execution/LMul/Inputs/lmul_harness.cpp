//===- lmul_harness.cpp - run compiled calm.lmul kernels against a reference
//-===//
//
// Linked with the LLVM IR that calm-cpu-pipeline produced from the kernels of
// gen_kernels.py. Modes:
//   lmul_harness vectors FILE.tsv   every spec test vector, bit-exact, through
//                                   the scalar, vector and linalg kernels
//   lmul_harness random N SEED      N random pairs per format and per m in
//                                   {2, 3, 4, 7, full} (those <= M, plus 1 for
//                                   fp8), bit-exact against LMulReference.h,
//                                   scalar == vector == linalg, and Eq. 1's
//                                   exact value on every no-carry case
// Prints one summary line per group and exits non-zero on any mismatch.
//
//===----------------------------------------------------------------------===//

#include "LMulReference.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

template <typename T> struct MemRef1D {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t sizes[1];
  int64_t strides[1];
};

#define KERNEL_DECL(NAME, T)                                                   \
  extern "C" void _mlir_ciface_##NAME(MemRef1D<T> *, MemRef1D<T> *,            \
                                      MemRef1D<T> *);
#include "kernels.inc"

namespace {
using namespace calm_test;

template <typename T> MemRef1D<T> view(std::vector<T> &v, size_t n) {
  return {v.data(), v.data(), 0, {int64_t(n)}, {1}};
}

struct Kernels {
  const char *format;
  int m;
  int width;
  void *scalar, *vector, *linalg;
};

template <typename T>
void run(void *fn, std::vector<T> &x, std::vector<T> &y, std::vector<T> &o,
         size_t n) {
  auto f =
      reinterpret_cast<void (*)(MemRef1D<T> *, MemRef1D<T> *, MemRef1D<T> *)>(
          fn);
  MemRef1D<T> a = view(x, n), b = view(y, n), c = view(o, n);
  f(&a, &b, &c);
}

const std::vector<Kernels> &allKernels() {
#define KERNEL_ROW(FMT, M, T, S, V, L)                                         \
  {FMT,                                                                        \
   M,                                                                          \
   int(sizeof(T) * 8),                                                         \
   reinterpret_cast<void *>(_mlir_ciface_##S),                                 \
   reinterpret_cast<void *>(_mlir_ciface_##V),                                 \
   reinterpret_cast<void *>(_mlir_ciface_##L)},
  static const std::vector<Kernels> table = {KERNEL_TABLE};
  return table;
}

const Kernels *find(const std::string &format, int m) {
  for (const Kernels &k : allKernels())
    if (format == k.format && m == k.m)
      return &k;
  return nullptr;
}

/// Runs the three kernels of `k` on the pairs (x, y) (as uint32 patterns) and
/// returns the outputs of each, in that order. The explicit-vector kernel
/// needs a multiple of its 16 lanes (the arrays are padded); the others run
/// on the exact length, so the linalg kernel's scalar remainder runs too.
template <typename T>
std::vector<std::vector<uint32_t>> runAll(const Kernels &k,
                                          const std::vector<uint32_t> &x32,
                                          const std::vector<uint32_t> &y32) {
  size_t n = x32.size(), padded = (n + 15) / 16 * 16;
  std::vector<T> x(padded), y(padded);
  for (size_t i = 0; i < n; ++i) {
    x[i] = T(x32[i]);
    y[i] = T(y32[i]);
  }
  std::vector<std::vector<uint32_t>> results;
  for (void *fn : {k.scalar, k.vector, k.linalg}) {
    std::vector<T> o(padded, T(0xA5));
    run<T>(fn, x, y, o, fn == k.vector ? padded : n);
    results.emplace_back(o.begin(), o.begin() + n);
    // Nothing past the exact length may be written.
    for (size_t i = n; i < padded && fn != k.vector; ++i)
      if (o[i] != T(0xA5)) {
        std::printf("FAIL %s m=%d wrote past the end at %zu\n", k.format, k.m,
                    i);
        std::exit(1);
      }
  }
  return results;
}

std::vector<std::vector<uint32_t>> runAny(const Kernels &k,
                                          const std::vector<uint32_t> &x,
                                          const std::vector<uint32_t> &y) {
  if (k.width == 32)
    return runAll<uint32_t>(k, x, y);
  if (k.width == 16)
    return runAll<uint16_t>(k, x, y);
  return runAll<uint8_t>(k, x, y);
}

const char *kKindNames[] = {"scalar", "vector", "linalg"};

int vectorsMode(const char *path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "error: cannot open %s\n", path);
    return 2;
  }
  std::string line;
  std::getline(in, line); // header
  int checked = 0, failed = 0;
  while (std::getline(in, line)) {
    if (line.empty())
      continue;
    std::istringstream fields(line);
    std::string format, m, x, y, want, note;
    std::getline(fields, format, '\t');
    std::getline(fields, m, '\t');
    std::getline(fields, x, '\t');
    std::getline(fields, y, '\t');
    std::getline(fields, want, '\t');
    std::getline(fields, note);
    const Kernels *k = find(format, std::stoi(m));
    const Format *f = formatByName(format);
    if (!k || !f) {
      std::fprintf(stderr, "error: no kernel for %s m=%s\n", format.c_str(),
                   m.c_str());
      return 2;
    }
    uint32_t xb = std::stoul(x, nullptr, 16), yb = std::stoul(y, nullptr, 16);
    uint32_t wantBits = std::stoul(want, nullptr, 16);
    auto got = runAny(*k, {xb, yb}, {yb, xb}); // both operand orders
    uint32_t ref = lmulReference(*f, xb, yb, k->m);
    for (int kind = 0; kind < 3; ++kind)
      for (int order = 0; order < 2; ++order) {
        ++checked;
        if (got[kind][order] != wantBits || ref != wantBits) {
          ++failed;
          std::printf("FAIL %s m=%d %s x=%s y=%s: want %s, got 0x%X, "
                      "reference 0x%X (%s)\n",
                      format.c_str(), k->m, kKindNames[kind], x.c_str(),
                      y.c_str(), want.c_str(), got[kind][order], ref,
                      note.c_str());
        }
      }
  }
  std::printf("vectors: %d passed, %d failed\n", checked - failed, failed);
  return failed == 0 && checked > 0 ? 0 : 1;
}

/// Draws a bit pattern whose exponent field is uniform over its whole range
/// (so zero, subnormals, inf and NaN all occur), or, half the time, one of
/// the special values outright; `near` pulls the exponent towards `target`
/// so that products are often in range.
uint32_t draw(const Format &f, std::mt19937_64 &rng, int target, bool near) {
  uint32_t sign = rng() & 1, mant = rng() & ((1u << f.M) - 1);
  uint32_t r = rng() % 16;
  if (r == 0) // specials: zero, inf or NaN, smallest/largest normals
    switch (rng() % 6) {
    case 0:
      return pack(f, sign, 0, 0);
    case 1:
      return pack(f, sign, 0, mant | 1); // subnormal
    case 2:
      return pack(f, sign, f.expAllOnes(), f.hasInf ? 0 : (1u << f.M) - 1);
    case 3:
      return pack(f, sign, f.expAllOnes(), mant | 1); // NaN (inf formats)
    case 4:
      return pack(f, sign, 1, mant);
    default:
      return pack(f, sign, f.expAllOnes() - (f.hasInf ? 1 : 0), mant);
    }
  int exp;
  if (near) {
    int spread = f.E >= 8 ? 40 : 6;
    exp = target + int(rng() % (2 * spread + 1)) - spread;
  } else {
    exp = int(rng() % (f.expAllOnes() + 1));
  }
  if (exp < 0)
    exp = 0;
  if (exp > int(f.expAllOnes()))
    exp = int(f.expAllOnes());
  return pack(f, sign, uint32_t(exp), mant);
}

int randomMode(long n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  int totalFailed = 0;
  for (const Format *f : {&kF32, &kBF16, &kF16, &kE4M3, &kE5M2}) {
    // m in {2, 3, 4, 7, full} where the format has them; fp8 also m = 1.
    std::set<int> widths;
    for (int m : {2, 3, 4, 7, f->M})
      if (m <= f->M)
        widths.insert(m);
    if (f->M <= 3)
      widths.insert(1);
    for (int m : widths) {
      const Kernels *k = find(f->name, m);
      if (!k) {
        std::fprintf(stderr, "error: no kernel for %s m=%d\n", f->name, m);
        return 2;
      }
      std::vector<uint32_t> x(n), y(n);
      for (long i = 0; i < n; ++i) {
        x[i] = draw(*f, rng, f->bias(), /*near=*/false);
        // Half the pairs put y's exponent where the product is in range.
        int xe = int(split(*f, x[i]).exp);
        y[i] = draw(*f, rng, 2 * f->bias() - xe, /*near=*/(i & 1) != 0);
      }
      auto got = runAny(*k, x, y);
      long failed = 0, eq1Cases = 0, eq1Failed = 0, carries = 0;
      for (long i = 0; i < n; ++i) {
        uint32_t ref = lmulReference(*f, x[i], y[i], m);
        bool bad = false;
        for (int kind = 0; kind < 3; ++kind)
          if (got[kind][i] != ref) {
            if (failed < 5)
              std::printf("FAIL %s m=%d %s x=0x%X y=0x%X: reference 0x%X, "
                          "got 0x%X\n",
                          f->name, m, kKindNames[kind], x[i], y[i], ref,
                          got[kind][i]);
            bad = true;
          }
        failed += bad;
        double exact;
        if (eq1Value(*f, x[i], y[i], m, exact)) {
          Fields r = split(*f, ref);
          // Only in-range results can equal the real number Eq. 1 gives.
          if (r.exp != 0 && r.exp != f->expAllOnes() &&
              !(!f->hasInf &&
                ref == pack(*f, r.sign, f->expAllOnes(), (1u << f->M) - 2))) {
            ++eq1Cases;
            if (decode(*f, got[0][i]) != exact) {
              if (eq1Failed < 5)
                std::printf("FAIL %s m=%d Eq.1 x=0x%X y=0x%X: exact %.17g, "
                            "got %.17g\n",
                            f->name, m, x[i], y[i], exact,
                            decode(*f, got[0][i]));
              ++eq1Failed;
            }
          }
        } else {
          ++carries;
        }
      }
      std::printf("%s m=%d pairs=%ld mismatches=%ld eq1-cases=%ld "
                  "eq1-mismatches=%ld carry-or-special=%ld\n",
                  f->name, m, n, failed, eq1Cases, eq1Failed, carries);
      if (eq1Cases < n / 20) {
        std::printf("FAIL %s m=%d: too few no-carry cases (%ld)\n", f->name, m,
                    eq1Cases);
        ++totalFailed;
      }
      totalFailed += failed + eq1Failed;
    }
  }
  std::printf("random: %s\n", totalFailed == 0 ? "all bit-exact" : "FAILED");
  return totalFailed == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  if (argc == 3 && std::string(argv[1]) == "vectors")
    return vectorsMode(argv[2]);
  if (argc == 4 && std::string(argv[1]) == "random")
    return randomMode(std::atol(argv[2]), std::strtoull(argv[3], nullptr, 10));
  std::fprintf(stderr, "usage: %s vectors FILE.tsv | random N SEED\n", argv[0]);
  return 2;
}
