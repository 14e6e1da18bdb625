//===- CALMModel.cpp - a loaded, compiled CALM ready to run ---------------===//

#include "models/CALMModel.h"
#include "model/MemRefViews.h"
#include "model/ModelFunctions.h"

#include "cuda/CALMCudaRuntime.h"
#include "ukernels/NumericsForm.h"
#include "ukernels/UKernels.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

using namespace calm::runtime;

namespace {

using W = ByteBuffer;
using F2 = StridedMemRefType<float, 2>;
using F3 = StridedMemRefType<float, 3>;
using I2 = StridedMemRefType<int32_t, 2>;

float halfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else { // subnormal: normalize
      int e = -1;
      do {
        ++e;
        man <<= 1;
      } while (!(man & 0x400));
      bits = sign | ((127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// Drops the mapped checkpoint pages of a tensor once it is packed: they
/// would otherwise stay resident beside the f32 copy (the mapping is
/// read-only and file-backed, so a later read would simply fault them in).
void releasePages(const TensorView &t) {
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  uintptr_t begin =
      (reinterpret_cast<uintptr_t>(t.data) + page - 1) & ~(page - 1);
  uintptr_t end = (reinterpret_cast<uintptr_t>(t.data) + t.bytes) & ~(page - 1);
  if (end > begin)
    madvise(reinterpret_cast<void *>(begin), end - begin, MADV_DONTNEED);
}

/// A compiled call's array arguments where its code runs: on the CPU the
/// host arrays themselves; on the GPU device copies, the inputs uploaded
/// as they are added and the outputs downloaded by finish(). When an
/// allocation or a copy fails, ok() is false: the caller skips the call and
/// the CUDA error surfaces from CALMModel::deviceStatus().
class CallArgs {
public:
  explicit CallArgs(bool gpu) : gpu(gpu) {}
  CallArgs(const CallArgs &) = delete;
  CallArgs &operator=(const CallArgs &) = delete;
  ~CallArgs() { finish(); }
  template <typename T> T *in(llvm::ArrayRef<T> host) {
    if (!gpu)
      return const_cast<T *>(host.data());
    T *device = allocate<T>(host.size());
    if (device &&
        calmCudaCopyToDevice(device, host.data(), host.size() * sizeof(T)))
      failed = true;
    return device;
  }
  template <typename T> T *out(llvm::MutableArrayRef<T> host) {
    if (!gpu)
      return host.data();
    T *device = allocate<T>(host.size());
    if (device)
      results.push_back({host.data(), device, host.size() * sizeof(T)});
    return device;
  }
  bool ok() const { return !failed; }
  /// Downloads the outputs (once) and frees the device copies.
  void finish() {
    for (const Result &r : results)
      if (!failed && calmCudaCopyToHost(r.host, r.device, r.bytes))
        failed = true;
    results.clear();
    buffers.clear();
  }

private:
  template <typename T> T *allocate(size_t count) {
    if (count == 0)
      return nullptr;
    buffers.emplace_back(count * sizeof(T));
    if (!buffers.back().data())
      failed = true;
    return reinterpret_cast<T *>(buffers.back().data());
  }
  struct Result {
    void *host;
    const void *device;
    size_t bytes;
  };
  bool gpu, failed = false;
  std::vector<DeviceBuffer> buffers;
  std::vector<Result> results;
};

} // namespace

DeviceBuffer::DeviceBuffer(uint64_t size) {
  bytes = static_cast<uint8_t *>(calmCudaAlloc(size));
  length = bytes ? size : 0;
}

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  if (this != &other) {
    release();
    bytes = other.bytes;
    length = other.length;
    other.bytes = nullptr;
    other.length = 0;
  }
  return *this;
}

void DeviceBuffer::release() {
  if (bytes)
    calmCudaFree(bytes);
  bytes = nullptr;
  length = 0;
}

llvm::Error calm::runtime::copyToF32(const TensorView &t, llvm::StringRef path,
                                     float *out) {
  int64_t n = t.numElements();
  switch (t.dtype) {
  case DType::F32:
    std::memcpy(out, t.data, n * 4);
    break;
  case DType::BF16:
    for (int64_t i = 0; i < n; ++i) {
      uint32_t bits =
          static_cast<uint32_t>(t.data[2 * i] | (t.data[2 * i + 1] << 8)) << 16;
      std::memcpy(&out[i], &bits, 4);
    }
    break;
  case DType::F16:
    for (int64_t i = 0; i < n; ++i)
      out[i] = halfToFloat(
          static_cast<uint16_t>(t.data[2 * i] | (t.data[2 * i + 1] << 8)));
    break;
  default:
    return fileError(path, llvm::formatv("tensor '{0}' has dtype {1}; weights "
                                         "must be F32, F16 or BF16",
                                         t.name, getDTypeName(t.dtype)));
  }
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(out[i]))
      return fileError(
          path, llvm::formatv("tensor '{0}' holds {1} at element "
                              "{2}: refusing to run on it",
                              t.name, std::isnan(out[i]) ? "NaN" : "inf", i));
  return llvm::Error::success();
}

WeightBuffer::WeightBuffer(uint64_t size) : length(size) {
  if (size == 0)
    return;
  void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    length = 0;
    return;
  }
  bytes = static_cast<uint8_t *>(p);
  // Transparent huge pages where the kernel allows them on request: a decode
  // step streams every weight, and 4 KB pages cost a TLB miss per page.
  madvise(p, size, MADV_HUGEPAGE);
}

