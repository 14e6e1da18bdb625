//===- gpu_harness.cpp - run calm-gpu-pipeline kernels against the CPU ----===//
//
// Linked with kernels.mlir compiled twice: by calm-gpu-pipeline (functions
// as named, arguments in device memory) and, renamed cpu_*, by
// calm-cpu-pipeline; and with libcalm_cuda_runtime.
//
//   gpu_harness probe   prints the runtime's verdict on this machine
//   gpu_harness launch  calls each GPU function once and checks that the
//                       runtime reported no error (for a fake driver)
//   gpu_harness run     runs every kernel on both and compares: L-Mul
//                       bit-exact (and against test/lib/LMulReference.h),
//                       f32 / fp8 / int8 matmuls within 2e-5 * sum|a||b|
//
//===----------------------------------------------------------------------===//

#include "CALMCudaRuntime.h"
#include "LMulReference.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

template <int R> struct MemRef {
  float *allocated, *aligned;
  int64_t offset, sizes[R], strides[R];
};

extern "C" {
void *mgpuMemAlloc(uint64_t sizeBytes, void *stream, bool isHostShared);
void mgpuMemFree(void *ptr, void *stream);

void _mlir_ciface_lmul_f32(MemRef<1> *, MemRef<1> *, MemRef<1> *);
void _mlir_ciface_cpu_lmul_f32(MemRef<1> *, MemRef<1> *, MemRef<1> *);
#define DECLARE(F)                                                             \
  void _mlir_ciface_matmul_##F(MemRef<2> *, MemRef<2> *, MemRef<2> *);         \
  void _mlir_ciface_cpu_matmul_##F(MemRef<2> *, MemRef<2> *, MemRef<2> *);
DECLARE(f32)
DECLARE(lmul)
DECLARE(f8)
DECLARE(i8ch)
#undef DECLARE
}

namespace {

constexpr int64_t kN = 1000, kM = 70, kK = 128, kCols = 100;

MemRef<1> view1(float *p, int64_t n) { return {p, p, 0, {n}, {1}}; }
MemRef<2> view2(float *p, int64_t rows, int64_t cols) {
  return {p, p, 0, {rows, cols}, {cols, 1}};
}

/// A device copy of a host vector, freed on destruction.
struct DeviceBuffer {
  explicit DeviceBuffer(const std::vector<float> &host) : size(host.size()) {
    ptr = static_cast<float *>(
        mgpuMemAlloc(size * sizeof(float), nullptr, false));
    calmCudaCopyToDevice(ptr, host.data(), size * sizeof(float));
  }
  ~DeviceBuffer() { mgpuMemFree(ptr, nullptr); }
  std::vector<float> read() const {
    std::vector<float> host(size);
    calmCudaCopyToHost(host.data(), ptr, size * sizeof(float));
    return host;
  }
  size_t size;
  float *ptr;
};

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float fromBits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

int passed = 0, failed = 0;

void report(bool ok, const char *what, const char *detail) {
  std::printf("%s %s: %s\n", ok ? "PASS" : "FAIL", what, detail);
  (ok ? passed : failed)++;
}

bool runtimeClean(const char *what) {
  if (const char *error = calmCudaLastError()) {
    std::printf("FAIL %s: runtime error: %s\n", what, error);
    ++failed;
    calmCudaClearError();
    return false;
  }
  return true;
}

void checkLMul(std::mt19937 &rng) {
  std::vector<float> a(kN), b(kN);
  // Specials first, then random bit patterns over the whole exponent range.
  const uint32_t specials[] = {0x00000000, 0x80000000, 0x7F800000, 0xFF800000,
                               0x7FC00000, 0x00000001, 0x007FFFFF, 0x3F800000,
                               0x3FC00000, 0x7F7FFFFF};
  size_t i = 0;
  for (uint32_t x : specials)
    for (uint32_t y : specials)
      if (i < kN) {
        a[i] = fromBits(x);
        b[i] = fromBits(y);
        ++i;
      }
  for (; i < kN; ++i) {
    a[i] = fromBits(rng());
    b[i] = fromBits(rng());
  }
  std::vector<float> cpu(kN);
  MemRef<1> ha = view1(a.data(), kN), hb = view1(b.data(), kN),
            hc = view1(cpu.data(), kN);
  _mlir_ciface_cpu_lmul_f32(&ha, &hb, &hc);

  DeviceBuffer da(a), db(b), dc(std::vector<float>(kN, 0.0f));
  MemRef<1> ga = view1(da.ptr, kN), gb = view1(db.ptr, kN),
            gc = view1(dc.ptr, kN);
  _mlir_ciface_lmul_f32(&ga, &gb, &gc);
  if (!runtimeClean("lmul_f32"))
    return;
  std::vector<float> gpu = dc.read();

  int64_t vsCpu = 0, vsReference = 0;
  for (int64_t j = 0; j < kN; ++j) {
    vsCpu += bits(gpu[j]) != bits(cpu[j]);
    vsReference +=
        bits(gpu[j]) !=
        calm_test::lmulReference(calm_test::kF32, bits(a[j]), bits(b[j]), 3);
  }
  char detail[128];
  std::snprintf(detail, sizeof(detail),
                "%lld elements, %lld differ from cpu, %lld from reference",
                static_cast<long long>(kN), static_cast<long long>(vsCpu),
                static_cast<long long>(vsReference));
  report(vsCpu == 0 && vsReference == 0, "lmul_f32 bit-exact", detail);
}

using MatmulFn = void (*)(MemRef<2> *, MemRef<2> *, MemRef<2> *);

void checkMatmul(std::mt19937 &rng, const char *name, MatmulFn gpuFn,
                 MatmulFn cpuFn, bool bitExact) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> a(kM * kK), b(kK * kCols);
  for (float &x : a)
    x = dist(rng);
  for (float &x : b)
    x = dist(rng);
  std::vector<float> cpu(kM * kCols);
  MemRef<2> ha = view2(a.data(), kM, kK), hb = view2(b.data(), kK, kCols),
            hc = view2(cpu.data(), kM, kCols);
  cpuFn(&ha, &hb, &hc);

