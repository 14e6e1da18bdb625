//===- CALMCudaRuntime.cpp - mgpu* entry points on a dlopen'ed driver ----===//
//
// The functions the host code of calm-gpu-pipeline calls, with the
// signatures MLIR 22's gpu-to-llvm lowering declares (e.g.
// mgpuLaunchKernel(ptr, i64 x6, i32, ptr, ptr, ptr, i64)). The CUDA driver
// is resolved with dlopen/dlsym on first use; the handful of driver types
// and entry points used are declared here, so no CUDA header or library is
// needed to build or to link against this library.
//
//===----------------------------------------------------------------------===//

#include "CALMCudaRuntime.h"

#include <dlfcn.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

namespace {

// Driver API types (cuda.h), as opaque as we can keep them.
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;
using CUjit_option = int;

constexpr CUresult kSuccess = 0;
constexpr unsigned kStreamNonBlocking = 0x1;      // CU_STREAM_NON_BLOCKING
constexpr unsigned kEventDisableTiming = 0x2;     // CU_EVENT_DISABLE_TIMING
constexpr unsigned kMemAttachGlobal = 0x1;        // CU_MEM_ATTACH_GLOBAL
constexpr CUjit_option kJitErrorLogBuffer = 5;    // CU_JIT_ERROR_LOG_BUFFER
constexpr CUjit_option kJitErrorLogSize = 6;      // ..._SIZE_BYTES
constexpr CUjit_option kJitOptimizationLevel = 7; // CU_JIT_OPTIMIZATION_LEVEL
constexpr int kAttrComputeMajor = 75;
constexpr int kAttrComputeMinor = 76;

/// The driver entry points, by their exported (versioned) names.
struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxPushCurrent)(CUcontext);
  CUresult (*cuCtxPopCurrent)(CUcontext *);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleLoadDataEx)(CUmodule *, const void *, unsigned,
                                 CUjit_option *, void **);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuStreamWaitEvent)(CUstream, CUevent, unsigned);
  CUresult (*cuEventCreate)(CUevent *, unsigned);
  CUresult (*cuEventDestroy)(CUevent);
  CUresult (*cuEventSynchronize)(CUevent);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpy)(CUdeviceptr, CUdeviceptr, size_t);
  CUresult (*cuMemcpyAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*cuMemsetD32Async)(CUdeviceptr, unsigned, size_t, CUstream);
  CUresult (*cuMemsetD16Async)(CUdeviceptr, unsigned short, size_t, CUstream);
  CUresult (*cuMemHostRegister)(void *, size_t, unsigned);
  CUresult (*cuMemHostUnregister)(void *);
};

struct State {
  Driver driver{};
  CUcontext context = nullptr;
  int deviceCount = 0;
  int computeCapability = 0;
  std::string probeError; // empty: usable
  bool reportedProbeError = false;
  std::mutex mutex;
};

/// The first error since the thread's last calmCudaClearError(). Per
/// thread: a model's calls run on the thread that makes them, so one
/// session's failure (its KV cache out of memory) never fails another's
/// calls, nor a model loaded later.
thread_local std::string threadError;

/// calmCudaSetQuiet: whether failures go to stderr as well.
std::atomic<bool> quiet{false};

/// Never destroyed: kernel modules unload from global destructors, which
/// may run after this library's statics are gone.
State &state() {
  static State *s = new State;
  return *s;
}

void recordError(const std::string &message, bool print) {
  if (threadError.empty())
    threadError = message;
  if (print && !quiet.load(std::memory_order_relaxed))
    std::fprintf(stderr, "calm_cuda_runtime: %s\n", message.c_str());
}

std::string errorName(CUresult result) {
  const char *name = nullptr;
  if (state().driver.cuGetErrorName)
    state().driver.cuGetErrorName(result, &name);
  return name ? name : "CUDA error " + std::to_string(result);
}

/// Reports a failed driver call (stderr and calmCudaLastError); true on
/// success.
bool check(CUresult result, const char *what) {
  if (result == kSuccess)
    return true;
  recordError(std::string(what) + " failed: " + errorName(result),
              /*print=*/true);
  return false;
}

template <typename F> bool resolve(void *library, const char *name, F &fn) {
  fn = reinterpret_cast<F>(dlsym(library, name));
  return fn != nullptr;
}

