//===- LlamaModel.cpp - a loaded, compiled token-level Llama --------------===//

#include "models/LlamaModel.h"
#include "model/MemRefViews.h"
#include "model/ModelFunctions.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <chrono>

using namespace calm::runtime;

LlamaModel::~LlamaModel() = default;

static double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

llvm::Expected<std::unique_ptr<LlamaModel>>
LlamaModel::load(llvm::StringRef dir, const ModelOptions &options,
                 LlamaCodeSource source) {
  auto start = std::chrono::steady_clock::now();
  std::unique_ptr<LlamaModel> m(new LlamaModel());
  llvm::SmallString<128> configPath(dir);
  llvm::sys::path::append(configPath, "config.json");
  auto config = readLlamaConfig(configPath);
  if (!config)
    return config.takeError();
  m->config = *config;
  if (options.build.maxChunks < 1)
    return fileError(configPath, "the KV cache needs room for one token");
  auto weights = WeightSet::open(dir);
  if (!weights)
    return weights.takeError();
  m->checkpoint = std::move(*weights);
  const WeightSet &w = m->checkpoint;
  // The layout lists every layer's tensors: check the layer count against
  // the tensors the file holds before building it (a config may claim 2^31).
  int64_t needed = 9 * m->config.numHiddenLayers + 2;
  if (needed > int64_t(w.all().size()))
    return fileError(configPath,
                     llvm::formatv("{0} layers need at least {1} tensors, {2} "
                                   "has {3}",
                                   m->config.numHiddenLayers, needed,
                                   w.getPath(), w.all().size()));
  // A tied checkpoint may still carry lm_head.weight (some exporters save
  // both); it is ignored then.
  if (llvm::Error e = checkLayout(
          w.getPath(), [&](llvm::StringRef n) { return w.find(n); }, w.all(),
          getLlamaLayout(m->config), {}, {"lm_head.weight"}))
    return std::move(e);

  // The KV cache is the one allocation the checkpoint does not bound.
  m->capacity = options.build.maxChunks;
  if (m->capacity > m->config.maxPositionEmbeddings)
    return fileError(configPath,
                     llvm::formatv("a context of {0} tokens exceeds the "
                                   "model's max_position_embeddings {1}",
                                   m->capacity,
                                   m->config.maxPositionEmbeddings));
  uint64_t cache; // f32 elements of each of K and V
  if (__builtin_mul_overflow(uint64_t(m->config.numHiddenLayers),
                             uint64_t(m->config.kvWidth()), &cache) ||
      __builtin_mul_overflow(cache, uint64_t(m->capacity), &cache) ||
      cache > (uint64_t(1) << 40))
    return fileError(configPath, "the KV cache would not fit in memory");
  m->cache.k.assign(cache, 0.0f);
  m->cache.v.assign(cache, 0.0f);
  auto codeStart = std::chrono::steady_clock::now();
  auto compiled = source(m->config, options.build);
  m->loadTimes.code = secondsSince(codeStart);
  if (!compiled)
    return compiled.takeError();
  m->compiled = std::move(*compiled);
  if (m->compiled->getManifest().device != "cpu")
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "--device cuda runs CALMs; this token model runs on the CPU only");
  // In the order of getLlamaFunctions().
  void **slots[] = {&m->fnStep, &m->fnPrefill, &m->fnPrefillLast};
  for (auto [signature, slot] : llvm::zip_equal(getLlamaFunctions(), slots)) {
    auto fn = m->compiled->lookup(signature.name);
    if (!fn)
      return fn.takeError();
    *slot = *fn;
  }
  auto weightsStart = std::chrono::steady_clock::now();
  FlatLayout layout = getLlamaFlatLayout(m->config);
  if (llvm::Error e = packWeights(
          layout, m->compiled->weightManifest(),
          [&](llvm::StringRef n) { return w.find(n); }, w.getPath(),
          m->weights))
    return std::move(e);
  m->loadTimes.total = secondsSince(start);
  m->loadTimes.weights = secondsSince(weightsStart);
  return std::move(m);
}

LlamaCache LlamaModel::newCache() const {
  LlamaCache c;
  c.k.assign(cache.k.size(), 0.0f);
  c.v.assign(cache.v.size(), 0.0f);
  return c;
}

void LlamaModel::rewind(LlamaCache &kv, int64_t newPosition) const {
  assert(newPosition >= 0 && newPosition <= kv.position && "rewind forward");
  // Nothing to clear: a step at position p overwrites slot p and attends
  // only to slots 0..p.
  kv.position = newPosition;
}

namespace {
/// llama_step, llama_prefill and llama_prefill_last (ModelFunctions.h).
using PrefillFn = void (*)(ByteBuffer *, StridedMemRefType<int32_t, 1> *,
                           int64_t, ByteBuffer *, ByteBuffer *,
                           StridedMemRefType<float, 2> *);
} // namespace

llvm::Error LlamaModel::checkTokens(const LlamaCache &kv,
                                    llvm::ArrayRef<int32_t> tokens) const {
  int64_t m = static_cast<int64_t>(tokens.size());
  if (kv.position + m > capacity)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("context is full: the KV cache holds {0} tokens",
                      capacity));
  for (int32_t token : tokens)
    if (token < 0 || token >= config.vocabSize)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("token id {0} is outside the vocabulary [0, {1})",
                        token, config.vocabSize));
  return llvm::Error::success();
}

llvm::Error LlamaModel::run(void *fn, LlamaCache &kv,
                            llvm::ArrayRef<int32_t> tokens,
                            llvm::MutableArrayRef<float> logits,
                            int64_t rows) {
  int64_t m = static_cast<int64_t>(tokens.size());
  assert(static_cast<int64_t>(logits.size()) == rows * config.vocabSize);
  if (llvm::Error e = checkTokens(kv, tokens))
    return e;
  ByteBuffer w = bytes(weights), kc = bytes(kv.k), vc = bytes(kv.v);
  auto ids = view<int32_t, 1>(tokens.data(), {m});
  auto out = view<float, 2>(logits.data(), {rows, config.vocabSize});
  reinterpret_cast<PrefillFn>(fn)(&w, &ids, kv.position, &kc, &vc, &out);
  kv.position += m;
  return llvm::Error::success();
}

llvm::Error LlamaModel::prefill(LlamaCache &kv, llvm::ArrayRef<int32_t> tokens,
                                llvm::MutableArrayRef<float> logits) {
  int64_t m = static_cast<int64_t>(tokens.size());
  if (m == 0)
    return llvm::Error::success();
  // One token takes the decode step's static-shape function.
  return run(m == 1 ? fnStep : fnPrefill, kv, tokens, logits, m);
}

llvm::Error LlamaModel::prefillLast(LlamaCache &kv,
                                    llvm::ArrayRef<int32_t> tokens,
                                    llvm::MutableArrayRef<float> logits) {
  int64_t m = static_cast<int64_t>(tokens.size());
  if (m == 0)
    return llvm::Error::success();
  return run(m == 1 ? fnStep : fnPrefillLast, kv, tokens, logits, 1);
}

llvm::Error LlamaModel::step(LlamaCache &kv, int32_t token,
                             llvm::MutableArrayRef<float> logits) {
  return prefill(kv, llvm::ArrayRef<int32_t>(&token, 1), logits);
}
