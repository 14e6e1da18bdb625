//===- UKernels.cpp - packing, activation quantization, threads -----------===//

#include "Kernels.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <immintrin.h>
#include <limits>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

using namespace calm::ukernels;
using namespace calm::ukernels::detail;

//===----------------------------------------------------------------------===//
// Forms and layouts
//===----------------------------------------------------------------------===//

int Form::elementBytes() const {
  switch (kind) {
  case Kind::F32:
  case Kind::LMul:
    return 4;
  case Kind::BF16:
  case Kind::F16:
    return 2;
  default:
    return 1;
  }
}

float Form::qmax() const {
  switch (kind) {
  case Kind::E4M3:
    return 448.0f;
  case Kind::E5M2:
    return 57344.0f;
  case Kind::I8:
    return 127.0f;
  default:
    return 1.0f;
  }
}

static int64_t roundUp(int64_t v, int64_t to) { return (v + to - 1) / to * to; }

PackedLayout calm::ukernels::getPackedLayout(Form form, int64_t n, int64_t k) {
  PackedLayout l;
  l.n = n;
  l.k = k;
  l.kPadded = roundUp(k, 64);
  l.dataBytes = roundUp(roundUp(n, 4) * l.kPadded * form.elementBytes(), 64);
  int64_t end = l.dataBytes;
  if (form.scaled()) {
    l.scalesOffset = end;
    end = roundUp(end + 4 * (form.channel ? n : 1), 64);
  }
  if (form.kind == Kind::I8) {
    l.sumsOffset = end;
    end = roundUp(end + 4 * n, 64);
  }
  if (form.kind == Kind::LMul) {
    l.rangesOffset = end;
    end = roundUp(end + 16 * roundUp(n, 4), 64);
  }
  l.totalBytes = end;
  return l;
}

//===----------------------------------------------------------------------===//
// Rounding (docs/QUANT.md)
//===----------------------------------------------------------------------===//

namespace {

uint32_t bitsOf(float v) {
  uint32_t b;
  std::memcpy(&b, &v, 4);
  return b;
}

/// f32 -> bf16 bits, RNE; inf becomes NaN (the bf16 form's rule).
uint16_t toBF16(float x) {
  if (std::isinf(x) || std::isnan(x))
    return 0x7FC0;
  uint32_t b = bitsOf(x);
  b += 0x7FFFu + ((b >> 16) & 1u);
  return static_cast<uint16_t>(b >> 16);
}

/// f32 -> f16 bits: saturate to +-65504, RNE; inf becomes NaN.
uint16_t toF16(float x) {
  if (std::isinf(x) || std::isnan(x))
    return 0x7E00;
  x = std::fmax(std::fmin(x, 65504.0f), -65504.0f);
  return static_cast<uint16_t>(_cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT));
}

float fromF16(uint16_t h) { return _cvtsh_ss(h); }

/// Round to nearest even integer for |v| < 2^22 (the default rounding
/// mode; no libm call on the per-call activation path).
float roundToInteger(float v) {
  const float magic = 12582912.0f; // 1.5 * 2^23
  return std::fabs(v) < 4194304.0f
             ? std::copysign((std::fabs(v) + magic) - magic, v)
             : v;
}

/// Rounds v (finite, |v| <= the format's max) to `mantissa` bits with
/// smallest normal exponent `emin`, RNE: on the bit pattern for the
/// format's normal range, by exact power-of-two scaling below it.
float roundToFormat(float v, int mantissa, int emin) {
  uint32_t b = bitsOf(v), a = b & 0x7FFFFFFFu;
  if (a == 0)
    return v;
  int e = static_cast<int>(a >> 23) - 127;
  if (e >= emin) {
    int shift = 23 - mantissa;
    a += (1u << (shift - 1)) - 1u + ((a >> shift) & 1u);
    a &= ~((1u << shift) - 1u);
    uint32_t r = (b & 0x80000000u) | a;
    float f;
    std::memcpy(&f, &r, 4);
    return f;
  }
  float scale = std::ldexp(1.0f, mantissa - emin); // exact both ways
  return roundToInteger(v * scale) / scale;
}

