//===- Sampling.cpp - likelihood-free temperature sampling of chunks ------===//

#include "generation/Sampling.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

using namespace calm::runtime;

llvm::Error
calm::runtime::checkSamplingOptions(const SamplingOptions &options) {
  auto fail = [](const llvm::Twine &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), why);
  };
  auto shortest = [](double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%g", x);
    return std::string(buffer);
  };
  if (!(options.temperature > 0.0 && options.temperature <= 1.0))
    return fail("temperature must be in (0, 1], got " +
                shortest(options.temperature) +
                ": CALM samples below T = 1 by rejection, it cannot flatten "
                "the distribution");
  if (options.samples < 0)
    return fail("--samples must be positive");
  if (options.samples > 0 &&
      std::round(1.0 / options.temperature) > options.samples)
    return fail(llvm::formatv("--samples {0} is fewer than 1/T = {1}: the "
                              "batch approximation needs at least n draws",
                              options.samples,
                              shortest(1.0 / options.temperature)));
  return llvm::Error::success();
}

std::vector<float> calm::runtime::drawNoise(const CALMModel &model,
                                            int64_t count,
                                            std::mt19937_64 &rng) {
  std::uniform_real_distribution<float> uniform(-0.5f, 0.5f);
  std::vector<float> noise(count * model.getConfig().noiseSize);
  for (float &x : noise)
    x = uniform(rng);
  return noise;
}

namespace {

/// Decoded chunks for one hidden state, computed `batch` at a time.
class ChunkSource {
public:
  ChunkSource(CALMModel &model, llvm::ArrayRef<float> hidden, int64_t batch,
              std::mt19937_64 &rng, SamplingStats &stats)
      : model(model), hidden(hidden), batch(batch), rng(rng), stats(stats) {}

  std::vector<int32_t> draw() {
    int64_t k = model.getConfig().patchSize;
    if (next == buffered.size()) {
      buffered = drawMany(batch);
      next = 0;
    }
    std::vector<int32_t> chunk(buffered.begin() + next,
                               buffered.begin() + next + k);
    next += k;
    return chunk;
  }

  /// `count` chunks in one batched head pass and one decoder pass.
  std::vector<int32_t> drawMany(int64_t count) {
    const CALMConfig &c = model.getConfig();
    std::vector<float> noise = drawNoise(model, count, rng);
    std::vector<float> latents(count * c.latentSize);
    model.head(hidden, noise, latents);
    stats.draws += count;
    return model.decodeTokens(latents);
  }

private:
  CALMModel &model;
  llvm::ArrayRef<float> hidden;
  int64_t batch;
  std::mt19937_64 &rng;
  SamplingStats &stats;
  std::vector<int32_t> buffered;
  size_t next = 0;
};

} // namespace

std::vector<int32_t>
calm::runtime::batchApproximation(llvm::ArrayRef<int32_t> draws,
                                  int64_t patchSize, int64_t n,
                                  std::mt19937_64 &rng) {
  std::map<std::vector<int32_t>, int64_t> counts;
  for (size_t i = 0; i + patchSize <= draws.size(); i += patchSize)
    ++counts[std::vector<int32_t>(draws.begin() + i,
                                  draws.begin() + i + patchSize)];
  for (int64_t j = n; j >= 1; --j) {
    std::vector<const std::vector<int32_t> *> candidates;
    std::vector<double> weights;
    for (const auto &[chunk, c] : counts)
      if (c >= j) {
        candidates.push_back(&chunk);
        // C(c, j), in floating point: only ratios matter.
        double w = 1.0;
        for (int64_t i = 0; i < j; ++i)
          w *= static_cast<double>(c - i) / static_cast<double>(i + 1);
        weights.push_back(w);
      }
    if (!candidates.empty()) {
      std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
      return *candidates[pick(rng)];
    }
  }
  return {};
}

std::vector<int32_t> calm::runtime::sampleChunk(CALMModel &model,
                                                llvm::ArrayRef<float> hidden,
                                                const SamplingOptions &options,
                                                std::mt19937_64 &rng,
                                                SamplingStats &stats) {
  ++stats.steps;
  int64_t k = model.getConfig().patchSize;
  double inv = 1.0 / options.temperature;
  int64_t n = static_cast<int64_t>(std::floor(inv + 1e-9));
  double a = inv - static_cast<double>(n);
  if (a < 1e-9)
    a = 0.0;
  if (options.samples > 0) {
    ChunkSource source(model, hidden, options.samples, rng, stats);
    return batchApproximation(source.drawMany(options.samples), k,
                              std::max<int64_t>(1, std::llround(inv)), rng);
  }
  if (n == 1 && a == 0.0) {
    ChunkSource source(model, hidden, 1, rng, stats);
    return source.draw();
  }
  ChunkSource source(model, hidden, options.drawBatch, rng, stats);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  // The Bernoulli factory's number of draws has an infinite mean when P(x)
  // is small (it stops with probability a/i at draw i), so rounds and draws
  // share one budget.
  int64_t budget = options.maxRounds * (n + 1);
  int64_t used = 0;
  auto next = [&] {
    ++used;
    return source.draw();
  };
  for (int64_t round = 0; round < options.maxRounds && used < budget; ++round) {
    std::vector<int32_t> x = next();
    bool agree = true;
    for (int64_t i = 1; i < n && agree; ++i)
      agree = next() == x;
    if (!agree)
      continue;
    if (a == 0.0)
      return x;
    // Bernoulli factory for P(x)^a.
    for (int64_t i = 1; used < budget; ++i) {
      if (next() == x)
        return x;
      if (coin(rng) < a / static_cast<double>(i))
        break;
    }
  }
  ++stats.fallbacks;
  ChunkSource fallback(model, hidden, options.fallbackSamples, rng, stats);
  return batchApproximation(fallback.drawMany(options.fallbackSamples), k,
                            std::max<int64_t>(1, std::llround(inv)), rng);
}

std::vector<double> calm::runtime::softmax(llvm::ArrayRef<float> logits,
                                           double temperature) {
  double top = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p(logits.size());
  double sum = 0;
  for (size_t i = 0; i < logits.size(); ++i)
    sum += p[i] = std::exp((logits[i] - top) / temperature);
  for (double &x : p)
    x /= sum;
  return p;
}

int32_t calm::runtime::inverseCDF(llvm::ArrayRef<double> probs, double u) {
  double total = 0;
  for (double p : probs)
    total += p;
  double target = u * total, cumulative = 0;
  for (size_t i = 0; i < probs.size(); ++i) {
    cumulative += probs[i];
    if (cumulative > target)
      return static_cast<int32_t>(i);
  }
  return static_cast<int32_t>(probs.size() - 1);
}

int32_t calm::runtime::sampleToken(llvm::ArrayRef<float> logits,
                                   double temperature, std::mt19937_64 &rng) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  return inverseCDF(softmax(logits, temperature), uniform(rng));
}
