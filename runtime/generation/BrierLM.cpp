//===- BrierLM.cpp - likelihood-free evaluation of CALM -------------------===//

#include "generation/BrierLM.h"
#include "generation/Sampling.h"
#include "ukernels/UKernels.h"

#include <cmath>

using namespace calm::runtime;

void BrierSums::add(const BrierSums &other) {
  for (int i = 0; i < 4; ++i)
    sum[i] += other.sum[i];
  positions += other.positions;
}

std::array<double, 4> BrierSums::means() const {
  std::array<double, 4> b{};
  for (int i = 0; i < 4; ++i)
    b[i] = positions ? sum[i] / static_cast<double>(positions) : 0.0;
  return b;
}

double BrierSums::brierLM() const {
  std::array<double, 4> b = means();
  double product = b[0] * b[1] * b[2] * b[3];
  return 100.0 * std::pow(std::max(0.0, product), 0.25);
}

std::vector<float> calm::runtime::drawBlockNoise(const CALMModel &model,
                                                 int64_t blockTokens,
                                                 std::mt19937_64 &rng) {
  int64_t positions = blockTokens / model.getConfig().patchSize - 1;
  return drawNoise(model, 2 * positions, rng);
}

/// The backbone's teacher-forced pass over a block: the hidden state after
/// chunk i conditions chunk i + 1. In `cache`, or null: the model's own.
static llvm::Expected<std::vector<float>>
prefillBlock(CALMModel &model, CALMCache *cache,
             llvm::ArrayRef<int32_t> block) {
  const CALMConfig &c = model.getConfig();
  int64_t positions = static_cast<int64_t>(block.size()) / c.patchSize - 1;
  std::vector<float> hidden(positions * c.hiddenSize);
  llvm::ArrayRef<int32_t> chunks = block.take_front(positions * c.patchSize);
  if (cache)
    cache->position = 0;
  else
    model.resetCache();
  // A block is a unit of work on its thread (a pool thread, for grouped
  // blocks): the previous block's errors were returned already.
  model.clearDeviceError();
  llvm::Error err = cache ? model.prefill(*cache, chunks, hidden)
                          : model.prefill(chunks, hidden);
  // The caller validated ids and sized the cache; what fails here is the
  // device (out of memory, a lost context), reported to the caller.
  if (err)
    return std::move(err);
  return hidden;
}

/// The terms of a block given its hidden states: one head pass for both
/// samples of every position, one batched decoder pass.
static BrierSums scoreBlock(CALMModel &model, llvm::ArrayRef<int32_t> block,
                            llvm::ArrayRef<float> hidden,
                            llvm::ArrayRef<float> noise,
                            std::vector<int32_t> *tokens) {
  const CALMConfig &c = model.getConfig();
  int64_t k = c.patchSize, d = c.hiddenSize, z = c.latentSize;
  int64_t positions = static_cast<int64_t>(block.size()) / k - 1;
  // Each of the 2P rows its own hidden state and noise, in the noise's
  // [2, P] order.
  std::vector<float> rows(2 * positions * d), latents(2 * positions * z);
  for (int s = 0; s < 2; ++s)
    std::copy(hidden.begin(), hidden.end(), rows.begin() + s * positions * d);
  model.headRows(rows, noise, latents);
  std::vector<int32_t> decoded = model.decodeTokens(latents);
  BrierSums sums;
  sums.positions = positions;
  for (int64_t i = 0; i < positions; ++i) {
    const int32_t *x1 = &decoded[i * k], *x2 = &decoded[(positions + i) * k];
    const int32_t *y = &block[(i + 1) * k];
    bool a1 = true, a2 = true, same = true;
    for (int64_t n = 0; n < std::min<int64_t>(4, k); ++n) {
      a1 = a1 && x1[n] == y[n];
      a2 = a2 && x2[n] == y[n];
      same = same && x1[n] == x2[n];
      sums.sum[n] += double(a1) + double(a2) - double(same);
    }
  }
  if (tokens)
    *tokens = std::move(decoded);
  return sums;
}

