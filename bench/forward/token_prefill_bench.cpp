//===- token_prefill_bench.cpp - a token model's prompt, timed ------------===//
//
//   token_prefill_bench --model DIR [--numerics SEL] [--tokens N]
//                       [--prefill-threads T] [--slices 32,64,...]
//
// Times a token model's (LlamaModel) prompt of N tokens two ways in one run,
// each the median of 3 passes over a fresh cache:
//  - all rows' logits, in passes of 16M/V rows: what generation did before
//    llama_prefill_last;
//  - the last row's logits only (llama_prefill_last), in passes of
//    kPromptSliceTokens (or each of --slices): what runtime/generation does
//    now.
// Prints tokens/s of each and their ratio.
//
//===----------------------------------------------------------------------===//

#include "MedianTime.h"
#include "engine/Compiler.h"
#include "generation/Generation.h"
#include "models/LlamaModel.h"
#include "ukernels/UKernels.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>

using namespace llvm;
using namespace calm::runtime;

static cl::opt<std::string> modelDir("model", cl::desc("Llama directory"),
                                     cl::Required);
static cl::opt<std::string> numerics("numerics", cl::init("f32"));
static cl::opt<int64_t> tokens("tokens", cl::init(512));
static cl::list<int64_t> slices("slices", cl::CommaSeparated,
                                cl::desc("Tokens per pass of the last-row "
                                         "prefill, each timed (default: "
                                         "runtime/generation's)"));
static cl::opt<int> threads("prefill-threads", cl::init(1),
                           cl::desc("Microkernel threads"));

using calm::bench::Clock;
using calm::bench::medianSeconds;

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "bench/forward: token prefill\n");
  std::string error;
  auto selection = mlir::calm::parseNumericsSelection(numerics, error);
  if (!selection) {
    errs() << "token_prefill_bench: " << error << "\n";
    return 1;
  }
  calm::ukernels::setThreads(threads);
  SmallString<128> cache;
  sys::fs::createUniqueDirectory("token-prefill-bench-cache", cache);
  ModelOptions options;
  options.compile.numerics = *selection;
  options.compile.cacheDir = std::string(cache);
  options.build.maxChunks = tokens;
  auto loaded = LlamaModel::load(modelDir, options);
  sys::fs::remove_directories(cache);
  if (!loaded) {
    errs() << "token_prefill_bench: " << toString(loaded.takeError()) << "\n";
    return 1;
  }
  LlamaModel &model = **loaded;
  int64_t v = model.getConfig().vocabSize;
  std::vector<int32_t> ids(tokens);
  for (int64_t i = 0; i < tokens; ++i)
    ids[i] = static_cast<int32_t>((i * 7919 + 13) % v);

  std::vector<float> rows, last(v);
  double all = medianSeconds(3, [&] {
    LlamaCache kv = model.newCache();
    int64_t slice = std::max<int64_t>(1, (int64_t(16) << 20) / v);
    for (int64_t first = 0; first < tokens; first += slice) {
      int64_t count = std::min(slice, tokens - first);
      rows.resize(count * v);
      if (Error e = model.prefill(
              kv, ArrayRef<int32_t>(ids).slice(first, count), rows))
        report_fatal_error(std::move(e));
    }
  });
  if (slices.empty())
    slices.push_back(kPromptSliceTokens);
  outs() << formatv("model {0}, numerics {1}, {2} threads ({3}): prompt of "
                    "{4} tokens, all rows' logits in passes of {5}: {6:f0} "
                    "tok/s\n",
                    modelDir, numerics, threads, calm::ukernels::isa(), tokens,
                    std::max<int64_t>(1, (int64_t(16) << 20) / v),
                    tokens / all);
  for (int64_t step : slices) {
    double lastOnly = medianSeconds(3, [&] {
      LlamaCache kv = model.newCache();
      for (int64_t first = 0; first < tokens; first += step)
        if (Error e = model.prefillLast(
                kv,
                ArrayRef<int32_t>(ids).slice(
                    first, std::min<int64_t>(step, tokens - first)),
                last))
          report_fatal_error(std::move(e));
    });
    outs() << formatv("  last row's logits only, passes of {0}: {1:f0} tok/s "
                      "({2:f2}x)\n",
                      step, tokens / lastOnly, all / lastOnly);
  }
  return 0;
}
