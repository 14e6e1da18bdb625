//===- forward_bench.cpp - the compiled CALM's stages, timed --------------===//
//
//   forward_bench --model DIR [--numerics SEL] [--max-chunks N] [--steps N]
//                 [--batches 1,8,64]
//
// Compiles into a fresh object cache (compile time), loads again from it
// (cached start), then times: one backbone step at positions 0..steps-1
// (mean), the energy head for S noise draws, the AE decoder for N latents,
// each the median of several runs. Peak RSS (getrusage) is compared with the
// packed f32 weights plus the KV cache.
//
//===----------------------------------------------------------------------===//

#include "MedianTime.h"
#include "engine/Compiler.h"
#include "generation/Sampling.h"
#include "models/CALMModel.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <sys/resource.h>

using namespace llvm;
using namespace calm::runtime;

static cl::opt<std::string> modelDir("model", cl::desc("CALM directory"),
                                     cl::Required);
static cl::opt<std::string> numerics("numerics", cl::init("f32"));
static cl::opt<int64_t> maxChunks("max-chunks", cl::init(512));
static cl::opt<int64_t> steps("steps", cl::init(64));
static cl::list<int64_t> batches("batches", cl::CommaSeparated,
                                 cl::desc("Head and decoder batch sizes"));

using calm::bench::Clock;
using calm::bench::medianSeconds;

static double peakRSSMegabytes() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "bench/forward\n");
  if (batches.empty())
    batches.push_back(1), batches.push_back(8), batches.push_back(64);
  std::string error;
  auto selection = mlir::calm::parseNumericsSelection(numerics, error);
  if (!selection) {
    errs() << "forward_bench: " << error << "\n";
    return 1;
  }
  SmallString<128> cache;
  sys::fs::createUniqueDirectory("forward-bench-cache", cache);
  ModelOptions options;
  options.compile.numerics = *selection;
  options.compile.cacheDir = std::string(cache);
  options.build.maxChunks = maxChunks;

  auto start = Clock::now();
  auto first = CALMModel::load(modelDir, options);
  if (!first) {
    errs() << "forward_bench: " << toString(first.takeError()) << "\n";
    return 1;
  }
  double firstLoad = std::chrono::duration<double>(Clock::now() - start).count();
  double compile =
      llvm::cast<CompiledModule>((*first)->getCompiled()).compileSeconds();
  first->reset();
  start = Clock::now();
  auto loaded = CALMModel::load(modelDir, options);
  if (!loaded) {
    errs() << "forward_bench: " << toString(loaded.takeError()) << "\n";
    return 1;
  }
  double cachedLoad = std::chrono::duration<double>(Clock::now() - start).count();
  sys::fs::remove_directories(cache);
  CALMModel &model = **loaded;
  const CALMConfig &c = model.getConfig();

  outs() << formatv("model {0}: d {1}, {2} layers, V {3}, numerics {4}\n",
                    modelDir, c.hiddenSize, c.numHiddenLayers, c.vocabSize,
                    numerics);
  outs() << formatv("start: {0:f2} s with compile ({1:f2} s lowering + "
                    "codegen), {2:f2} s from the object cache\n",
                    firstLoad, compile, cachedLoad);

  // Backbone steps at positions 0..steps-1 over arbitrary ids.
  std::vector<float> hidden(c.hiddenSize);
  std::vector<int32_t> chunk(c.patchSize);
  int64_t n = std::min<int64_t>(steps, maxChunks);
  model.resetCache();
  auto stepStart = Clock::now();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < c.patchSize; ++j)
      chunk[j] = static_cast<int32_t>((i * 131 + j * 17) % c.vocabSize);
    if (Error e = model.step(chunk, hidden)) {
      errs() << toString(std::move(e)) << "\n";
      return 1;
    }
  }
  double stepSeconds =
      std::chrono::duration<double>(Clock::now() - stepStart).count() / n;
  outs() << formatv("backbone step: {0:f3} ms (mean over positions 0..{1})\n",
                    stepSeconds * 1e3, n - 1);
  // The same n chunks as one prompt: one batched pass (calm-run's prefill)
  // against the step-by-step loop above (how prompts were consumed before).
  {
    std::vector<int32_t> ids(n * c.patchSize);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < c.patchSize; ++j)
        ids[i * c.patchSize + j] =
            static_cast<int32_t>((i * 131 + j * 17) % c.vocabSize);
    std::vector<float> rows(n * c.hiddenSize);
    double prefill = medianSeconds(3, [&] {
      model.resetCache();
      if (Error e = model.prefill(ids, rows))
        report_fatal_error(std::move(e));
    });
    outs() << formatv("prefill of {0} tokens ({1} chunks): {2:f1} ms in one "
                      "pass, {3:f1} ms step by step ({4:f1}x)\n",
                      n * c.patchSize, n, prefill * 1e3,
                      stepSeconds * n * 1e3, stepSeconds * n / prefill);
  }

  std::mt19937_64 rng(1);
  for (int64_t s : batches) {
    std::vector<float> noise = drawNoise(model, s, rng);
    std::vector<float> latents(s * c.latentSize);
    double head = medianSeconds(5, [&] { model.head(hidden, noise, latents); });
    double decode =
        medianSeconds(3, [&] { (void)model.decodeTokens(latents); });
    outs() << formatv("batch {0,3}: energy head {1:f3} ms ({2:f3} ms/draw), "
                      "AE decoder + argmax {3:f3} ms ({4:f3} ms/chunk)\n",
                      s, head * 1e3, head * 1e3 / s, decode * 1e3,
                      decode * 1e3 / s);
  }
  double weights = model.weightBytes() / 1e6, kv = model.cacheBytes() / 1e6;
  double rss = peakRSSMegabytes();
  outs() << formatv("peak RSS {0:f0} MB; packed f32 weights {1:f0} MB + KV "
                    "cache {2:f0} MB = {3:f0} MB; ratio {4:f2} (goal <= 1.5)\n",
                    rss, weights, kv, weights + kv, rss / (weights + kv));
  return 0;
}
