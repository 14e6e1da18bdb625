//===- matmul_bench.cpp - numerics forms vs OpenBLAS and memcpy -----------===//
//
// GFLOPS (2 M N K / time) of the kernels calm-cpu-pipeline compiles for each
// numerics form and shape, of OpenBLAS cblas_sgemm on the same shapes, and
// the bandwidth of memcpy on 64 MiB, in one run. Single thread, except the
// ukernel GEMV rows (runtime/ukernels, weights packed once before timing, as
// the runtime does at load), which run with 1 and all threads, beside
// OpenBLAS sgemv with the same threads.
//
//===----------------------------------------------------------------------===//

#include "NumericsForm.h"

#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

struct MemRef2D {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};

#define KERNEL(NAME, FORM, M, K, N)                                            \
  extern "C" void _mlir_ciface_##NAME(MemRef2D *, MemRef2D *, MemRef2D *);
#include "kernels.inc"
#undef KERNEL

namespace {

void setCounters(benchmark::State &state, int64_t m, int64_t k, int64_t n) {
  state.counters["GFLOPS"] = benchmark::Counter(
      2.0 * m * n * k, benchmark::Counter::kIsIterationInvariantRate,
      benchmark::Counter::kIs1000);
  state.counters["weightGB/s"] = benchmark::Counter(
      4.0 * k * n, benchmark::Counter::kIsIterationInvariantRate,
      benchmark::Counter::kIs1000);
}

std::vector<float> randomMatrix(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float &x : v)
    x = d(rng);
  return v;
}

void runKernel(benchmark::State &state,
               void (*fn)(MemRef2D *, MemRef2D *, MemRef2D *), int64_t m,
               int64_t k, int64_t n) {
  std::vector<float> a = randomMatrix(size_t(m) * k, 1),
                     b = randomMatrix(size_t(k) * n, 2);
  MemRef2D va{a.data(), a.data(), 0, {m, k}, {k, 1}};
  MemRef2D vb{b.data(), b.data(), 0, {k, n}, {n, 1}};
  for (auto _ : state) {
    MemRef2D out;
    fn(&out, &va, &vb);
    benchmark::DoNotOptimize(out.aligned);
    std::free(out.allocated);
  }
  setCounters(state, m, k, n);
}

void runOpenBLAS(benchmark::State &state, int64_t m, int64_t k, int64_t n) {
  std::vector<float> a = randomMatrix(size_t(m) * k, 1),
                     b = randomMatrix(size_t(k) * n, 2), c(size_t(m) * n);
  for (auto _ : state) {
    if (m == 1)
      cblas_sgemv(CblasRowMajor, CblasTrans, k, n, 1.0f, b.data(), n, a.data(),
                  1, 0.0f, c.data(), 1);
    else
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f,
                  a.data(), k, b.data(), n, 0.0f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  setCounters(state, m, k, n);
}

/// y = x . W^T with W [N, K] packed in `form`; weightGB/s counts the packed
/// bytes (what a decode step streams).
void runUKernel(benchmark::State &state, const std::string &formName, int64_t m,
                int64_t k, int64_t n, int threads) {
  namespace uk = calm::ukernels;
  uk::Form form;
  std::string error;
  if (!uk::parseForm(formName, form, error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::vector<float> x = randomMatrix(size_t(m) * k, 1),
                     w = randomMatrix(size_t(n) * k, 2), y(size_t(m) * n, 0.0f);
  uk::PackedLayout l = uk::getPackedLayout(form, n, k);
  std::vector<uint8_t> packed(l.totalBytes + 64);
  uint8_t *base = packed.data() + (64 - uintptr_t(packed.data()) % 64) % 64;
  uk::pack(form, w.data(), n, k, base);
  uk::setThreads(threads);
  for (auto _ : state) {
    uk::linear(form, x.data(), m, k, base, n, k, y.data(), n, y.data(), n);
    benchmark::DoNotOptimize(y.data());
  }
  setCounters(state, m, k, n);
  state.counters["weightGB/s"] = benchmark::Counter(
      double(l.totalBytes), benchmark::Counter::kIsIterationInvariantRate,
      benchmark::Counter::kIs1000);
}

void runOpenBLASThreads(benchmark::State &state, int64_t k, int64_t n,
                        int threads) {
  openblas_set_num_threads(threads);
  runOpenBLAS(state, 1, k, n);
  openblas_set_num_threads(1);
}

/// y = x . W^T with W [N, K] row-major (the ukernels' operation, so the
/// comparison is like for like), with `threads` OpenBLAS threads.
void runOpenBLASLinear(benchmark::State &state, int64_t m, int64_t k,
                       int64_t n, int threads) {
  openblas_set_num_threads(threads);
  std::vector<float> x = randomMatrix(size_t(m) * k, 1),
                     w = randomMatrix(size_t(n) * k, 2), y(size_t(m) * n);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f,
                x.data(), k, w.data(), k, 0.0f, y.data(), n);
    benchmark::DoNotOptimize(y.data());
  }
  setCounters(state, m, k, n);
  openblas_set_num_threads(1);
}

void memcpyProbe(benchmark::State &state) {
  size_t bytes = size_t(64) << 20;
  std::vector<char> src(bytes, 1), dst(bytes);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), bytes);
    benchmark::DoNotOptimize(dst.data());
  }
  // Bytes read (the same measure as weightGB/s of a GEMV).
  state.counters["readGB/s"] = benchmark::Counter(
      double(bytes), benchmark::Counter::kIsIterationInvariantRate,
      benchmark::Counter::kIs1000);
}

