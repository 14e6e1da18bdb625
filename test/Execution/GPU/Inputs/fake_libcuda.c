/*===- fake_libcuda.c - a CUDA driver that runs nothing -------------------===*
 *
 * Built as libcuda.so.1 and put first on LD_LIBRARY_PATH, it lets the
 * runtime's driver calls be checked on a machine without a GPU: module
 * loading (PTX must define the requested .entry, a fatbin must hold a
 * cubin section of the requested kernel), launch geometry, a current
 * context on every call that needs one, and memory that is allocated and
 * freed in pairs ("device" memory is host memory here). Launches are
 * logged (FAKE_CUDA_QUIET set: only counted), not executed; copies of 1 MB
 * or more are logged with their size, and totals printed at exit.
 * FAKE_CUDA_FAIL_ALLOC=N makes the N-th allocation (from 1) fail with
 * CUDA_ERROR_OUT_OF_MEMORY, the way a full device does.
 *
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
enum { kOk = 0, kOutOfMemory = 2, kInvalidContext = 201, kNotFound = 500 };

/* A context is current per thread; the counters and the allocation list
 * are shared by the runtime's threads (under `lock`). */
static __thread int contextDepth;
static int allocs, frees, launches, streams;
static unsigned long long toDevice, toHost;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* A function handle: the kernel's name (what launches log). */
struct Function {
  struct Function *next;
  char name[];
};

/* A loaded module: its image, whether it is PTX text or a fatbin, and the
 * function handles looked up in it (freed when it is unloaded, as the
 * driver's are). */
struct Module {
  const char *image;
  size_t size;
  int ptx;
  struct Function *functions;
};

static CUresult needContext(const char *what) {
  if (contextDepth > 0)
    return kOk;
  fprintf(stderr, "fake libcuda: %s without a current context\n", what);
  return kInvalidContext;
}