/// The quantized value of x / s in a scaled form (in units of s); NaN stays.
float quantizeScaled(float x, float s, const Form &f) {
  float v = x / s;
  if (std::isnan(v))
    return v;
  float q = std::fmax(std::fmin(v, f.qmax()), -f.qmax());
  switch (f.kind) {
  case Kind::I8:
    return roundToInteger(q);
  case Kind::E4M3:
    return roundToFormat(q, 3, -6);
  default:
    return roundToFormat(q, 2, -14);
  }
}

/// fp8 bits of a value already rounded to the format (finite).
uint8_t fp8Bits(float q, bool e4m3) {
  int mantissa = e4m3 ? 3 : 2, emin = e4m3 ? -6 : -14, bias = e4m3 ? 7 : 15;
  uint8_t sign = std::signbit(q) ? 0x80 : 0;
  float a = std::fabs(q);
  if (a == 0.0f)
    return sign;
  int e = std::ilogb(a);
  if (e < emin) // subnormal: a multiple of 2^(emin - mantissa)
    return sign | static_cast<uint8_t>(std::ldexp(a, mantissa - emin));
  int frac = static_cast<int>(std::ldexp(a, mantissa - e)) - (1 << mantissa);
  return sign | static_cast<uint8_t>(((e + bias) << mantissa) | frac);
}

float scaleOf(float amax, const Form &f) {
  return amax == 0.0f ? 1.0f : amax / f.qmax();
}

/// amax that NaN poisons (as maximumf does in the compiled form).
float amaxOf(const float *v, int64_t n) {
  // On magnitude bits, whose unsigned order is the order of |x| (NaN above
  // inf): an integer maximum, which vectorizes where a float one (a
  // reduction the compiler may not reorder) does not.
  uint32_t m = 0;
  for (int64_t i = 0; i < n; ++i)
    m = std::max(m, bitsOf(v[i]) & 0x7FFFFFFFu);
  if (m > 0x7F800000u)
    return std::numeric_limits<float>::quiet_NaN();
  float f;
  std::memcpy(&f, &m, 4);
  return f;
}

} // namespace

float calm::ukernels::lmulF32(float x, float y, int m) {
  uint32_t a = bitsOf(x), b = bitsOf(y);
  uint32_t sign = (a ^ b) & 0x80000000u, ma = a & 0x7FFFFFFFu,
           mb = b & 0x7FFFFFFFu;
  auto result = [](uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  };
  bool nanA = ma > 0x7F800000u, nanB = mb > 0x7F800000u;
  if (nanA || nanB)
    return result(0x7FC00000u);
  bool infA = ma == 0x7F800000u, infB = mb == 0x7F800000u;
  bool tinyA = ma < 0x00800000u, tinyB = mb < 0x00800000u;
  if (infA || infB)
    return result((tinyA || tinyB) ? 0x7FC00000u : (sign | 0x7F800000u));
  if (tinyA || tinyB)
    return result(sign);
  LMulConstants c = getLMulConstants(m);
  uint32_t s = (ma & c.truncMask) + (mb & c.truncMask);
  if (s < c.underflow)
    return result(sign);
  return result(sign | std::min(s + c.offset, 0x7F800000u));
}

//===----------------------------------------------------------------------===//
// Packing (at load)
//===----------------------------------------------------------------------===//