WeightBuffer &WeightBuffer::operator=(WeightBuffer &&other) noexcept {
  if (this != &other) {
    this->~WeightBuffer();
    bytes = other.bytes;
    length = other.length;
    perCallScales = other.perCallScales;
    other.bytes = nullptr;
    other.length = 0;
    other.perCallScales = false;
  }
  return *this;
}

WeightBuffer::~WeightBuffer() {
  if (bytes)
    munmap(bytes, length);
  bytes = nullptr;
}

llvm::Error calm::runtime::packWeights(
    const FlatLayout &layout, llvm::StringRef manifest,
    llvm::function_ref<const TensorView *(llvm::StringRef)> find,
    llvm::StringRef path, WeightBuffer &out) {
  auto allocate = [&](uint64_t size) -> llvm::Error {
    out = WeightBuffer(size);
    if (size && !out.data())
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("cannot allocate {0} MB for the weights of {1}",
                        size >> 20, path));
    return llvm::Error::success();
  };
  const llvm::json::Object *buffer = nullptr;
  llvm::json::Value parsed(nullptr);
  if (!manifest.empty()) {
    auto value = llvm::json::parse(manifest);
    if (!value)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "the compiled model's weight manifest is not JSON: " +
              llvm::toString(value.takeError()));
    parsed = std::move(*value);
    if (const llvm::json::Object *root = parsed.getAsObject())
      if (const llvm::json::Object *all = root->getObject("buffers"))
        buffer = all->getObject(layout.getBufferName());
  }
  if (!buffer) {
    if (llvm::Error e = allocate(4 * uint64_t(layout.size())))
      return e;
    float *f = reinterpret_cast<float *>(out.data());
    for (const FlatLayout::Entry &e : layout.getEntries()) {
      const TensorView *t = find(e.name);
      if (!t)
        return fileError(path, "missing tensor '" + e.name + "'");
      if (llvm::Error err = copyToF32(*t, path, f + e.offset))
        return err;
      releasePages(*t);
    }
    return llvm::Error::success();
  }
  auto bad = [&](const llvm::Twine &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the compiled model's weight manifest " +
                                       why);
  };
  std::optional<int64_t> total = buffer->getInteger("bytes");
  const llvm::json::Array *tensors = buffer->getArray("tensors");
  if (!total || *total < 0 || !tensors)
    return bad("has no byte size or tensor list for '" +
               layout.getBufferName() + "'");
  if (llvm::Error e = allocate(*total))
    return e;
  std::vector<float> scratch;
  for (const llvm::json::Value &v : *tensors) {
    const llvm::json::Object *o = v.getAsObject();
    std::optional<llvm::StringRef> name =
        o ? o->getString("name") : std::nullopt;
    std::optional<llvm::StringRef> storage =
        o ? o->getString("storage") : std::nullopt;
    std::optional<int64_t> offset = o ? o->getInteger("offset") : std::nullopt;
    std::optional<int64_t> size = o ? o->getInteger("bytes") : std::nullopt;
    if (!name || !storage || !offset || !size || *offset < 0 || *size < 0 ||
        *offset + *size > *total)
      return bad("has a malformed entry");
    const TensorView *t = find(*name);
    const FlatLayout::Entry *spec = layout.find(*name);
    if (!t || !spec)
      return fileError(path, "missing tensor '" + name->str() + "'");
    int64_t count = spec->numElements();
    if (*storage == "f32") {
      if (*size < 4 * count)
        return bad("gives '" + name->str() + "' too few bytes");
      if (llvm::Error err = copyToF32(
              *t, path, reinterpret_cast<float *>(out.data() + *offset)))
        return err;
    } else {
      ukernels::Form form;
      std::string error;
      if (!storage->consume_front("packed:") ||
          !ukernels::parseForm(*storage, form, error) ||
          spec->shape.size() != 2)
        return bad("names an unknown storage '" + storage->str() + "'");
      int64_t rows = spec->shape[0], cols = spec->shape[1];
      if (ukernels::getPackedLayout(form, rows, cols).totalBytes > *size)
        return bad("gives '" + name->str() + "' too few bytes");
      scratch.resize(count);
      if (llvm::Error err = copyToF32(*t, path, scratch.data()))
        return err;
      ukernels::pack(form, scratch.data(), rows, cols, out.data() + *offset);
      if (form.scaled() && !form.channel)
        out.setPerCallScales();
    }
    releasePages(*t);
  }
  return llvm::Error::success();
}