std::string loadDriver(State &s) {
  // RTLD_LOCAL: the driver's symbols stay out of the global namespace.
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return "no CUDA driver (libcuda.so.1 not found)";
  Driver &d = s.driver;
  struct Entry {
    const char *name;
    bool ok;
  };
  Entry entries[] = {
      {"cuInit", resolve(library, "cuInit", d.cuInit)},
      {"cuGetErrorName", resolve(library, "cuGetErrorName", d.cuGetErrorName)},
      {"cuDeviceGetCount",
       resolve(library, "cuDeviceGetCount", d.cuDeviceGetCount)},
      {"cuDeviceGet", resolve(library, "cuDeviceGet", d.cuDeviceGet)},
      {"cuDeviceGetAttribute",
       resolve(library, "cuDeviceGetAttribute", d.cuDeviceGetAttribute)},
      {"cuDevicePrimaryCtxRetain", resolve(library, "cuDevicePrimaryCtxRetain",
                                           d.cuDevicePrimaryCtxRetain)},
      {"cuCtxPushCurrent_v2",
       resolve(library, "cuCtxPushCurrent_v2", d.cuCtxPushCurrent)},
      {"cuCtxPopCurrent_v2",
       resolve(library, "cuCtxPopCurrent_v2", d.cuCtxPopCurrent)},
      {"cuCtxSynchronize",
       resolve(library, "cuCtxSynchronize", d.cuCtxSynchronize)},
      {"cuModuleLoadData",
       resolve(library, "cuModuleLoadData", d.cuModuleLoadData)},
      {"cuModuleLoadDataEx",
       resolve(library, "cuModuleLoadDataEx", d.cuModuleLoadDataEx)},
      {"cuModuleUnload", resolve(library, "cuModuleUnload", d.cuModuleUnload)},
      {"cuModuleGetFunction",
       resolve(library, "cuModuleGetFunction", d.cuModuleGetFunction)},
      {"cuLaunchKernel", resolve(library, "cuLaunchKernel", d.cuLaunchKernel)},
      {"cuStreamCreate", resolve(library, "cuStreamCreate", d.cuStreamCreate)},
      {"cuStreamDestroy_v2",
       resolve(library, "cuStreamDestroy_v2", d.cuStreamDestroy)},
      {"cuStreamSynchronize",
       resolve(library, "cuStreamSynchronize", d.cuStreamSynchronize)},
      {"cuStreamWaitEvent",
       resolve(library, "cuStreamWaitEvent", d.cuStreamWaitEvent)},
      {"cuEventCreate", resolve(library, "cuEventCreate", d.cuEventCreate)},
      {"cuEventDestroy_v2",
       resolve(library, "cuEventDestroy_v2", d.cuEventDestroy)},
      {"cuEventSynchronize",
       resolve(library, "cuEventSynchronize", d.cuEventSynchronize)},
      {"cuEventRecord", resolve(library, "cuEventRecord", d.cuEventRecord)},
      {"cuMemAlloc_v2", resolve(library, "cuMemAlloc_v2", d.cuMemAlloc)},
      {"cuMemAllocManaged",
       resolve(library, "cuMemAllocManaged", d.cuMemAllocManaged)},
      {"cuMemFree_v2", resolve(library, "cuMemFree_v2", d.cuMemFree)},
      {"cuMemcpy", resolve(library, "cuMemcpy", d.cuMemcpy)},
      {"cuMemcpyAsync", resolve(library, "cuMemcpyAsync", d.cuMemcpyAsync)},
      {"cuMemsetD32Async",
       resolve(library, "cuMemsetD32Async", d.cuMemsetD32Async)},
      {"cuMemsetD16Async",
       resolve(library, "cuMemsetD16Async", d.cuMemsetD16Async)},
      {"cuMemHostRegister_v2",
       resolve(library, "cuMemHostRegister_v2", d.cuMemHostRegister)},
      {"cuMemHostUnregister",
       resolve(library, "cuMemHostUnregister", d.cuMemHostUnregister)},
  };
  for (const Entry &e : entries)
    if (!e.ok)
      return std::string("CUDA driver too old: libcuda.so.1 lacks ") + e.name;

  if (CUresult r = d.cuInit(0); r != kSuccess)
    return "CUDA driver present but cuInit failed: " + errorName(r);
  if (CUresult r = d.cuDeviceGetCount(&s.deviceCount); r != kSuccess)
    return "cuDeviceGetCount failed: " + errorName(r);
  if (s.deviceCount == 0)
    return "no CUDA device";
  CUdevice device;
  if (CUresult r = d.cuDeviceGet(&device, 0); r != kSuccess)
    return "cuDeviceGet failed: " + errorName(r);
  int major = 0, minor = 0;
  d.cuDeviceGetAttribute(&major, kAttrComputeMajor, device);
  d.cuDeviceGetAttribute(&minor, kAttrComputeMinor, device);
  s.computeCapability = 10 * major + minor;
  // The primary context, shared with any other CUDA user in the process.
  if (CUresult r = d.cuDevicePrimaryCtxRetain(&s.context, device);
      r != kSuccess)
    return "cuDevicePrimaryCtxRetain failed: " + errorName(r);
  return "";
}