int registerAll() {
  openblas_set_num_threads(1);
  benchmark::RegisterBenchmark("memcpy/64MiB", memcpyProbe)
      ->Unit(benchmark::kMillisecond);
  int64_t shapes[][3] = {
      {1, 4096, 4096}, {128, 4096, 4096}, {1024, 1024, 1024}};
  for (auto &s : shapes) {
    std::string name = "openblas_sgemm/" + std::to_string(s[0]) + "x" +
                       std::to_string(s[1]) + "x" + std::to_string(s[2]);
    int64_t m = s[0], k = s[1], n = s[2];
    benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State &st) {
      runOpenBLAS(st, m, k, n);
    })->Unit(benchmark::kMillisecond);
  }
  int all = static_cast<int>(std::thread::hardware_concurrency());
  for (int threads : {1, all}) {
    std::string t = "/threads:" + std::to_string(threads);
    benchmark::RegisterBenchmark(("openblas_sgemv/1x4096x4096" + t).c_str(),
                                 [=](benchmark::State &st) {
                                   runOpenBLASThreads(st, 4096, 4096, threads);
                                 })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    for (const char *form : {"f32", "bf16", "f16", "i8/channel", "i8",
                             "f8e4m3/channel", "f8e5m2/channel", "lmul:4"})
      benchmark::RegisterBenchmark(
          ("ukernel/" + std::string(form) + "/1x4096x4096" + t).c_str(),
          [=](benchmark::State &st) {
            runUKernel(st, form, 1, 4096, 4096, threads);
          })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    // GEMMs: y = x . W^T with W packed once before timing.
    int64_t gemms[][3] = {{1024, 1024, 1024}, {500, 900, 1100},
                          // The AE vocabulary projections of the tiny
                          // CALM (an eval block) and of CALM-M (a slice).
                          {1016, 256, 4096}, {256, 512, 128256}};
    for (auto &g : gemms) {
      int64_t m = g[0], k = g[1], n = g[2];
      std::string shape = std::to_string(m) + "x" + std::to_string(k) + "x" +
                          std::to_string(n);
      benchmark::RegisterBenchmark(
          ("openblas_linear/" + shape + t).c_str(),
          [=](benchmark::State &st) {
            runOpenBLASLinear(st, m, k, n, threads);
          })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
      for (const char *form : {"f32", "bf16", "f16", "i8/channel", "i8",
                               "f8e4m3/channel", "f8e5m2/channel", "lmul:4"})
        benchmark::RegisterBenchmark(
            ("ukernel/" + std::string(form) + "/" + shape + t).c_str(),
            [=](benchmark::State &st) {
              runUKernel(st, form, m, k, n, threads);
            })
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
    }
  }
#define KERNEL(NAME, FORM, M, K, N)                                            \
  benchmark::RegisterBenchmark(FORM "/" #M "x" #K "x" #N,                      \
                               [](benchmark::State &st) {                      \
                                 runKernel(st, _mlir_ciface_##NAME, M, K, N);  \
                               })                                              \
      ->Unit(benchmark::kMillisecond);
#include "kernels.inc"
#undef KERNEL
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  registerAll();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