llvm::Expected<BrierSums>
calm::runtime::calmBlockBrier(CALMModel &model, llvm::ArrayRef<int32_t> block,
                              llvm::ArrayRef<float> noise,
                              std::vector<int32_t> *tokens) {
  auto hidden = prefillBlock(model, nullptr, block);
  if (!hidden)
    return hidden.takeError();
  BrierSums sums = scoreBlock(model, block, *hidden, noise, tokens);
  if (llvm::Error err = model.deviceStatus())
    return std::move(err);
  return sums;
}

llvm::Expected<BrierSums> calm::runtime::calmBlocksBrier(
    CALMModel &model, llvm::ArrayRef<llvm::ArrayRef<int32_t>> blocks,
    llvm::ArrayRef<std::vector<float>> noise, std::vector<CALMCache> &caches,
    std::vector<BrierSums> *perBlock) {
  assert(blocks.size() == noise.size());
  int64_t n = static_cast<int64_t>(blocks.size());
  while (static_cast<int64_t>(caches.size()) < n)
    caches.push_back(model.newCache());
  // The prefills at once, each on its thread with its own cache: their
  // attention and norms are single-threaded compiled code, and at a small
  // width (the tiny CALM) they are most of a block's backbone time. The
  // results are those of one prefill at a time (a thread's linear layers
  // run on it alone, bit for bit as on all threads).
  std::vector<std::vector<float>> hidden(n);
  std::vector<std::string> failures(n);
  ukernels::parallelFor(n, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      auto h = prefillBlock(model, &caches[b], blocks[b]);
      if (h)
        hidden[b] = std::move(*h);
      else
        failures[b] = llvm::toString(h.takeError());
    }
  });
  for (const std::string &failure : failures)
    if (!failure.empty())
      return llvm::createStringError(llvm::inconvertibleErrorCode(), failure);
  // The head and the decoder split each block's rows over the threads.
  BrierSums total;
  for (int64_t b = 0; b < n; ++b) {
    BrierSums sums = scoreBlock(model, blocks[b], hidden[b], noise[b], nullptr);
    total.add(sums);
    if (perBlock)
      perBlock->push_back(sums);
  }
  // The head and decoder report no error of their own: a device failure
  // in them shows here, before their tokens are scored as a result.
  if (llvm::Error err = model.deviceStatus())
    return std::move(err);
  return total;
}

std::vector<double> calm::runtime::drawTwinUniforms(int64_t blockTokens,
                                                    int64_t patchSize,
                                                    std::mt19937_64 &rng) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<double> u(2 * (blockTokens / patchSize - 1) * 4);
  for (double &x : u)
    x = uniform(rng);
  return u;
}