CALMModel::~CALMModel() = default;

uint64_t CALMModel::weightBytes() const {
  if (gpu)
    return calmDevice.size() + aeDevice.size();
  return calmWeights.size() + aeWeights.size();
}
uint64_t CALMModel::cacheBytes() const {
  if (gpu)
    return cache.deviceK.size() + cache.deviceV.size();
  return 4 * (cache.k.size() + cache.v.size());
}

void CALMModel::clearDeviceError() const {
  if (gpu)
    calmCudaClearError();
}

llvm::Error CALMModel::deviceStatus() const {
  if (!gpu)
    return llvm::Error::success();
  if (const char *error = calmCudaLastError())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   llvm::Twine("CUDA: ") + error);
  return llvm::Error::success();
}

/// Device memory of `bytes`, or a one-line error naming what it was for.
static llvm::Expected<DeviceBuffer> allocateOnGPU(uint64_t bytes,
                                                  llvm::StringRef what) {
  DeviceBuffer buffer(bytes);
  if (bytes && !buffer.data()) {
    const char *why = calmCudaLastError();
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("cannot allocate {0} MB of GPU memory for {1}: {2}",
                      bytes >> 20, what, why ? why : "unknown error"));
  }
  return std::move(buffer);
}

/// Moves packed weights to the GPU (the host copy is freed).
static llvm::Expected<DeviceBuffer> uploadWeights(WeightBuffer &host,
                                                  llvm::StringRef what) {
  auto device = allocateOnGPU(host.size(), what);
  if (!device)
    return device.takeError();
  if (host.size() &&
      calmCudaCopyToDevice(device->data(), host.data(), host.size())) {
    const char *why = calmCudaLastError();
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("cannot copy {0} to the GPU: {1}", what,
                      why ? why : "unknown error"));
  }
  host = WeightBuffer();
  return device;
}

static double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