void calm::ukernels::pack(Form form, const float *w, int64_t n, int64_t k,
                          void *dst) {
  PackedLayout l = getPackedLayout(form, n, k);
  auto *out = static_cast<uint8_t *>(dst);
  std::memset(out, 0, l.totalBytes);
  switch (form.kind) {
  case Kind::F32: {
    auto *o = reinterpret_cast<float *>(out);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < k; ++i)
        o[packedIndex(l, j, i)] = w[j * k + i];
    return;
  }
  case Kind::LMul: {
    // |w| truncated to m bits with its sign; zero and subnormal weights as
    // a signed zero (the kernel's "not normal" test).
    uint32_t trunc = getLMulConstants(form.mantissaBits).truncMask;
    auto *o = reinterpret_cast<uint32_t *>(out);
    auto *ranges = reinterpret_cast<uint32_t *>(out + l.rangesOffset);
    for (int64_t j = 0; j < roundUp(n, 4); ++j) {
      uint32_t lo = kNoNormalLow, hi = 0, dense = 1;
      for (int64_t i = 0; j < n && i < k; ++i) {
        uint32_t b = bitsOf(w[j * k + i]), mag = b & 0x7FFFFFFFu;
        o[packedIndex(l, j, i)] =
            (b & 0x80000000u) | (mag < 0x00800000u ? 0 : (mag & trunc));
        if (mag >= 0x7F800000u) { // never the integer-add path
          lo = 0;
          hi = ~0u;
        } else if (mag >= 0x00800000u && hi != ~0u) {
          lo = std::min(lo, mag & trunc);
          hi = std::max(hi, mag & trunc);
        }
        dense &= mag >= 0x00800000u ? 1u : 0u;
      }
      ranges[4 * j] = lo;
      ranges[4 * j + 1] = hi;
      ranges[4 * j + 2] = dense;
    }
    return;
  }
  case Kind::BF16:
  case Kind::F16: {
    auto *o = reinterpret_cast<uint16_t *>(out);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < k; ++i)
        o[packedIndex(l, j, i)] = form.kind == Kind::BF16 ? toBF16(w[j * k + i])
                                                          : toF16(w[j * k + i]);
    return;
  }
  default:
    break;
  }
  // Scaled forms: per-channel scales are per output row j of W [N, K] (per
  // column of B = W^T).
  auto *scales = reinterpret_cast<float *>(out + l.scalesOffset);
  if (form.channel)
    for (int64_t j = 0; j < n; ++j)
      scales[j] = scaleOf(amaxOf(w + j * k, k), form);
  else
    scales[0] = scaleOf(amaxOf(w, n * k), form);
  auto *sums = reinterpret_cast<int32_t *>(out + l.sumsOffset);
  for (int64_t j = 0; j < n; ++j) {
    float s = scales[form.channel ? j : 0];
    int32_t sum = 0;
    for (int64_t i = 0; i < k; ++i) {
      float q = quantizeScaled(w[j * k + i], s, form);
      uint8_t &o = out[packedIndex(l, j, i)];
      if (form.kind == Kind::I8) {
        o = static_cast<uint8_t>(static_cast<int8_t>(q));
        sum += static_cast<int32_t>(q);
      } else {
        o = fp8Bits(q, form.kind == Kind::E4M3);
      }
    }
    if (form.kind == Kind::I8)
      sums[j] = sum;
  }
}

//===----------------------------------------------------------------------===//
// Threads
//===----------------------------------------------------------------------===//

namespace {

/// A fixed pool: the caller runs task 0, workers the rest. Workers spin for
/// a while before sleeping, since a decode step issues ~100 calls of
/// ~0.1 ms each and a futex wake-up per call would cost a noticeable share.
class Pool {
public:
  static Pool &get() {
    static Pool pool;
    return pool;
  }
  ~Pool() { stop(); }
  /// The pool runs one job at a time. A caller leases it for up to
  /// `wanted` tasks; when another thread (another session or model) holds
  /// it, the lease is for one task: the caller's own thread. Held until the
  /// lease is destroyed; tasks() is read while holding it, so a resize
  /// cannot change it under the job.
  class Lease {
  public:
    Lease(Pool &owner, int64_t wanted) {
      if (wanted > 1 && owner.getSize() > 1 &&
          owner.callers.load(std::memory_order_relaxed) < owner.getSize() &&
          owner.tryAcquire()) {
        pool = &owner;
        count = static_cast<int>(std::min<int64_t>(owner.getSize(), wanted));
      }
    }
    ~Lease() {
      if (pool)
        pool->release();
    }
    Lease(const Lease &) = delete;
    Lease &operator=(const Lease &) = delete;
    int tasks() const { return count; }