const std::string &probe() {
  static std::once_flag once;
  State &s = state();
  std::call_once(once, [&] {
    s.probeError = loadDriver(s);
    if (!s.probeError.empty())
      s.deviceCount = 0;
  });
  return s.probeError;
}

/// Whether the driver is usable; if not, the reason is recorded (and
/// printed once: generated code has no other way to say it).
bool ready() {
  const std::string &error = probe();
  if (error.empty())
    return true;
  State &s = state();
  bool print;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    print = !s.reportedProbeError;
    s.reportedProbeError = true;
  }
  recordError(error, print);
  return false;
}

const Driver &cu() { return state().driver; }

/// Makes the primary context current for the duration of a call, as MLIR's
/// own wrappers do, so that callers need no CUDA context of their own.
class ScopedContext {
public:
  ScopedContext() {
    check(cu().cuCtxPushCurrent(state().context), "cuCtxPushCurrent");
  }
  ~ScopedContext() {
    CUcontext previous;
    check(cu().cuCtxPopCurrent(&previous), "cuCtxPopCurrent");
  }
};

CUdeviceptr devicePtr(const void *p) {
  return reinterpret_cast<CUdeviceptr>(p);
}

} // namespace

#define CALM_EXPORT extern "C" __attribute__((visibility("default")))

CALM_EXPORT const char *calmCudaProbe(void) {
  const std::string &error = probe();
  return error.empty() ? nullptr : error.c_str();
}

CALM_EXPORT int calmCudaDeviceCount(void) {
  probe();
  return state().deviceCount;
}

CALM_EXPORT int calmCudaComputeCapability(void) {
  return probe().empty() ? state().computeCapability : 0;
}

CALM_EXPORT const char *calmCudaLastError(void) {
  // Stable until this thread's next calmCudaClearError().
  return threadError.empty() ? nullptr : threadError.c_str();
}

CALM_EXPORT void calmCudaClearError(void) { threadError.clear(); }

CALM_EXPORT void calmCudaSetQuiet(int on) {
  quiet.store(on != 0, std::memory_order_relaxed);
}

CALM_EXPORT int calmCudaCopyToDevice(void *device, const void *host,
                                     size_t bytes) {
  if (!ready())
    return 1;
  ScopedContext scope;
  // A copy from pageable memory may return before the DMA lands, and the
  // kernels run on non-blocking streams that do not wait for it.
  return check(cu().cuMemcpy(devicePtr(device), devicePtr(host), bytes),
               "cuMemcpy (to device)") &&
                 check(cu().cuCtxSynchronize(), "cuCtxSynchronize")
             ? 0
             : 1;
}

CALM_EXPORT int calmCudaCopyToHost(void *host, const void *device,
                                   size_t bytes) {
  if (!ready())
    return 1;
  ScopedContext scope;
  return check(cu().cuMemcpy(devicePtr(host), devicePtr(device), bytes),
               "cuMemcpy (to host)")
             ? 0
             : 1;
}

CALM_EXPORT void *calmCudaAlloc(size_t bytes) {
  if (bytes == 0 || !ready())
    return nullptr;
  ScopedContext scope;
  CUdeviceptr ptr = 0;
  if (!check(cu().cuMemAlloc(&ptr, bytes), "cuMemAlloc"))
    return nullptr;
  // Zero-filled like the host buffers it stands for (a fresh KV cache).
  if (!check(cu().cuMemsetD32Async(ptr, 0, bytes / 4, nullptr),
             "cuMemsetD32Async") ||
      !check(cu().cuCtxSynchronize(), "cuCtxSynchronize")) {
    cu().cuMemFree(ptr);
    return nullptr;
  }
  return reinterpret_cast<void *>(ptr);
}