CUresult cuInit(unsigned flags) { return kOk; }
CUresult cuGetErrorName(CUresult r, const char **name) {
  *name = r == kNotFound      ? "CUDA_ERROR_NOT_FOUND"
          : r == kOutOfMemory ? "CUDA_ERROR_OUT_OF_MEMORY"
                              : "CUDA_ERROR_FAKE";
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
  const char *text = (const char *)image;
  struct Module m = {text, 0, 1, NULL};
  uint32_t magic;
  memcpy(&magic, image, 4);
  if (magic == 0xBA55ED50u) {
    /* fatbin header: magic, version (u16), header size (u16), size (u64) */
    uint16_t header;
    uint64_t size;
    memcpy(&header, text + 6, 2);
    memcpy(&size, text + 8, 8);
    m.size = header + size;
    m.ptx = 0;
  } else if (strncmp(text, "//", 2) == 0 && strstr(text, ".entry")) {
    m.size = strlen(text);
  } else {
    fprintf(stderr, "fake libcuda: module image is neither PTX nor a fatbin\n");
    return kNotFound;
  }
  struct Module *copy = malloc(sizeof m);
  *copy = m;
  *module = copy;
  return needContext("cuModuleLoadData");
}
CUresult cuModuleLoadData(void **module, const void *image) {
  return load(module, image);
}
CUresult cuModuleLoadDataEx(void **module, const void *image, unsigned n,
                            int *options, void **values) {
  return load(module, image);
}
CUresult cuModuleUnload(void *module) {
  struct Module *m = module;
  while (m->functions) {
    struct Function *next = m->functions->next;
    free(m->functions);
    m->functions = next;
  }
  free(m);
  return kOk;
}
CUresult cuModuleGetFunction(void **function, void *module, const char *name) {
  struct Module *m = module;
  char entry[256];
  /* PTX: the kernel's .entry; a cubin: its code section's name. */
  int n = m->ptx ? snprintf(entry, sizeof(entry), ".entry %s(", name)
                 : snprintf(entry, sizeof(entry), ".text.%s", name) + 1;
  if (!memmem(m->image, m->size, entry, n))
    return kNotFound;
  size_t length = strlen(name) + 1;
  struct Function *f = malloc(sizeof *f + length);
  memcpy(f->name, name, length);
  pthread_mutex_lock(&lock);
  f->next = m->functions;
  m->functions = f;
  pthread_mutex_unlock(&lock);
  *function = f->name;
  return kOk;
}
CUresult cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned smem,
                        void *stream, void **params, void **extra) {
  pthread_mutex_lock(&lock);
  ++launches;
  pthread_mutex_unlock(&lock);
  if (!getenv("FAKE_CUDA_QUIET") || !stream)
    fprintf(stderr, "fake libcuda: launch %s grid %ux%ux%u block %ux%ux%u%s\n",
            (const char *)function, gx, gy, gz, bx, by, bz,
            stream ? "" : " (null stream)");
  return needContext("cuLaunchKernel");
}
CUresult cuStreamCreate(void **stream, unsigned flags) {
  *stream = malloc(1);
  pthread_mutex_lock(&lock);
  ++streams;
  pthread_mutex_unlock(&lock);
  return needContext("cuStreamCreate");
}
CUresult cuStreamDestroy_v2(void *stream) {
  free(stream);
  pthread_mutex_lock(&lock);
  --streams;
  pthread_mutex_unlock(&lock);
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
/* Whether `p` lies in memory this driver allocated. */
struct Allocation {
  uintptr_t begin, end;
};
static struct Allocation *live;
static size_t liveCount, liveCapacity;
static void remember(uintptr_t p, size_t bytes) {
  if (liveCount == liveCapacity) {
    liveCapacity = liveCapacity ? 2 * liveCapacity : 64;
    live = realloc(live, liveCapacity * sizeof *live);
  }
  live[liveCount].begin = p;
  live[liveCount++].end = p + bytes;
}
static void forget(uintptr_t p) {
  for (size_t i = 0; i < liveCount; ++i)
    if (live[i].begin == p) {
      live[i] = live[--liveCount];
      return;
    }
  fprintf(stderr, "fake libcuda: cuMemFree of %p, which is not allocated\n",
          (void *)p);
}
static int isDevice(uintptr_t p) {
  for (size_t i = 0; i < liveCount; ++i)
    if (p >= live[i].begin && p < live[i].end)
      return 1;
  return 0;
}

CUresult cuMemAlloc_v2(unsigned long long *ptr, size_t bytes) {
  static int attempts;
  const char *failAt = getenv("FAKE_CUDA_FAIL_ALLOC");
  pthread_mutex_lock(&lock);
  int attempt = ++attempts;
  pthread_mutex_unlock(&lock);
  if (failAt && atoi(failAt) == attempt) {
    *ptr = 0;
    return kOutOfMemory;
  }
  *ptr = (uintptr_t)calloc(bytes, 1);
  pthread_mutex_lock(&lock);
  remember(*ptr, bytes);
  ++allocs;
  pthread_mutex_unlock(&lock);
  return needContext("cuMemAlloc");
}
CUresult cuMemAllocManaged(unsigned long long *ptr, size_t bytes,
                           unsigned flags) {
  return cuMemAlloc_v2(ptr, bytes);
}
CUresult cuMemFree_v2(unsigned long long ptr) {
  pthread_mutex_lock(&lock);
  forget(ptr);
  ++frees;
  pthread_mutex_unlock(&lock);
  free((void *)(uintptr_t)ptr);
  return kOk;
}
CUresult cuMemcpy(unsigned long long dst, unsigned long long src,
                  size_t bytes) {
  memcpy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, bytes);
  pthread_mutex_lock(&lock);
  int fromDevice = isDevice(src), intoDevice = isDevice(dst);
  if (intoDevice && !fromDevice)
    toDevice += bytes;
  if (fromDevice && !intoDevice)
    toHost += bytes;
  pthread_mutex_unlock(&lock);
  if (bytes >= (1u << 20) && intoDevice != fromDevice)
    fprintf(stderr, "fake libcuda: copy %zu bytes to %s\n", bytes,
            intoDevice ? "device" : "host");
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
          "left, %llu bytes to device, %llu to host\n",
          launches, allocs, frees, streams, toDevice, toHost);
}