llvm::Expected<std::unique_ptr<CALMModel>>
CALMModel::load(llvm::StringRef dir, const ModelOptions &options,
                CALMCodeSource source) {
  auto start = std::chrono::steady_clock::now();
  std::unique_ptr<CALMModel> m(new CALMModel());
  auto checkpoint = openCALMCheckpoint(dir, options.aeDir);
  if (!checkpoint)
    return checkpoint.takeError();
  m->checkpoint = std::move(*checkpoint);
  const CALMCheckpoint &ck = *m->checkpoint;
  m->build = options.build;
  if (llvm::Error e = checkBuildable(ck.config, ck.aeConfig, m->build))
    return fileError(ck.dir + "/config.json", llvm::toString(std::move(e)));
  // The KV cache is the one allocation the checkpoint does not bound: refuse
  // a context beyond the model's positions or this machine's memory rather
  // than abort in the allocator.
  const CALMConfig &c = ck.config;
  if (m->build.maxChunks > c.maxPositionEmbeddings)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("--max-chunks {0} exceeds the model's context of {1} "
                      "chunks (max_position_embeddings in {2}/config.json)",
                      m->build.maxChunks, c.maxPositionEmbeddings, ck.dir));
  uint64_t cache; // f32 elements of each of K and V
  bool overflow =
      __builtin_mul_overflow(uint64_t(c.numHiddenLayers), uint64_t(c.kvWidth()),
                             &cache) ||
      __builtin_mul_overflow(cache, uint64_t(m->build.maxChunks), &cache);
  uint64_t memory =
      uint64_t(sysconf(_SC_PHYS_PAGES)) * uint64_t(sysconf(_SC_PAGESIZE));
  if (overflow || cache > memory / 8)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("the KV cache of --max-chunks {0} needs {1}, more "
                      "than this machine's {2} MB of memory",
                      m->build.maxChunks,
                      overflow ? std::string("more than 2^64 bytes")
                               : std::to_string(cache >> 17) + " MB",
                      memory >> 20));

  // Loading is a unit of GPU work of its own (the code's kernel modules
  // load on this thread): earlier failures on it are not this model's.
  calmCudaSetQuiet(1);
  calmCudaClearError();
  auto codeStart = std::chrono::steady_clock::now();
  auto compiled = source(ck.config, ck.aeConfig, m->build);
  m->loadTimes.code = secondsSince(codeStart);
  if (!compiled)
    return compiled.takeError();
  m->compiled = std::move(*compiled);
  m->gpu = m->compiled->getManifest().device == "cuda";
  if (m->gpu) {
    if (const char *why = calmCudaProbe())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     llvm::Twine("--device cuda: ") + why);
    auto k = allocateOnGPU(4 * cache, "the KV cache");
    if (!k)
      return k.takeError();
    auto v = allocateOnGPU(4 * cache, "the KV cache");
    if (!v)
      return v.takeError();
    m->cache.deviceK = std::move(*k);
    m->cache.deviceV = std::move(*v);
  } else {
    m->cache.k.assign(cache, 0.0f);
    m->cache.v.assign(cache, 0.0f);
  }
  // In the order of getCALMFunctions().
  void **slots[] = {&m->fnCompress, &m->fnStep,   &m->fnPrefill, &m->fnHead,
                    &m->fnHeadRows, &m->fnEncode, &m->fnDecode};
  for (auto [signature, slot] : llvm::zip_equal(getCALMFunctions(), slots)) {
    auto fn = m->compiled->lookup(signature.name);
    if (!fn)
      return fn.takeError();
    *slot = *fn;
  }
  // Pack the weights into the layouts the compiled module reads (its
  // manifest says where each tensor goes and in which form).
  auto weightsStart = std::chrono::steady_clock::now();
  std::string manifest = m->compiled->weightManifest();
  FlatLayout calmLayout = getCALMFlatLayout(ck.config);
  FlatLayout aeLayout = getAEFlatLayout(ck.aeConfig);
  if (llvm::Error e = packWeights(
          calmLayout, manifest,
          [&](llvm::StringRef n) { return ck.calmTensor(n); },
          ck.weights.getPath(), m->calmWeights))
    return std::move(e);
  // Embedded autoencoder weights (ae_model.*) live in the CALM's own file,
  // and an error about one must name that file. A tied output matrix reads
  // the embedding's pages again: they fault back in from the file.
  if (llvm::Error e = packWeights(
          aeLayout, manifest, [&](llvm::StringRef n) { return ck.aeTensor(n); },
          ck.aeWeights.getPath().empty() ? ck.weights.getPath()
                                         : ck.aeWeights.getPath(),
          m->aeWeights))
    return std::move(e);
  if (m->gpu) {
    auto calmDevice = uploadWeights(m->calmWeights, "the CALM's weights");
    if (!calmDevice)
      return calmDevice.takeError();
    m->calmDevice = std::move(*calmDevice);
    auto aeDevice = uploadWeights(m->aeWeights, "the autoencoder's weights");
    if (!aeDevice)
      return aeDevice.takeError();
    m->aeDevice = std::move(*aeDevice);
    // The kernel modules loaded when the code did (its constructors): a
    // GPU the fatbin has no code for fails there.
    if (llvm::Error e = m->deviceStatus())
      return std::move(e);
  }
  m->loadTimes.total = secondsSince(start);
  m->loadTimes.weights = secondsSince(weightsStart);
  return std::move(m);
}

void CALMModel::inputCompress(llvm::ArrayRef<int32_t> ids,
                              llvm::MutableArrayRef<float> out) {
  const CALMConfig &c = getConfig();
  int64_t n = ids.size() / c.patchSize;
  W w = calmWeightsArg();
  CallArgs args(gpu);
  I2 in = view<int32_t, 2>(args.in(ids), {n, c.patchSize});
  F2 o = view<float, 2>(args.out(out), {n, c.hiddenSize});
  if (args.ok())
    reinterpret_cast<void (*)(W *, I2 *, F2 *)>(fnCompress)(&w, &in, &o);
}