CALM_EXPORT void calmCudaFree(void *device) {
  if (!device || !ready())
    return;
  ScopedContext scope;
  check(cu().cuMemFree(devicePtr(device)), "cuMemFree");
}

//===----------------------------------------------------------------------===//
// The mgpu* entry points (MLIR 22 signatures).
//===----------------------------------------------------------------------===//

CALM_EXPORT void *mgpuModuleLoad(void *data, size_t /*size*/) {
  if (!ready())
    return nullptr;
  ScopedContext scope;
  CUmodule module = nullptr;
  check(cu().cuModuleLoadData(&module, data), "cuModuleLoadData");
  return module;
}

/// PTX (format=isa): the driver JIT-compiles it for the current device.
CALM_EXPORT void *mgpuModuleLoadJIT(void *data, int optLevel) {
  if (!ready())
    return nullptr;
  ScopedContext scope;
  CUmodule module = nullptr;
  char log[4096] = "";
  CUjit_option options[] = {kJitOptimizationLevel, kJitErrorLogBuffer,
                            kJitErrorLogSize};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel)),
                    log, reinterpret_cast<void *>(sizeof(log))};
  if (!check(cu().cuModuleLoadDataEx(&module, data, 3, options, values),
             "cuModuleLoadDataEx (PTX JIT)") &&
      log[0])
    std::fprintf(stderr, "calm_cuda_runtime: JIT log: %s\n", log);
  return module;
}

CALM_EXPORT void mgpuModuleUnload(void *module) {
  if (!module || !ready())
    return;
  check(cu().cuModuleUnload(static_cast<CUmodule>(module)), "cuModuleUnload");
}

CALM_EXPORT void *mgpuModuleGetFunction(void *module, const char *name) {
  if (!ready())
    return nullptr;
  if (!module) {
    recordError(std::string("kernel '") + name +
                    "' requested from a module that failed to load",
                /*print=*/true);
    return nullptr;
  }
  CUfunction function = nullptr;
  check(
      cu().cuModuleGetFunction(&function, static_cast<CUmodule>(module), name),
      "cuModuleGetFunction");
  return function;
}

CALM_EXPORT void mgpuLaunchKernel(void *function, intptr_t gridX,
                                  intptr_t gridY, intptr_t gridZ,
                                  intptr_t blockX, intptr_t blockY,
                                  intptr_t blockZ, int32_t smem, void *stream,
                                  void **params, void **extra,
                                  size_t /*paramsCount*/) {
  if (!ready() || !function)
    return;
  ScopedContext scope;
  check(cu().cuLaunchKernel(static_cast<CUfunction>(function), gridX, gridY,
                            gridZ, blockX, blockY, blockZ, smem,
                            static_cast<CUstream>(stream), params, extra),
        "cuLaunchKernel");
}

CALM_EXPORT void *mgpuStreamCreate(void) {
  if (!ready())
    return nullptr;
  ScopedContext scope;
  CUstream stream = nullptr;
  check(cu().cuStreamCreate(&stream, kStreamNonBlocking), "cuStreamCreate");
  return stream;
}

CALM_EXPORT void mgpuStreamDestroy(void *stream) {
  if (!stream || !ready())
    return;
  check(cu().cuStreamDestroy(static_cast<CUstream>(stream)), "cuStreamDestroy");
}

CALM_EXPORT void mgpuStreamSynchronize(void *stream) {
  if (!ready())
    return;
  ScopedContext scope;
  check(cu().cuStreamSynchronize(static_cast<CUstream>(stream)),
        "cuStreamSynchronize");
}

CALM_EXPORT void mgpuStreamWaitEvent(void *stream, void *event) {
  if (!ready())
    return;
  check(cu().cuStreamWaitEvent(static_cast<CUstream>(stream),
                               static_cast<CUevent>(event), 0),
        "cuStreamWaitEvent");
}

CALM_EXPORT void *mgpuEventCreate(void) {
  if (!ready())
    return nullptr;
  ScopedContext scope;
  CUevent event = nullptr;
  check(cu().cuEventCreate(&event, kEventDisableTiming), "cuEventCreate");
  return event;
}

CALM_EXPORT void mgpuEventDestroy(void *event) {
  if (!event || !ready())
    return;
  check(cu().cuEventDestroy(static_cast<CUevent>(event)), "cuEventDestroy");
}