  private:
    Pool *pool = nullptr;
    int count = 1;
  };
  void resize(int threads) {
    if (threads <= 0)
      threads =
          static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    // Waits out a job another thread is running.
    while (!tryAcquire())
      std::this_thread::yield();
    if (threads == size) {
      release();
      return;
    }
    resizeLocked(threads);
    release();
  }
  int getSize() const { return size; }
  std::atomic<int> callers{1};

private:
  bool tryAcquire() {
    bool expected = false;
    return busy.compare_exchange_strong(expected, true,
                                        std::memory_order_acquire);
  }
  void release() { busy.store(false, std::memory_order_release); }
  void resizeLocked(int threads) {
    stop();
    stopping = false;
    size = threads;
    // A worker starts from the generation current now: one that took
    // longer to start than the first job to be posted still runs it.
    uint64_t start = generation.load();
    for (int i = 1; i < threads; ++i)
      workers.emplace_back([this, i, start] { work(i, start); });
  }

public:
  /// Runs fn(t) for t in [0, tasks), tasks from a Lease the caller holds.
  template <typename Fn> void run(int tasks, Fn &&fn) {
    if (tasks <= 1) {
      fn(0);
      return;
    }
    // Type-erased without std::function: no allocation per call (a decode
    // step makes ~120 of them).
    using F = std::remove_reference_t<Fn>;
    jobContext.store(const_cast<void *>(static_cast<const void *>(&fn)),
                     std::memory_order_relaxed);
    job.store([](void *c, int t) { (*static_cast<F *>(c))(t); },
              std::memory_order_relaxed);
    jobTasks.store(tasks, std::memory_order_relaxed);
    pending.store(tasks - 1);
    {
      std::lock_guard<std::mutex> lock(mutex);
      generation.fetch_add(1, std::memory_order_release);
    }
    wake.notify_all();
    fn(0);
    while (pending.load(std::memory_order_acquire) != 0)
      _mm_pause();
  }

private:
  Pool() {
    int threads = 0;
    if (const char *env = std::getenv("CALM_THREADS"))
      threads = std::atoi(env);
    if (threads <= 0)
      threads =
          static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    resizeLocked(threads);
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
      generation.fetch_add(1);
    }
    wake.notify_all();
    for (std::thread &t : workers)
      t.join();
    workers.clear();
  }
  void work(int index, uint64_t seen) {
    while (true) {
      // Spin ~50 us, then sleep until the next job.
      uint64_t now = seen;
      for (int i = 0; i < 20000 && now == seen; ++i) {
        _mm_pause();
        now = generation.load(std::memory_order_acquire);
      }
      if (now == seen) {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return generation.load() != seen; });
        now = generation.load();
      }
      seen = now;
      if (stopping)
        return;
      if (index < jobTasks.load(std::memory_order_relaxed)) {
        job.load(std::memory_order_relaxed)(
            jobContext.load(std::memory_order_relaxed), index);
        pending.fetch_sub(1, std::memory_order_release);
      }
    }
  }

  std::vector<std::thread> workers;
  std::atomic<int> size{0};
  std::mutex mutex;
  std::condition_variable wake;
  std::atomic<uint64_t> generation{0};
  std::atomic<int> pending{0};
  std::atomic<void (*)(void *, int)> job{nullptr};
  std::atomic<void *> jobContext{nullptr};
  std::atomic<int> jobTasks{0};
  std::atomic<bool> busy{false};
  bool stopping = false;
};

} // namespace

void calm::ukernels::setThreads(int threads) { Pool::get().resize(threads); }
/// Set on the threads running a parallelRanges job: work inside it (the
/// compiled functions' linear layers) stays on that thread, since the pool
/// runs one job at a time.
static thread_local bool insideParallelRanges = false;