CALMCache CALMModel::newCache() const {
  CALMCache c;
  if (gpu) {
    // A failed allocation leaves the cache empty; prefill refuses it.
    c.deviceK = DeviceBuffer(cache.deviceK.size());
    c.deviceV = DeviceBuffer(cache.deviceV.size());
    return c;
  }
  c.k.assign(cache.k.size(), 0.0f);
  c.v.assign(cache.v.size(), 0.0f);
  return c;
}

llvm::Error CALMModel::prefill(CALMCache &kv, llvm::ArrayRef<int32_t> chunks,
                               llvm::MutableArrayRef<float> hidden) {
  const CALMConfig &c = getConfig();
  int64_t m = static_cast<int64_t>(chunks.size()) / c.patchSize;
  assert(m * c.patchSize == static_cast<int64_t>(chunks.size()) &&
         static_cast<int64_t>(hidden.size()) == m * c.hiddenSize);
  if (m == 0)
    return llvm::Error::success();
  if (kv.position + m > build.maxChunks)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("context is full: the KV cache holds {0} chunks ({1} "
                      "tokens)",
                      build.maxChunks, build.maxChunks * c.patchSize));
  for (int32_t id : chunks)
    if (id < 0 || id >= c.vocabSize)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("token id {0} is outside the vocabulary [0, {1})", id,
                        c.vocabSize));
  if (gpu && (!kv.deviceK.data() || !kv.deviceV.data()))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "this sequence has no KV cache: its GPU allocation failed");
  if (llvm::Error e = deviceStatus())
    return e;
  W w = calmWeightsArg();
  CallArgs args(gpu);
  I2 in = view<int32_t, 2>(args.in(chunks), {m, c.patchSize});
  W kc = gpu ? bytes(kv.deviceK) : bytes(kv.k);
  W vc = gpu ? bytes(kv.deviceV) : bytes(kv.v);
  F2 o = view<float, 2>(args.out(hidden), {m, c.hiddenSize});
  // One chunk takes the decode step's static-shape function.
  if (args.ok())
    reinterpret_cast<void (*)(W *, I2 *, int64_t, W *, W *, F2 *)>(
        m == 1 ? fnStep : fnPrefill)(&w, &in, kv.position, &kc, &vc, &o);
  args.finish();
  if (llvm::Error e = deviceStatus())
    return e;
  kv.position += m;
  return llvm::Error::success();
}

llvm::Error CALMModel::step(CALMCache &kv, llvm::ArrayRef<int32_t> chunk,
                            llvm::MutableArrayRef<float> hidden) {
  assert(static_cast<int64_t>(chunk.size()) == getConfig().patchSize);
  return prefill(kv, chunk, hidden);
}

/// Calls that are worth splitting over the threads: below this many rows
/// waking a worker costs more than the rows.
static constexpr int64_t kMinSplitRows = 16;

void CALMModel::callHead(void *fn, llvm::ArrayRef<float> hidden, int64_t n,
                         int64_t s, llvm::ArrayRef<float> noise,
                         llvm::MutableArrayRef<float> latents) {
  const CALMConfig &c = getConfig();
  auto call = [&](int64_t row, int64_t rows, int64_t draw, int64_t draws) {
    W w = calmWeightsArg();
    CallArgs args(gpu);
    F2 h = view<float, 2>(
        args.in(hidden.slice(row * c.hiddenSize, rows * c.hiddenSize)),
        {rows, c.hiddenSize});
    F3 nz = view<float, 3>(args.in(noise.slice((row * s + draw) * c.noiseSize,
                                               rows * draws * c.noiseSize)),
                           {rows, draws, c.noiseSize});
    F3 o =
        view<float, 3>(args.out(latents.slice((row * s + draw) * c.latentSize,
                                              rows * draws * c.latentSize)),
                       {rows, draws, c.latentSize});
    if (args.ok())
      reinterpret_cast<void (*)(W *, F2 *, F3 *, F3 *)>(fn)(&w, &h, &nz, &o);
  };
  // Every row (or, for one hidden state, every draw) is computed on its own
  // by the head, so ranges of them run on the threads at once, the compiled
  // code's norms and activations included; each range's layers then run
  // on its thread alone. Not where an activation scale spans the call, nor
  // on the GPU (one launch sequence for all rows).
  int64_t count = n > 1 ? n : s;
  if (gpu || count < kMinSplitRows || calmWeights.hasPerCallScales() ||
      ukernels::getThreads() < 2)
    return call(0, n, 0, s);
  ukernels::parallelFor(count, [&](int64_t begin, int64_t end) {
    if (n > 1)
      call(begin, end - begin, 0, s);
    else
      call(0, 1, begin, end - begin);
  });
}

