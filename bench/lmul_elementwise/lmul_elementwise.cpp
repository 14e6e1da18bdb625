//===- lmul_elementwise.cpp - calm.lmul vs arith.mulf throughput ----------===//
//
// Both kernels come from bench/lmul_elementwise/kernels.mlir through
// calm-cpu-pipeline (vectorized), compiled at -O3 -march=native. Each run
// multiplies two 16M-element f32 arrays into a third.
//
//   lmul_elementwise [google-benchmark flags]      throughput of both
//   lmul_elementwise --once=lmul|mulf [--n=N]      one call, for callgrind
//
//===----------------------------------------------------------------------===//

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

struct MemRef1D {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[1];
  int64_t strides[1];
};

extern "C" void _mlir_ciface_mulf_f32(MemRef1D *, MemRef1D *, MemRef1D *);
extern "C" void _mlir_ciface_lmul_f32(MemRef1D *, MemRef1D *, MemRef1D *);

namespace {
constexpr int64_t kDefaultN = int64_t(1) << 24; // 16M elements

struct Arrays {
  std::vector<float> x, y, o;
  explicit Arrays(int64_t n) : x(n), y(n), o(n) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> d(-4.0f, 4.0f);
    for (int64_t i = 0; i < n; ++i) {
      x[i] = d(rng);
      y[i] = d(rng);
    }
  }
  void run(void (*kernel)(MemRef1D *, MemRef1D *, MemRef1D *)) {
    int64_t n = int64_t(x.size());
    MemRef1D a{x.data(), x.data(), 0, {n}, {1}};
    MemRef1D b{y.data(), y.data(), 0, {n}, {1}};
    MemRef1D c{o.data(), o.data(), 0, {n}, {1}};
    kernel(&a, &b, &c);
  }
};

Arrays &arrays() {
  static Arrays a(kDefaultN);
  return a;
}

void bench(benchmark::State &state,
           void (*kernel)(MemRef1D *, MemRef1D *, MemRef1D *)) {
  Arrays &a = arrays();
  for (auto _ : state) {
    a.run(kernel);
    benchmark::DoNotOptimize(a.o.data());
    benchmark::ClobberMemory();
  }
  int64_t n = int64_t(a.x.size());
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * 3 * int64_t(sizeof(float)));
}

void BM_mulf_f32(benchmark::State &s) { bench(s, _mlir_ciface_mulf_f32); }
void BM_lmul4_f32(benchmark::State &s) { bench(s, _mlir_ciface_lmul_f32); }
BENCHMARK(BM_mulf_f32)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_lmul4_f32)->Unit(benchmark::kMillisecond)->MinTime(1.0);
} // namespace

int main(int argc, char **argv) {
  // --once=KERNEL [--n=N]: a single call, for instruction counting.
  std::string once;
  int64_t n = kDefaultN;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--once=", 7) == 0)
      once = argv[i] + 7;
    else if (std::strncmp(argv[i], "--n=", 4) == 0)
      n = std::atoll(argv[i] + 4);
  }
  if (!once.empty()) {
    if (once != "lmul" && once != "mulf") {
      std::fprintf(stderr, "error: --once takes lmul or mulf\n");
      return 2;
    }
    Arrays a(n);
    a.run(once == "lmul" ? _mlir_ciface_lmul_f32 : _mlir_ciface_mulf_f32);
    std::printf("%s: %lld elements, out[1] = %g\n", once.c_str(),
                static_cast<long long>(n), double(a.o[1]));
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