void calm::ukernels::parallelRanges(int64_t n,
                                    void (*fn)(void *, int64_t, int64_t),
                                    void *ctx) {
  if (n <= 0)
    return;
  Pool &pool = Pool::get();
  Pool::Lease lease(pool, insideParallelRanges ? 1 : n);
  int tasks = lease.tasks();
  if (tasks <= 1) {
    fn(ctx, 0, n);
    return;
  }
  int64_t per = (n + tasks - 1) / tasks;
  pool.run(tasks, [&](int t) {
    int64_t b = std::min(n, t * per), e = std::min(n, b + per);
    if (b >= e)
      return;
    insideParallelRanges = true;
    fn(ctx, b, e);
    insideParallelRanges = false;
  });
}
int calm::ukernels::getThreads() { return Pool::get().getSize(); }
void calm::ukernels::setConcurrentCallers(int callers) {
  Pool::get().callers.store(std::max(1, callers), std::memory_order_relaxed);
}

//===----------------------------------------------------------------------===//
// ISA
//===----------------------------------------------------------------------===//

namespace {
bool hasAVX512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512vnni") &&
         __builtin_cpu_supports("avx512bf16") &&
         __builtin_cpu_supports("avx512vbmi");
}
bool &useAVX512() {
  static bool use = [] {
    const char *env = std::getenv("CALM_UKERNEL_ISA");
    return hasAVX512() && !(env && std::string(env) == "avx2");
  }();
  return use;
}
} // namespace

int32_t calm::ukernels::argmax(const float *row, int64_t n) {
  return useAVX512() ? argmaxAVX512(row, n) : argmaxAVX2(row, n);
}

const char *calm::ukernels::isa() { return useAVX512() ? "avx512" : "avx2"; }

bool calm::ukernels::setISA(const std::string &name) {
  if (name == "avx2") {
    useAVX512() = false;
    return true;
  }
  if (name == "avx512" && hasAVX512()) {
    useAVX512() = true;
    return true;
  }
  return false;
}

//===----------------------------------------------------------------------===//
// linear()
//===----------------------------------------------------------------------===//