llvm::Expected<BrierSums> calm::runtime::twinBlockBrier(
    LlamaModel &model, LlamaCache &kv, llvm::ArrayRef<int32_t> block, int64_t k,
    llvm::ArrayRef<double> uniforms, std::vector<int32_t> *rollouts,
    std::vector<double> *pY) {
  constexpr int64_t n = 4;
  assert(k >= n && "every start needs n tokens inside the block");
  int64_t length = static_cast<int64_t>(block.size());
  int64_t positions = length / k - 1;
  int64_t v = model.getConfig().vocabSize;
  std::vector<float> logits(v);
  std::vector<double> logP(positions * n, 0.0);
  std::vector<int32_t> roll(2 * positions * n);
  // The caller validated ids and sized the cache: the first failure (there
  // is none on the CPU) ends the block.
  std::string failure;
  auto step = [&](int32_t token) {
    if (!failure.empty())
      return;
    if (llvm::Error err = model.step(kv, token, logits))
      failure = llvm::toString(std::move(err));
  };
  // One teacher-forced pass over the block, in slices of ~64 MB of logits;
  // logits row t predicts token t + 1.
  model.rewind(kv, 0);
  int64_t slice = std::max<int64_t>(1, (int64_t(16) << 20) / v);
  std::vector<float> forced(std::min(slice, length - 1) * v);
  for (int64_t t = 0; t + 1 < length; ++t) {
    if (t % slice == 0) {
      int64_t count = std::min(slice, length - 1 - t);
      if (llvm::Error err = model.prefill(
              kv, block.slice(t, count),
              llvm::MutableArrayRef<float>(forced).take_front(count * v)))
        return std::move(err);
    }
    std::vector<double> probs =
        softmax(llvm::ArrayRef<float>(forced).slice((t % slice) * v, v));
    for (int64_t j = 0; j < n; ++j) {
      int64_t s = t + 1 - j; // the start whose j-th target is token t + 1
      if (s >= k && s % k == 0 && s <= length - k)
        logP[(s / k - 1) * n + j] = std::log(probs[block[t + 1]]);
    }
    // A start's first rollout tokens come from the forced distribution.
    int64_t s = t + 1;
    if (s >= k && s % k == 0 && s <= length - k)
      for (int r = 0; r < 2; ++r) {
        int64_t at = (r * positions + s / k - 1) * n;
        roll[at] = inverseCDF(probs, uniforms[at]);
      }
  }
  // Rollouts from each start s run on the cache of the prefix (positions
  // < s) and overwrite positions s.. of it; latest start first, so each
  // prefix is still the teacher-forced one when its rollouts read it.
  for (int64_t p = positions - 1; p >= 0; --p) {
    int64_t s = (p + 1) * k;
    for (int r = 0; r < 2; ++r) {
      const double *u = &uniforms[(r * positions + p) * n];
      int32_t *out = &roll[(r * positions + p) * n];
      model.rewind(kv, s);
      for (int64_t j = 1; j < n; ++j) {
        step(out[j - 1]);
        out[j] = inverseCDF(softmax(logits), u[j]);
      }
    }
  }
  if (!failure.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(), failure);
  BrierSums sums;
  sums.positions = positions;
  std::vector<double> py(positions * n);
  for (int64_t p = 0; p < positions; ++p) {
    double cumulative = 0;
    bool same = true;
    for (int64_t j = 0; j < n; ++j) {
      cumulative += logP[p * n + j];
      py[p * n + j] = std::exp(cumulative);
      same = same && roll[p * n + j] == roll[(positions + p) * n + j];
      sums.sum[j] += 2 * py[p * n + j] - double(same);
    }
  }
  if (rollouts)
    *rollouts = std::move(roll);
  if (pY)
    *pY = std::move(py);
  return sums;
}

llvm::Expected<BrierSums> calm::runtime::evaluateCALMStream(
    CALMModel &model, llvm::ArrayRef<int32_t> stream, int64_t blockTokens,
    int64_t blocks, uint64_t seed, BrierProgress progress,
    std::vector<BrierSums> *perBlock) {
  std::mt19937_64 rng(seed);
  BrierSums total;
  // Blocks in groups of one per thread (their backbone prefills run at
  // once); the noise is drawn block by block in order, so the sums do not
  // depend on the thread count.
  int64_t group = std::max(1, ukernels::getThreads());
  std::vector<CALMCache> caches;
  for (int64_t first = 0; first < blocks; first += group) {
    int64_t count = std::min(group, blocks - first);
    std::vector<llvm::ArrayRef<int32_t>> members;
    std::vector<std::vector<float>> noise;
    for (int64_t b = first; b < first + count; ++b) {
      members.push_back(stream.slice(b * blockTokens, blockTokens));
      noise.push_back(drawBlockNoise(model, blockTokens, rng));
    }
    auto sums = calmBlocksBrier(model, members, noise, caches, perBlock);
    if (!sums)
      return sums.takeError();
    total.add(*sums);
    progress(first + count, blocks, total);
  }
  return total;
}

llvm::Expected<BrierSums> calm::runtime::evaluateTwinStream(
    LlamaModel &model, llvm::ArrayRef<int32_t> stream, int64_t blockTokens,
    int64_t twinChunk, int64_t blocks, uint64_t seed, BrierProgress progress,
    std::vector<BrierSums> *perBlock) {
  std::mt19937_64 rng(seed);
  BrierSums total;
  LlamaCache kv = model.newCache();
  for (int64_t b = 0; b < blocks; ++b) {
    auto sums = twinBlockBrier(
        model, kv, stream.slice(b * blockTokens, blockTokens), twinChunk,
        drawTwinUniforms(blockTokens, twinChunk, rng));
    if (!sums)
      return sums.takeError();
    total.add(*sums);
    if (perBlock)
      perBlock->push_back(*sums);
    progress(b + 1, blocks, total);
  }
  return total;
}
