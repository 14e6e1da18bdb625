//===- CALMCudaRuntime.h - CUDA driver loaded at run time -------*- C++ -*-===//
//
// libcalm_cuda_runtime provides the mgpu* entry points that MLIR's
// gpu-to-llvm lowering calls (module load, function lookup, launch,
// streams, events, alloc/free/memcpy/memset) on the CUDA driver API, which it
// loads with dlopen("libcuda.so.1") on first use. Nothing links libcuda, so
// the library loads, and code compiled by calm-gpu-pipeline links, on
// machines without a driver; there, the probe below returns a one-line
// error and the mgpu* calls do nothing.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_CUDA_CALMCUDARUNTIME_H
#define CALM_RUNTIME_CUDA_CALMCUDARUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Loads the driver, initializes it and checks that there is a device.
/// Returns null when CUDA is usable, otherwise a one-line reason, e.g.
/// "no CUDA driver (libcuda.so.1 not found)". Idempotent and thread-safe.
const char *calmCudaProbe(void);

/// Number of CUDA devices; 0 when calmCudaProbe() fails.
int calmCudaDeviceCount(void);

/// Compute capability of the default device as 10 * major + minor (90 for
/// sm_90); 0 when calmCudaProbe() fails.
int calmCudaComputeCapability(void);

/// The first error an mgpu* call on this thread ran into since this
/// thread's last calmCudaClearError(), or null. The mgpu* entry points
/// return nothing the generated code checks, so callers ask here after
/// running a kernel. Per thread, so that concurrent sessions (and models)
/// do not see each other's failures.
const char *calmCudaLastError(void);
void calmCudaClearError(void);

/// Failures are also printed to stderr ("calm_cuda_runtime: ..."), once for
/// a missing driver, for programs that never ask calmCudaLastError(); the
/// runtime, which asks and reports them in its own one-line errors, turns
/// that off before any kernel module loads.
void calmCudaSetQuiet(int on);

/// Synchronous host <-> device copies for callers outside generated code
/// (uploading weights, reading results). Return 0 on success.
int calmCudaCopyToDevice(void *device, const void *host, size_t bytes);
int calmCudaCopyToHost(void *host, const void *device, size_t bytes);

/// Device memory for callers outside generated code (weights, KV caches,
/// call arguments): zero-filled, 256-byte aligned; null (and the reason in
/// calmCudaLastError) when CUDA is unusable or the device is out of memory.
void *calmCudaAlloc(size_t bytes);
void calmCudaFree(void *device);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // CALM_RUNTIME_CUDA_CALMCUDARUNTIME_H
