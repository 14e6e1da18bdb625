/*===- fake_libcuda.c - a CUDA driver that runs nothing -------------------===*
 *
 * Built as libcuda.so.1 and put first on LD_LIBRARY_PATH, it lets the
 * runtime's driver calls be checked on a machine without a GPU: module
 * loading (the PTX must define the requested .entry), launch geometry, a
 * current context on every call that needs one, and memory that is
 * allocated and freed in pairs ("device" memory is host memory here).
 * Launches are logged, not executed.
 *
 *===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
enum { kOk = 0, kInvalidContext = 201, kNotFound = 500 };

static int contextDepth, allocs, frees, launches, streams;

static CUresult needContext(const char *what) {
  if (contextDepth > 0)
    return kOk;
  fprintf(stderr, "fake libcuda: %s without a current context\n", what);
  return kInvalidContext;
}

CUresult cuInit(unsigned flags) { return kOk; }
CUresult cuGetErrorName(CUresult r, const char **name) {
  *name = r == kNotFound ? "CUDA_ERROR_NOT_FOUND" : "CUDA_ERROR_FAKE";
  return kOk;
}
CUresult cuDeviceGetCount(int *n) {
  *n = 1;
  return kOk;
}
CUresult cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return kOk;
}
CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
  *value = attribute == 75 ? 9 : 0; /* sm_90 */
  return kOk;
}
CUresult cuDevicePrimaryCtxRetain(void **context, int device) {
  static int primary;
  *context = &primary;
  return kOk;
}
CUresult cuCtxPushCurrent_v2(void *context) {
  ++contextDepth;
  return kOk;
}
CUresult cuCtxPopCurrent_v2(void **context) {
  --contextDepth;
  return kOk;
}
CUresult cuCtxSynchronize(void) { return needContext("cuCtxSynchronize"); }

static CUresult load(void **module, const void *image) {
  if (strncmp((const char *)image, "//", 2) != 0 ||
      !strstr((const char *)image, ".entry")) {
    fprintf(stderr, "fake libcuda: module image is not PTX\n");
    return kNotFound;
  }
  *module = (void *)image;
  return needContext("cuModuleLoadData");
}
CUresult cuModuleLoadData(void **module, const void *image) {
  return load(module, image);
}
CUresult cuModuleLoadDataEx(void **module, const void *image, unsigned n,
                            int *options, void **values) {
  return load(module, image);
}
CUresult cuModuleUnload(void *module) { return kOk; }
CUresult cuModuleGetFunction(void **function, void *module, const char *name) {
  char entry[256];
  snprintf(entry, sizeof(entry), ".entry %s(", name);
  if (!strstr((const char *)module, entry))
    return kNotFound;
  *function = strdup(name);
  return kOk;
}
CUresult cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned smem,
                        void *stream, void **params, void **extra) {
  ++launches;
  fprintf(stderr, "fake libcuda: launch %s grid %ux%ux%u block %ux%ux%u%s\n",
          (const char *)function, gx, gy, gz, bx, by, bz,
          stream ? "" : " (null stream)");
  return needContext("cuLaunchKernel");
}
CUresult cuStreamCreate(void **stream, unsigned flags) {
  *stream = malloc(1);
  ++streams;
  return needContext("cuStreamCreate");
}
CUresult cuStreamDestroy_v2(void *stream) {
  free(stream);
  --streams;
  return kOk;
}
CUresult cuStreamSynchronize(void *stream) { return kOk; }
CUresult cuStreamWaitEvent(void *stream, void *event, unsigned flags) {
  return kOk;
}
CUresult cuEventCreate(void **event, unsigned flags) {
  *event = malloc(1);
  return kOk;
}
CUresult cuEventDestroy_v2(void *event) {
  free(event);
  return kOk;
}
CUresult cuEventSynchronize(void *event) { return kOk; }
CUresult cuEventRecord(void *event, void *stream) { return kOk; }
CUresult cuMemAlloc_v2(unsigned long long *ptr, size_t bytes) {
  *ptr = (uintptr_t)calloc(bytes, 1);
  ++allocs;
  return needContext("cuMemAlloc");
}
CUresult cuMemAllocManaged(unsigned long long *ptr, size_t bytes,
                           unsigned flags) {
  return cuMemAlloc_v2(ptr, bytes);
}
CUresult cuMemFree_v2(unsigned long long ptr) {
  free((void *)(uintptr_t)ptr);
  ++frees;
  return kOk;
}
CUresult cuMemcpy(unsigned long long dst, unsigned long long src,
                  size_t bytes) {
  memcpy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, bytes);
  return needContext("cuMemcpy");
}
CUresult cuMemcpyAsync(unsigned long long dst, unsigned long long src,
                       size_t bytes, void *stream) {
  return cuMemcpy(dst, src, bytes);
}
CUresult cuMemsetD32Async(unsigned long long dst, unsigned value, size_t n,
                          void *stream) {
  for (size_t i = 0; i < n; ++i)
    ((unsigned *)(uintptr_t)dst)[i] = value;
  return kOk;
}
CUresult cuMemsetD16Async(unsigned long long dst, unsigned short value,
                          size_t n, void *stream) {
  for (size_t i = 0; i < n; ++i)
    ((unsigned short *)(uintptr_t)dst)[i] = value;
  return kOk;
}
CUresult cuMemHostRegister_v2(void *ptr, size_t bytes, unsigned flags) {
  return kOk;
}
CUresult cuMemHostUnregister(void *ptr) { return kOk; }

/* The totals, when the library is unloaded at exit. */
__attribute__((destructor)) static void report(void) {
  fprintf(stderr,
          "fake libcuda: %d launches, %d allocations, %d frees, %d streams "
          "left\n",
          launches, allocs, frees, streams);
}