CALM_EXPORT void mgpuEventSynchronize(void *event) {
  if (!ready())
    return;
  check(cu().cuEventSynchronize(static_cast<CUevent>(event)),
        "cuEventSynchronize");
}

CALM_EXPORT void mgpuEventRecord(void *event, void *stream) {
  if (!ready())
    return;
  check(cu().cuEventRecord(static_cast<CUevent>(event),
                           static_cast<CUstream>(stream)),
        "cuEventRecord");
}

/// gpu.alloc; `isHostShared` (gpu.alloc host_shared) gives managed memory.
CALM_EXPORT void *mgpuMemAlloc(uint64_t sizeBytes, void * /*stream*/,
                               bool isHostShared) {
  if (!ready())
    return nullptr;
  ScopedContext scope;
  CUdeviceptr ptr = 0;
  if (sizeBytes == 0)
    return nullptr;
  if (isHostShared)
    check(cu().cuMemAllocManaged(&ptr, sizeBytes, kMemAttachGlobal),
          "cuMemAllocManaged");
  else
    check(cu().cuMemAlloc(&ptr, sizeBytes), "cuMemAlloc");
  return reinterpret_cast<void *>(ptr);
}

/// gpu.dealloc is ordered on `stream` after the kernels that use the
/// buffer; cuMemFree is not stream-ordered, so wait for them first.
CALM_EXPORT void mgpuMemFree(void *ptr, void *stream) {
  if (!ptr || !ready())
    return;
  ScopedContext scope;
  if (stream)
    check(cu().cuStreamSynchronize(static_cast<CUstream>(stream)),
          "cuStreamSynchronize (before cuMemFree)");
  check(cu().cuMemFree(devicePtr(ptr)), "cuMemFree");
}

CALM_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                            void *stream) {
  if (!ready())
    return;
  ScopedContext scope;
  check(cu().cuMemcpyAsync(devicePtr(dst), devicePtr(src), sizeBytes,
                           static_cast<CUstream>(stream)),
        "cuMemcpyAsync");
}

CALM_EXPORT void mgpuMemset32(void *dst, unsigned value, size_t count,
                              void *stream) {
  if (!ready())
    return;
  ScopedContext scope;
  check(cu().cuMemsetD32Async(devicePtr(dst), value, count,
                              static_cast<CUstream>(stream)),
        "cuMemsetD32Async");
}

CALM_EXPORT void mgpuMemset16(void *dst, unsigned short value, size_t count,
                              void *stream) {
  if (!ready())
    return;
  ScopedContext scope;
  check(cu().cuMemsetD16Async(devicePtr(dst), value, count,
                              static_cast<CUstream>(stream)),
        "cuMemsetD16Async");
}

CALM_EXPORT void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes) {
  if (!ready())
    return;
  ScopedContext scope;
  check(cu().cuMemHostRegister(ptr, sizeBytes, 0), "cuMemHostRegister");
}

CALM_EXPORT void mgpuMemHostUnregister(void *ptr) {
  if (!ready())
    return;
  ScopedContext scope;
  check(cu().cuMemHostUnregister(ptr), "cuMemHostUnregister");
}

/// gpu.host_register on a ranked memref: `descriptor` points at the
/// descriptor {allocated, aligned, offset, sizes[rank], strides[rank]}.
/// Registers the dense extent from the aligned pointer plus offset.
CALM_EXPORT void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                                           int64_t elementSizeBytes) {
  auto *fields = static_cast<int64_t *>(descriptor);
  char *aligned = reinterpret_cast<char *>(fields[1]);
  int64_t offset = fields[2];
  int64_t elements = 1;
  for (int64_t i = 0; i < rank; ++i)
    elements *= fields[3 + i];
  mgpuMemHostRegister(aligned + offset * elementSizeBytes,
                      elements * elementSizeBytes);
}

CALM_EXPORT void mgpuMemHostUnregisterMemRef(int64_t /*rank*/, void *descriptor,
                                             int64_t elementSizeBytes) {
  auto *fields = static_cast<int64_t *>(descriptor);
  char *aligned = reinterpret_cast<char *>(fields[1]);
  mgpuMemHostUnregister(aligned + fields[2] * elementSizeBytes);
}

/// Only device 0 is used (the primary context is created on first use).
CALM_EXPORT void mgpuSetDefaultDevice(int32_t device) {
  if (device != 0)
    recordError("only device 0 is supported", /*print=*/true);
}