void CALMModel::head(llvm::ArrayRef<float> hidden, llvm::ArrayRef<float> noise,
                     llvm::MutableArrayRef<float> latents) {
  callHead(fnHead, hidden, 1, noise.size() / getConfig().noiseSize, noise,
           latents);
}

void CALMModel::headRows(llvm::ArrayRef<float> hidden,
                         llvm::ArrayRef<float> noise,
                         llvm::MutableArrayRef<float> latents) {
  callHead(fnHeadRows, hidden, hidden.size() / getConfig().hiddenSize, 1, noise,
           latents);
}

void CALMModel::aeDecode(llvm::ArrayRef<float> latents,
                         llvm::MutableArrayRef<float> logits) {
  const AutoencoderConfig &a = getAEConfig();
  int64_t n = latents.size() / a.latentSize;
  W w = aeWeightsArg();
  CallArgs args(gpu);
  F2 z = view<float, 2>(args.in(latents), {n, a.latentSize});
  F3 o = view<float, 3>(args.out(logits), {n, a.patchSize, a.vocabSize});
  if (args.ok())
    reinterpret_cast<void (*)(W *, F2 *, F3 *)>(fnDecode)(&w, &z, &o);
}

std::vector<int32_t> CALMModel::decodeTokens(llvm::ArrayRef<float> latents) {
  const AutoencoderConfig &a = getAEConfig();
  int64_t n = latents.size() / a.latentSize, v = a.vocabSize;
  // Slices of ~128 MB of logits: rows enough for the GEMM microkernels to
  // run at speed (at V = 128256, 64 latents = 256 rows), without holding
  // [N, K, V] (a 200-draw pool would be 400 MB).
  int64_t slice = std::max<int64_t>(
      1, std::min<int64_t>(n, (int64_t(32) << 20) / (a.patchSize * v)));
  std::vector<float> logits;
  {
    std::lock_guard<std::mutex> guard(scratchLock);
    if (!freeScratch.empty()) {
      logits = std::move(freeScratch.back());
      freeScratch.pop_back();
    }
  }
  logits.resize(slice * a.patchSize * v);
  std::vector<int32_t> tokens(n * a.patchSize);
  for (int64_t first = 0; first < n; first += slice) {
    int64_t count = std::min(slice, n - first);
    // Each latent decodes on its own: ranges of them run on the threads at
    // once, decoder and argmax (the same tokens for any thread count), except
    // where an activation scale spans the call.
    auto decode = [&](int64_t begin, int64_t end) {
      aeDecode(latents.slice((first + begin) * a.latentSize,
                             (end - begin) * a.latentSize),
               llvm::MutableArrayRef<float>(logits).slice(
                   begin * a.patchSize * v, (end - begin) * a.patchSize * v));
    };
    auto pick = [&](int64_t begin, int64_t end) {
      for (int64_t i = begin * a.patchSize; i < end * a.patchSize; ++i)
        tokens[first * a.patchSize + i] = ukernels::argmax(&logits[i * v], v);
    };
    if (gpu || count < kMinSplitRows || aeWeights.hasPerCallScales()) {
      decode(0, count);
      // Rows split over the threads (each row's maximum found by one).
      calm::ukernels::parallelFor(count, pick);
    } else {
      calm::ukernels::parallelFor(count, [&](int64_t begin, int64_t end) {
        decode(begin, end);
        pick(begin, end);
      });
    }
  }
  std::lock_guard<std::mutex> guard(scratchLock);
  freeScratch.push_back(std::move(logits));
  return tokens;
}

void CALMModel::aeEncode(llvm::ArrayRef<int32_t> ids,
                         llvm::MutableArrayRef<float> mean,
                         llvm::MutableArrayRef<float> logStd) {
  const AutoencoderConfig &a = getAEConfig();
  int64_t n = ids.size() / a.patchSize;
  W w = aeWeightsArg();
  CallArgs args(gpu);
  I2 in = view<int32_t, 2>(args.in(ids), {n, a.patchSize});
  F2 m = view<float, 2>(args.out(mean), {n, a.latentSize});
  F2 l = view<float, 2>(args.out(logStd), {n, a.latentSize});
  if (args.ok())
    reinterpret_cast<void (*)(W *, I2 *, F2 *, F2 *)>(fnEncode)(&w, &in, &m,
                                                                &l);
}
