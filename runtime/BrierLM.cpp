//===- BrierLM.cpp - likelihood-free evaluation of CALM -------------------===//

#include "BrierLM.h"
#include "Sampling.h"

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

BrierSums calm::runtime::calmBlockBrier(CALMModel &model,
                                        llvm::ArrayRef<int32_t> block,
                                        llvm::ArrayRef<float> noise,
                                        std::vector<int32_t> *tokens) {
  const CALMConfig &c = model.getConfig();
  int64_t k = c.patchSize, d = c.hiddenSize, z = c.latentSize;
  int64_t positions = static_cast<int64_t>(block.size()) / k - 1;
  // One teacher-forced pass: the hidden state after chunk i conditions
  // chunk i + 1.
  std::vector<float> hidden(positions * d), latents(2 * positions * z);
  model.resetCache();
  llvm::Error err = model.prefill(block.take_front(positions * k), hidden);
  // The caller validated ids and sized the cache; a failure here is a bug.
  if (err)
    llvm::report_fatal_error(llvm::toString(std::move(err)).c_str());
  // One head pass for both samples of every position: each of the 2P rows
  // its own hidden state and noise, in the noise's [2, P] order.
  std::vector<float> rows(2 * positions * d);
  for (int s = 0; s < 2; ++s)
    std::copy(hidden.begin(), hidden.end(), rows.begin() + s * positions * d);
  model.headRows(rows, noise, latents);
  // One batched decoder pass for both samples of every position.
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

std::vector<double> calm::runtime::drawTwinUniforms(int64_t blockTokens,
                                                    int64_t patchSize,
                                                    std::mt19937_64 &rng) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<double> u(2 * (blockTokens / patchSize - 1) * 4);
  for (double &x : u)
    x = uniform(rng);
  return u;
}

BrierSums calm::runtime::twinBlockBrier(LlamaModel &model,
                                        llvm::ArrayRef<int32_t> block,
                                        int64_t k,
                                        llvm::ArrayRef<double> uniforms,
                                        std::vector<int32_t> *rollouts,
                                        std::vector<double> *pY) {
  constexpr int64_t n = 4;
  assert(k >= n && "every start needs n tokens inside the block");
  int64_t length = static_cast<int64_t>(block.size());
  int64_t positions = length / k - 1;
  int64_t v = model.getConfig().vocabSize;
  std::vector<float> logits(v);
  std::vector<double> logP(positions * n, 0.0);
  std::vector<int32_t> roll(2 * positions * n);
  auto step = [&](int32_t token) {
    // The caller validated ids and sized the cache; a failure is a bug.
    if (llvm::Error err = model.step(token, logits))
      llvm::report_fatal_error(llvm::toString(std::move(err)).c_str());
  };
  // One teacher-forced pass over the block, in slices of ~64 MB of logits;
  // logits row t predicts token t + 1.
  model.rewind(0);
  int64_t slice = std::max<int64_t>(1, (int64_t(16) << 20) / v);
  std::vector<float> forced(std::min(slice, length - 1) * v);
  for (int64_t t = 0; t + 1 < length; ++t) {
    if (t % slice == 0) {
      int64_t count = std::min(slice, length - 1 - t);
      if (llvm::Error err = model.prefill(
              block.slice(t, count),
              llvm::MutableArrayRef<float>(forced).take_front(count * v)))
        llvm::report_fatal_error(llvm::toString(std::move(err)).c_str());
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
      model.rewind(s);
      for (int64_t j = 1; j < n; ++j) {
        step(out[j - 1]);
        out[j] = inverseCDF(softmax(logits), u[j]);
      }
    }
  }
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