namespace {
/// Per-thread scratch for the prepared activations (reused across calls).
struct Scratch {
  std::vector<uint8_t> x, sign, normal, special, dense;
  std::vector<uint32_t> fast, rowRanges;
  std::vector<uint16_t> xBF16;
  std::vector<float> scale;
};
Scratch &scratch() {
  thread_local Scratch s;
  return s;
}

Prepared prepare(Form form, const float *x, int64_t m, int64_t stride,
                 int64_t k, int64_t kp) {
  Scratch &s = scratch();
  Prepared p;
  p.form = form;
  p.m = m;
  p.kPadded = kp;
  int64_t bytes = m * kp *
                  (form.kind == Kind::BF16 ? 2
                   : form.kind == Kind::I8 ? 1
                                           : 4);
  s.x.assign(bytes + 64, 0);
  // 64-byte aligned start for aligned vector loads.
  uint8_t *base =
      s.x.data() + ((64 - reinterpret_cast<uintptr_t>(s.x.data()) % 64) % 64);
  p.x = base;
  switch (form.kind) {
  case Kind::F32: {
    auto *o = reinterpret_cast<float *>(base);
    for (int64_t r = 0; r < m; ++r)
      std::memcpy(o + r * kp, x + r * stride, 4 * k);
    break;
  }
  case Kind::BF16: {
    auto *o = reinterpret_cast<uint16_t *>(base);
    for (int64_t r = 0; r < m; ++r)
      for (int64_t i = 0; i < k; ++i)
        o[r * kp + i] = toBF16(x[r * stride + i]);
    break;
  }
  case Kind::F16: {
    auto *o = reinterpret_cast<float *>(base);
    for (int64_t r = 0; r < m; ++r)
      for (int64_t i = 0; i < k; ++i)
        o[r * kp + i] = fromF16(toF16(x[r * stride + i]));
    break;
  }
  case Kind::LMul: {
    LMulConstants c = getLMulConstants(form.mantissaBits);
    s.sign.assign(4 * m * kp + 64, 0);
    s.normal.assign(2 * m * (kp / 16), 0);
    s.special.assign(m, 0);
    auto *mag = reinterpret_cast<uint32_t *>(base);
    auto *sign = reinterpret_cast<uint32_t *>(
        s.sign.data() +
        ((64 - reinterpret_cast<uintptr_t>(s.sign.data()) % 64) % 64));
    auto *normal = reinterpret_cast<uint16_t *>(s.normal.data());
    s.fast.assign(m * kp, 0);
    s.rowRanges.assign(2 * m, 0);
    s.dense.assign(m, 0);
    for (int64_t r = 0; r < m; ++r) {
      // Branch-free loops, so that they vectorize.
      const float *xr = x + r * stride;
      uint32_t *magR = mag + r * kp, *signR = sign + r * kp,
               *fastR = s.fast.data() + r * kp;
      uint32_t lo = kNoNormalLow, hi = 0, normals = 0, specials = 0;
      for (int64_t i = 0; i < k; ++i) {
        uint32_t b = bitsOf(xr[i]), a = b & 0x7FFFFFFFu;
        uint32_t isNormal = (a >= 0x00800000u) & (a < 0x7F800000u);
        uint32_t t = a & c.truncMask;
        specials |= a >= 0x7F800000u ? 1u : 0u;
        normals += isNormal;
        magR[i] = a >= 0x00800000u ? t : 0;
        signR[i] = b & 0x80000000u;
        // The integer-add form: sign | truncated magnitude, offset added.
        fastR[i] = isNormal ? ((b & 0x80000000u) | t) + c.offset : 0;
        lo = std::min(lo, isNormal ? t : kNoNormalLow);
        hi = std::max(hi, isNormal ? t : 0u);
      }
      for (int64_t i = 0; i < k; ++i)
        if (magR[i] != 0)
          normal[r * (kp / 16) + i / 16] |= uint16_t(1u << (i % 16));
      s.special[r] = specials != 0;
      // Special rows take the scalar path; their tile results are unused.
      s.rowRanges[2 * r] = specials ? kNoNormalLow : lo;
      s.rowRanges[2 * r + 1] = specials ? 0 : hi;
      s.dense[r] = normals == k;
    }
    p.sign = sign;
    p.normal = normal;
    p.special = s.special.data();
    p.lmulFast = s.fast.data();
    p.lmulRanges = s.rowRanges.data();
    p.lmulDense = s.dense.data();
    break;
  }
  default: { // scaled forms
    s.scale.assign(form.channel ? m : 1, 1.0f);
    if (form.channel) {
      for (int64_t r = 0; r < m; ++r)
        s.scale[r] = scaleOf(amaxOf(x + r * stride, k), form);
    } else {
      float a = 0.0f;
      for (int64_t r = 0; r < m && !std::isnan(a); ++r) {
        float ra = amaxOf(x + r * stride, k);
        a = std::isnan(ra) ? ra : std::fmax(a, ra);
      }
      s.scale[0] = scaleOf(a, form);
    }
    p.scale = s.scale.data();
    for (int64_t r = 0; r < m; ++r) {
      float sc = s.scale[form.channel ? r : 0];
      if (form.kind == Kind::I8) {
        // quantizeScaled's i8 case, branch-free so that it vectorizes:
        // NaN -> 0 (the output is NaN through the scale guard), saturate,
        // RNE by the 1.5 * 2^23 trick (|v| <= 127).
        const float *xr = x + r * stride;
        uint8_t *o = base + r * kp;
        const float qmax = form.qmax(), magic = 12582912.0f;
        for (int64_t i = 0; i < k; ++i) {
          float v = xr[i] / sc;
          v = v == v ? v : 0.0f;
          v = v < -qmax ? -qmax : (v > qmax ? qmax : v);
          float a = v < 0 ? -v : v;
          float q = (a + magic) - magic;
          int iq = static_cast<int>(q);
          o[i] = static_cast<uint8_t>((v < 0 ? -iq : iq) + 128);
        }
        continue;
      }
      for (int64_t i = 0; i < k; ++i) {
        float q = quantizeScaled(x[r * stride + i], sc, form);
        if (std::isnan(q))
          q = 0.0f; // the output is NaN through the scale guard
        if (form.kind == Kind::I8)
          base[r * kp + i] = static_cast<uint8_t>(static_cast<int>(q) + 128);
        else
          reinterpret_cast<float *>(base)[r * kp + i] = q;
      }
    }
    if (form.kind != Kind::I8 && useAVX512()) {
      // fp8 values are exact in bf16.
      s.xBF16.assign(m * kp, 0);
      const auto *q = reinterpret_cast<const float *>(base);
      for (int64_t r = 0; r < m; ++r)
        for (int64_t i = 0; i < k; ++i)
          s.xBF16[r * kp + i / 64 * 64 + fp8KernelOrder(i % 64)] =
              static_cast<uint16_t>(bitsOf(q[r * kp + i]) >> 16);
      p.xBF16 = s.xBF16.data();
    }
    break;
  }
  }
  return p;
}

/// Rows of an L-Mul call holding NaN or inf: the scalar semantics.
void lmulSpecialRows(const Prepared &p, const float *x, int64_t xStride,
                     const uint8_t *packed, const PackedLayout &l,
                     const float *init, int64_t initStride, float *out,
                     int64_t outStride, int64_t j0, int64_t j1) {
  const auto *w = reinterpret_cast<const uint32_t *>(packed);
  for (int64_t r = 0; r < p.m; ++r) {
    if (!p.special[r])
      continue;
    for (int64_t j = j0; j < j1; ++j) {
      float sum = 0.0f;
      for (int64_t i = 0; i < l.k; ++i) {
        float wv;
        std::memcpy(&wv, &w[packedIndex(l, j, i)], 4);
        sum += lmulF32(x[r * xStride + i], wv, p.form.mantissaBits);
      }
      out[r * outStride + j] = init[r * initStride + j] + sum;
    }
  }
}
} // namespace