  DeviceBuffer da(a), db(b), dc(std::vector<float>(kM * kCols, 0.0f));
  MemRef<2> ga = view2(da.ptr, kM, kK), gb = view2(db.ptr, kK, kCols),
            gc = view2(dc.ptr, kM, kCols);
  gpuFn(&ga, &gb, &gc);
  if (!runtimeClean(name))
    return;
  std::vector<float> gpu = dc.read();

  int64_t differing = 0, outside = 0;
  double worst = 0;
  for (int64_t i = 0; i < kM; ++i)
    for (int64_t j = 0; j < kCols; ++j) {
      double magnitude = 0;
      for (int64_t k = 0; k < kK; ++k)
        magnitude += std::fabs(a[i * kK + k] * b[k * kCols + j]);
      float g = gpu[i * kCols + j], c = cpu[i * kCols + j];
      differing += bits(g) != bits(c);
      double error = std::fabs(static_cast<double>(g) - c) / magnitude;
      worst = std::max(worst, std::isnan(error) ? INFINITY : error);
      outside += !(error <= 2e-5);
    }
  char what[64], detail[160];
  std::snprintf(what, sizeof(what), "%s %s", name,
                bitExact ? "bit-exact" : "within 2e-5");
  std::snprintf(detail, sizeof(detail),
                "%lld x %lld, %lld differ from cpu, max |gpu-cpu|/sum|ab| = "
                "%.3g",
                static_cast<long long>(kM), static_cast<long long>(kCols),
                static_cast<long long>(differing), worst);
  report(bitExact ? differing == 0 : outside == 0, what, detail);
}

/// Each GPU function once on zeroed device buffers, results unused.
int launchOnly() {
  DeviceBuffer v1{std::vector<float>(kN)}, v2{std::vector<float>(kN)},
      v3{std::vector<float>(kN)};
  MemRef<1> a = view1(v1.ptr, kN), b = view1(v2.ptr, kN), c = view1(v3.ptr, kN);
  _mlir_ciface_lmul_f32(&a, &b, &c);
  DeviceBuffer m1{std::vector<float>(kM * kK)},
      m2{std::vector<float>(kK * kCols)}, m3{std::vector<float>(kM * kCols)};
  MemRef<2> x = view2(m1.ptr, kM, kK), y = view2(m2.ptr, kK, kCols),
            z = view2(m3.ptr, kM, kCols);
  for (MatmulFn fn : {_mlir_ciface_matmul_f32, _mlir_ciface_matmul_lmul,
                      _mlir_ciface_matmul_f8, _mlir_ciface_matmul_i8ch})
    fn(&x, &y, &z);
  const char *error = calmCudaLastError();
  std::printf("launch: 5 functions, runtime errors: %s\n",
              error ? error : "none");
  return error ? 1 : 0;
}

} // namespace

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "run";
  const char *error = calmCudaProbe();
  if (std::strcmp(mode, "probe") == 0) {
    std::printf("probe: %s\n", error ? error : "ok");
    std::printf("devices: %d\n", calmCudaDeviceCount());
    return 0;
  }
  if (error) {
    std::printf("run: no GPU: %s\n", error);
    return 2;
  }
  std::printf("device: sm_%d\n", calmCudaComputeCapability());
  if (std::strcmp(mode, "launch") == 0)
    return launchOnly();
  std::mt19937 rng(20261125);
  checkLMul(rng);
  checkMatmul(rng, "matmul_lmul", _mlir_ciface_matmul_lmul,
              _mlir_ciface_cpu_matmul_lmul, /*bitExact=*/true);
  checkMatmul(rng, "matmul_f32", _mlir_ciface_matmul_f32,
              _mlir_ciface_cpu_matmul_f32, false);
  checkMatmul(rng, "matmul_f8", _mlir_ciface_matmul_f8,
              _mlir_ciface_cpu_matmul_f8, false);
  checkMatmul(rng, "matmul_i8ch", _mlir_ciface_matmul_i8ch,
              _mlir_ciface_cpu_matmul_i8ch, false);
  std::printf("gpu: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