void calm::ukernels::linear(Form form, const float *x, int64_t m,
                            int64_t xStride, const void *packed, int64_t n,
                            int64_t k, const float *init, int64_t initStride,
                            float *out, int64_t outStride) {
  if (m <= 0 || n <= 0)
    return;
  if (!init) { // every row reads one row of +0 (the caller's thread's)
    thread_local std::vector<float> zeros;
    if (static_cast<int64_t>(zeros.size()) < n)
      zeros.assign(n, 0.0f);
    init = zeros.data();
    initStride = 0;
  }
  PackedLayout l = getPackedLayout(form, n, k);
  Prepared p = prepare(form, x, m, xStride, k, l.kPadded);
  const auto *w = static_cast<const uint8_t *>(packed);
  auto kernel = useAVX512() ? kernelAVX512 : kernelAVX2;
  // Columns per task in multiples of 16, and no split below ~64K MACs,
  // where waking a worker costs more than it saves.
  // Columns are independent, so however many tasks the lease gives (one
  // when another session holds the pool) the result is the same.
  Pool &pool = Pool::get();
  int64_t work = m * n * l.kPadded;
  Pool::Lease lease(pool, work < (1 << 16) || insideParallelRanges
                              ? 1
                              : (n + 15) / 16);
  int tasks = lease.tasks();
  int64_t per = ((n + tasks - 1) / tasks + 15) / 16 * 16;
  pool.run(tasks, [&](int t) {
    int64_t j0 = std::min(n, t * per), j1 = std::min(n, j0 + per);
    if (j0 >= j1)
      return;
    kernel(p, w, l, Columns{j0, j1, init, initStride, out, outStride});
    if (form.kind == Kind::LMul)
      lmulSpecialRows(p, x, xStride, w, l, init, initStride, out, outStride, j0,
                      j1);
  });
}
