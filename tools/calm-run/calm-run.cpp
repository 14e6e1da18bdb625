//===- calm-run.cpp - compile and run CALM checkpoints --------------------===//
//
//   calm-run compile  [--model DIR] [--numerics SEL] [--emit=mlir|llvm]
//                     [-o LIBRARY]
//   calm-run generate [--model DIR] [-p TEXT | --prompt-file FILE] [-n N]
//                     [--temperature T] [--samples N] [--seed S]
//                     [--numerics SEL] [--library LIBRARY]
//   calm-run eval     [--model DIR] --text FILE [--block-size N] [--json]
//                     [--per-block] [--reconstruction] [--library LIBRARY]
//   calm-run serve    [--model DIR] [--library LIBRARY] [--host H]
//                     [--port P] [--parallel N] [--max-queue N]
//
// --model takes a CALM (model_type "energy") or its token twin (a Llama,
// model_type "llama"): the same commands run either, so the two compare
// under the same compiler, numerics and estimator of BrierLM.
//
// Every error is one line on stderr ("calm-run: ...") and exit status 1.
//
//===----------------------------------------------------------------------===//

#include "cuda/CALMCudaRuntime.h"
#include "engine/CompiledModels.h"
#include "engine/Compiler.h"
#include "models/LanguageModel.h"
#include "serving/Server.h"
#include "ukernels/UKernels.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <malloc.h>
#include <pthread.h>
#include <thread>

using namespace llvm;
using namespace calm::runtime;

static cl::OptionCategory category("calm-run options");

static cl::SubCommand compileCommand(
    "compile", "Build the model's MLIR, lower it with the chosen numerics and "
               "compile it (into the object cache); -o writes a model library, "
               "--emit prints the IR");

static cl::SubCommand generateCommand(
    "generate", "Generate text from a prompt (streams it as chunks decode)");
static cl::SubCommand evalCommand(
    "eval", "BrierLM of a text file (two-sample estimator for a CALM, "
            "exact-probability estimator for a token-level Llama)");

static cl::SubCommand
    serveCommand("serve",
                 "Serve the model over HTTP with the OpenAI completions API "
                 "(streaming, concurrent sessions; docs/SERVING.md)");

static cl::opt<std::string>
    modelDir("model",
             cl::desc("Model directory: a CALM, or a token-level Llama (the "
                      "twin; default: the shipped models/calm-tiny)"),
             cl::value_desc("DIR"), cl::init(CALM_DEFAULT_MODEL),
             cl::cat(category), cl::sub(compileCommand),
             cl::sub(generateCommand), cl::sub(evalCommand),
             cl::sub(serveCommand));
static cl::opt<std::string>
    aeDir("ae",
          cl::desc("Autoencoder directory (overrides the config's "
                   "ae_path; weights embedded as ae_model.* still win)"),
          cl::value_desc("DIR"), cl::cat(category), cl::sub(compileCommand),
          cl::sub(generateCommand), cl::sub(evalCommand),
          cl::sub(serveCommand));
static cl::opt<std::string> numerics(
    "numerics",
    cl::desc("Numerics of the contractions: FORM for all, or ROLE=FORM items, "
             "comma-separated, e.g. 'attention=lmul:4,mlp=f8e4m3/channel'. "
             "FORM: f32 bf16 f16 f8e4m3[/tensor|/channel] "
             "f8e5m2[/tensor|/channel] i8[/tensor|/channel] lmul:M (M=1..23). "
             "ROLE: attention (Q.K^T, A.V), projection (q/k/v/o), mlp "
             "(backbone MLP), compress (input compression), head (energy "
             "head), ae (autoencoder), lm_head (a token model's output)"),
    cl::value_desc("SEL"), cl::init("f32"), cl::cat(category),
    cl::sub(compileCommand), cl::sub(generateCommand), cl::sub(evalCommand),
    cl::sub(serveCommand));
static cl::opt<int64_t> maxChunks(
    "max-chunks",
    cl::desc("KV-cache capacity in chunks of K tokens (default 512); a "
             "token-level model holds 4 tokens per chunk"),
    cl::init(512), cl::cat(category), cl::sub(compileCommand),
    cl::sub(generateCommand), cl::sub(evalCommand), cl::sub(serveCommand));
static cl::opt<std::string>
    cacheDir("cache-dir",
             cl::desc("Object cache (default: $CALM_CACHE_DIR, else "
                      "$XDG_CACHE_HOME/calm-mlir, else ~/.cache/calm-mlir)"),
             cl::value_desc("DIR"), cl::cat(category), cl::sub(compileCommand),
             cl::sub(generateCommand), cl::sub(evalCommand),
             cl::sub(serveCommand));
static cl::opt<bool>
    noCache("no-cache", cl::desc("Neither read nor write the object cache"),
            cl::cat(category), cl::sub(compileCommand),
            cl::sub(generateCommand), cl::sub(evalCommand),
            cl::sub(serveCommand));

enum class Emit { None, MLIR, LLVM };
static cl::opt<Emit> emit(
    "emit", cl::desc("Print IR instead of compiling"),
    cl::values(clEnumValN(Emit::MLIR, "mlir",
                          "the model as built (calm stage ops, linalg), "
                          "before any pass"),
               clEnumValN(Emit::LLVM, "llvm",
                          "LLVM IR after the calm passes and the CPU pipeline "
                          "(the GPU pipeline's host code with --device cuda)")),
    cl::init(Emit::None), cl::cat(category), cl::sub(compileCommand));
static cl::opt<std::string> outputPath(
    "o",
    cl::desc("Write a model library to FILE: a shared object with the "
             "compiled code and a manifest of what it was built for (model "
             "config, numerics, CPU, device); run it with generate/eval "
             "--library. "
             "Needs ld.lld"),
    cl::value_desc("FILE"), cl::cat(category), cl::sub(compileCommand));
static cl::opt<std::string> libraryPath(
    "library",
    cl::desc("Run a model library from `compile -o` instead of compiling: "
             "its config must be --model's, its CPU features this CPU's; "
             "--numerics, if given, must be its numerics"),
    cl::value_desc("FILE"), cl::cat(category), cl::sub(generateCommand),
    cl::sub(evalCommand), cl::sub(serveCommand));

// generate
static cl::opt<std::string> prompt("prompt", cl::desc("Prompt text (default: "
                                                      "empty, a new document)"),
                                   cl::value_desc("TEXT"), cl::init(""),
                                   cl::cat(category), cl::sub(generateCommand));
static cl::alias promptShort("p", cl::desc("Alias for --prompt"),
                             cl::aliasopt(prompt));
static cl::opt<std::string>
    promptFile("prompt-file",
               cl::desc("Read the prompt from FILE (`-`: standard input) "
                        "instead of --prompt; arbitrary bytes"),
               cl::value_desc("FILE"), cl::cat(category),
               cl::sub(generateCommand));
static cl::opt<int64_t> maxTokens("max-tokens",
                                  cl::desc("Tokens to generate at most "
                                           "(rounded up to whole chunks)"),
                                  cl::init(64), cl::cat(category),
                                  cl::sub(generateCommand));
static cl::alias maxTokensShort("n", cl::desc("Alias for --max-tokens"),
                                cl::aliasopt(maxTokens));
static cl::opt<double> temperature(
    "temperature",
    cl::desc("Temperature in (0, 1]: 1 draws once per chunk; 1/n is exact "
             "rejection sampling (n agreeing draws); other values use the "
             "Bernoulli factory. See --samples"),
    cl::init(1.0), cl::cat(category), cl::sub(generateCommand));
static cl::opt<int64_t> samples(
    "samples",
    cl::desc("Use the batch approximation of T = 1/n with N draws per chunk "
             "(one batched head and decoder pass) instead of exact sampling"),
    cl::value_desc("N"), cl::init(0), cl::cat(category),
    cl::sub(generateCommand));
static cl::opt<int64_t> maxRounds(
    "max-rounds",
    cl::desc("Exact sampling (T < 1): rounds, and rounds x (n + 1) draws, "
             "before a chunk falls back to the batch approximation "
             "(default 200)"),
    cl::init(200), cl::cat(category), cl::sub(generateCommand),
    cl::sub(serveCommand));
static cl::opt<uint64_t> seed("seed",
                              cl::desc("Random seed (same seed, same output)"),
                              cl::init(0), cl::cat(category),
                              cl::sub(generateCommand), cl::sub(evalCommand));
static cl::opt<std::string> device(
    "device",
    cl::desc("cpu (default) or cuda: run a CALM on the NVIDIA GPU (weights "
             "and KV cache in GPU memory; token models run on the CPU "
             "only); compile writes CUDA code. With --library: the "
             "library's device unless given"),
    cl::init("cpu"), cl::cat(category), cl::sub(compileCommand),
    cl::sub(generateCommand), cl::sub(evalCommand), cl::sub(serveCommand));
static cl::opt<std::string> gpuChip(
    "gpu-chip",
    cl::desc("--device cuda: NVIDIA targets of the kernels, comma-separated "
             "(one fatbin with a cubin each, plus PTX of the newest for "
             "later GPUs; needs the CUDA toolkit's ptxas)"),
    cl::value_desc("sm_XX[,...]"), cl::init("sm_80,sm_90"), cl::cat(category),
    cl::sub(compileCommand), cl::sub(generateCommand), cl::sub(evalCommand),
    cl::sub(serveCommand));
static cl::opt<unsigned> threads(
    "threads",
    cl::desc("Threads of the linear layers (split over output channels; "
             "the output is the same for any count). 0 = every core "
             "(default)"),
    cl::init(0), cl::cat(category), cl::sub(generateCommand),
    cl::sub(evalCommand), cl::sub(serveCommand));
static cl::opt<bool> ignoreEOS(
    "ignore-eos",
    cl::desc("Keep generating past end-of-text (for benchmarks: a fixed "
             "number of tokens)"),
    cl::cat(category), cl::sub(generateCommand));
static cl::opt<bool> showStats("stats",
                               cl::desc("Print timing and sampling statistics "
                                        "and the microkernels used (avx512 "
                                        "or avx2) to stderr"),
                               cl::cat(category), cl::sub(generateCommand));

// eval
static cl::opt<std::string> textPath("text",
                                     cl::desc("UTF-8 text to evaluate on "
                                              "(required)"),
                                     cl::value_desc("FILE"), cl::cat(category),
                                     cl::sub(evalCommand));
static cl::opt<int64_t> blockSize(
    "block-size",
    cl::desc("Tokens per block (a multiple of K; default 512)"),
    cl::init(512), cl::cat(category), cl::sub(evalCommand));
static cl::opt<int64_t> maxBlocks("max-blocks",
                                  cl::desc("Evaluate at most this many blocks "
                                           "(default: all)"),
                                  cl::init(0), cl::cat(category),
                                  cl::sub(evalCommand));
static cl::opt<bool> jsonOutput("json",
                                cl::desc("Print the result as one JSON object"),
                                cl::cat(category), cl::sub(evalCommand));
static cl::opt<bool> perBlockOutput(
    "per-block",
    cl::desc("With --json: each block's terms too (\"per_block\": Brier-1..4 "
             "sums and positions, or with --reconstruction the correct and "
             "total tokens and chunks), for paired standard errors"),
    cl::cat(category), cl::sub(evalCommand));
static cl::opt<bool> reconstruction(
    "reconstruction",
    cl::desc("Score the CALM's autoencoder instead: each chunk of the text "
             "encoded to its latent mean and decoded (argmax), in the same "
             "blocks; token and chunk accuracy"),
    cl::cat(category), cl::sub(evalCommand));

// serve
static cl::opt<std::string> host("host",
                                 cl::desc("Address to listen on (default "
                                          "127.0.0.1: this machine only)"),
                                 cl::init("127.0.0.1"), cl::cat(category),
                                 cl::sub(serveCommand));
static cl::opt<int> port("port",
                         cl::desc("TCP port (default 8080; 0: any free port, "
                                  "printed when listening)"),
                         cl::init(8080), cl::cat(category),
                         cl::sub(serveCommand));
static cl::opt<int> parallel(
    "parallel",
    cl::desc("Completions generating at once, each in a session with its "
             "own KV cache (default 4)"),
    cl::init(4), cl::cat(category), cl::sub(serveCommand));
static cl::opt<int>
    maxQueue("max-queue",
             cl::desc("Completions waiting for a session before new ones are "
                      "refused with 429 (default 16)"),
             cl::init(16), cl::cat(category), cl::sub(serveCommand));
static cl::opt<std::string>
    modelId("model-id",
            cl::desc("The name clients give as `model` (default: the model "
                     "directory's name)"),
            cl::value_desc("NAME"), cl::cat(category), cl::sub(serveCommand));
static cl::opt<uint64_t> maxBody("max-body-bytes",
                                 cl::desc("Larger request bodies get 413 "
                                          "(default 1 MiB)"),
                                 cl::init(1 << 20), cl::cat(category),
                                 cl::sub(serveCommand));
static cl::opt<bool> quiet("quiet",
                           cl::desc("Do not log each request on stderr"),
                           cl::cat(category), cl::sub(serveCommand));

static int fail(const Twine &message) {
  errs() << "calm-run: " << message << "\n";
  return 1;
}

static int fail(Error error) {
  std::string message = toString(std::move(error));
  // Diagnostics can span lines; keep the contract of one line.
  std::replace(message.begin(), message.end(), '\n', ' ');
  return fail(message);
}

static Expected<CompileOptions> compileOptions() {
  CompileOptions options;
  std::string error;
  auto selection = mlir::calm::parseNumericsSelection(numerics, error);
  if (!selection)
    return createStringError(inconvertibleErrorCode(),
                             "--numerics: " + error);
  options.numerics = *selection;
  options.library = libraryPath;
  options.numericsGiven =
      libraryPath.empty() || numerics.getNumOccurrences() > 0;
  if (device != "cpu" && device != "cuda")
    return createStringError(inconvertibleErrorCode(),
                             "--device must be cpu or cuda, not '" + device +
                                 "'");
  options.device = device;
  options.deviceGiven = libraryPath.empty() || device.getNumOccurrences() > 0;
  options.gpuChips = gpuChip;
  if (!noCache)
    options.cacheDir = cacheDir.empty() ? getDefaultCacheDir() : cacheDir;
  return options;
}

/// The module of --model as built, before any pass.
static Expected<mlir::OwningOpRef<mlir::ModuleOp>>
buildModule(mlir::MLIRContext &context, const CompileOptions &compile) {
  ModelOptions options;
  options.compile = compile;
  if (!aeDir.empty())
    options.aeDir = aeDir;
  auto built = buildModelFromDirectory(context, modelDir, options, maxChunks);
  if (!built)
    return built.takeError();
  return std::move(built->module);
}

/// --model opened with the code compiled here, taken from the object
/// cache, or from --library.
static Expected<std::unique_ptr<LanguageModel>>
loadModel(const CompileOptions &compile) {
  if (maxChunks < 1)
    return createStringError(inconvertibleErrorCode(),
                             "--max-chunks must be at least 1");
  ModelOptions options;
  options.compile = compile;
  if (!aeDir.empty())
    options.aeDir = aeDir;
  return openCompiledModel(modelDir, options, maxChunks);
}

/// compile --device cuda: nothing is run or uploaded, so that CUDA code is
/// compiled (and libraries written) on machines without a GPU too.
static int compileForGPU(mlir::MLIRContext &context,
                         const CompileOptions &options) {
  ModelOptions modelOptions;
  modelOptions.compile = options;
  if (!aeDir.empty())
    modelOptions.aeDir = aeDir;
  auto built =
      buildModelFromDirectory(context, modelDir, modelOptions, maxChunks);
  if (!built)
    return fail(built.takeError());
  CompileOptions compile = options;
  compile.manifest = built->manifest;
  auto compiled = compileModule(*built->module, compile);
  if (!compiled)
    return fail(compiled.takeError());
  outs() << formatv(
      "compiled {0} with numerics {1} for cuda ({2}): {3}, "
      "cache key {4}\n",
      modelDir, options.numerics.str(), options.gpuChips,
      (*compiled)->loadedFromCache()
          ? std::string("object cache hit")
          : formatv("{0:f2} s", (*compiled)->compileSeconds()).str(),
      (*compiled)->getCacheKey());
  if (outputPath.empty())
    return 0;
  if (Error e = (*compiled)->writeSharedLibrary(outputPath))
    return fail(std::move(e));
  uint64_t size = 0;
  sys::fs::file_size(outputPath, size);
  const ModelManifest &m = (*compiled)->getManifest();
  outs() << formatv("wrote {0} ({1:f1} KB): model ABI {2}, numerics {3}, "
                    "device cuda ({4}), host CPU {5}\n",
                    outputPath, size / 1024.0, m.abi, m.numerics, m.gpu, m.cpu);
  return 0;
}

static int runCompile() {
  auto options = compileOptions();
  if (!options)
    return fail(options.takeError());
  if (maxChunks < 1)
    return fail("--max-chunks must be at least 1");
  mlir::MLIRContext context;
  if (emit != Emit::None && !outputPath.empty())
    return fail("-o writes a model library; --emit prints IR: give one");
  if (emit != Emit::None) {
    auto module = buildModule(context, *options);
    if (!module)
      return fail(module.takeError());
    if (emit == Emit::MLIR) {
      // The lowering the runtime applies, as a calm-opt pipeline, so that
      // this output can be lowered outside calm-run exactly as inside.
      if (options->device == "cuda")
        outs() << formatv("// calm-opt --pass-pipeline='builtin.module(calm-"
                          "gpu-pipeline{{numerics={0} chip={1}})'\n",
                          options->numerics.str(), options->gpuChips);
      else
        outs() << formatv("// calm-opt --pass-pipeline='builtin.module(calm-"
                          "cpu-pipeline{{numerics={0} ukernels={1} "
                          "vector-width={2} polynomial-exp={3}})'\n",
                          options->numerics.str(), options->ukernels ? 1 : 0,
                          options->vectorWidth, options->polynomialExp ? 1 : 0);
      (*module)->print(outs());
      return 0;
    }
    if (Error e = lowerToLLVMDialect(**module, *options))
      return fail(std::move(e));
    auto ir = translateToLLVMIR(**module);
    if (!ir)
      return fail(ir.takeError());
    outs() << *ir;
    return 0;
  }
  if (options->device == "cuda")
    return compileForGPU(context, *options);
  auto loaded = loadModel(*options);
  if (!loaded)
    return fail(loaded.takeError());
  const LanguageModel &model = **loaded;
  // compile never loads a library: the code was compiled here.
  const auto &compiled = llvm::cast<CompiledModule>(model.getCompiled());
  outs() << formatv("compiled {0} with numerics {1}: {2}\n", modelDir,
                    options->numerics.str(),
                    compiled.loadedFromCache()
                        ? std::string("object cache hit")
                        : formatv("{0:f2} s", compiled.compileSeconds()).str());
  outs() << formatv("weights {0:f1} MB (f32), KV cache {1:f1} MB, cache key "
                    "{2}\n",
                    model.weightBytes() / 1e6, model.cacheBytes() / 1e6,
                    compiled.getCacheKey());
  if (!outputPath.empty()) {
    if (Error e = compiled.writeSharedLibrary(outputPath))
      return fail(std::move(e));
    uint64_t size = 0;
    sys::fs::file_size(outputPath, size);
    const ModelManifest &m = compiled.getManifest();
    outs() << formatv("wrote {0} ({1:f1} KB): model ABI {2}, numerics {3}, "
                      "CPU {4}\n",
                      outputPath, size / 1024.0, m.abi, m.numerics, m.cpu);
  }
  return 0;
}

/// The compiled model for generate/eval, or a one-line error.
static Expected<std::unique_ptr<LanguageModel>> loadRunModel() {
  // The driver is probed first so that a machine without one gets that
  // one-line reason before any compiling.
  if (device == "cuda")
    if (const char *why = calmCudaProbe())
      return createStringError(inconvertibleErrorCode(),
                               Twine("--device cuda: ") + why);
  if (threads > 1024)
    return createStringError(inconvertibleErrorCode(),
                             "--threads must be at most 1024");
  calm::ukernels::setThreads(static_cast<int>(threads));
  auto options = compileOptions();
  if (!options)
    return options.takeError();
  return loadModel(*options);
}

/// The numerics a run uses: --numerics as given, or a library's own.
static std::string runNumerics(const LanguageModel &model) {
  if (libraryPath.empty())
    return numerics.getValue();
  return model.getCompiled().getManifest().numerics;
}

/// How the model came to be: its code's origin and the load's times.
static std::string compileNote(const LanguageModel &model) {
  const LoadTimes &t = model.getLoadTimes();
  return formatv("{0}; open {1:f2} s (code {2:f3} s, weights {3:f2} s)",
                 model.getCompiled().origin(), t.total, t.code, t.weights)
      .str();
}

static int runGenerate() {
  GenerateOptions options;
  options.maxTokens = maxTokens;
  options.sampling.temperature = temperature;
  options.sampling.samples = samples;
  options.sampling.maxRounds = maxRounds;
  options.seed = seed;
  options.ignoreEOS = ignoreEOS;
  // Checked before the model is loaded (and compiled) as well as after.
  if (Error e = checkGenerateOptions(options))
    return fail(std::move(e));
  std::unique_ptr<MemoryBuffer> promptBuffer;
  StringRef promptText = prompt;
  if (!promptFile.empty()) {
    if (prompt.getNumOccurrences())
      return fail("give --prompt or --prompt-file, not both");
    auto buffer =
        MemoryBuffer::getFileOrSTDIN(promptFile, /*IsText=*/false,
                                     /*RequiresNullTerminator=*/false);
    if (!buffer)
      return fail(promptFile + ": cannot open: " + buffer.getError().message());
    promptBuffer = std::move(*buffer);
    promptText = promptBuffer->getBuffer();
  }
  // Not an error: the byte-level tokenizer has a token for every byte, so
  // such a prompt runs and decodes back to the same bytes; but say so.
  size_t badByte = 0;
  if (!json::isUTF8(promptText, &badByte))
    errs() << formatv("calm-run: note: the prompt is not valid UTF-8 (first "
                      "invalid byte at offset {0}); invalid bytes are encoded "
                      "as byte tokens\n",
                      badByte);
  auto model = loadRunModel();
  if (!model)
    return fail(model.takeError());
  auto toStdout = [](StringRef text) {
    outs() << text;
    outs().flush();
    return false;
  };
  LanguageModel &loaded = **model;
  auto session = loaded.newSession();
  auto stats = loaded.generate(*session, promptText, options, toStdout);
  if (!stats)
    return fail(stats.takeError());
  outs() << "\n";
  const GenerateStats &g = *stats;
  if (showStats && loaded.getKind() == ModelKind::Llama)
    errs() << formatv("calm-run: {0} tokens, {1:f2} s ({2:f1} tokens/s), "
                      "first {3} tokens {4:f1} ms, compile: {5}, "
                      "microkernels: {6}\n",
                      g.tokens, g.seconds, g.tokens / g.seconds, g.chunkTokens,
                      g.firstChunkSeconds * 1e3, compileNote(loaded),
                      calm::ukernels::isa());
  else if (showStats)
    errs() << formatv("calm-run: {0} tokens in {1} chunks, {2:f2} s ({3:f1} "
                      "tokens/s), prompt {8} tokens in {9:f1} ms, first chunk "
                      "{4:f1} ms, {5} draws, {6} fallbacks to the batch "
                      "approximation, compile: {7}, microkernels: {10}\n",
                      g.tokens, g.sampling.steps, g.seconds,
                      g.tokens / g.seconds, g.firstChunkSeconds * 1e3,
                      g.sampling.draws, g.sampling.fallbacks,
                      compileNote(loaded), g.promptTokens,
                      g.promptSeconds * 1e3, calm::ukernels::isa());
  else if (g.sampling.fallbacks)
    errs() << formatv("calm-run: {0} of {1} chunks did not accept within {2} "
                      "rounds and used the batch approximation\n",
                      g.sampling.fallbacks, g.sampling.steps,
                      options.sampling.maxRounds);
  return 0;
}

/// eval --reconstruction: the autoencoder's accuracy on the text's blocks.
static int runReconstruction(LanguageModel &loaded, StringRef text,
                             const EvalOptions &evalOptions,
                             std::chrono::steady_clock::time_point start,
                             bool progress) {
  auto report = [&](int64_t done, int64_t all,
                    const ReconstructionCounts &counts) {
    if (progress)
      errs() << formatv("\r{0}/{1} blocks, token accuracy {2:f4} ", done, all,
                        counts.tokenAccuracy());
  };
  auto result = loaded.evaluateReconstruction(text, evalOptions, report);
  if (!result)
    return fail(result.takeError());
  if (progress)
    errs() << "\n";
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  const ReconstructionCounts &c = result->counts;
  if (jsonOutput) {
    outs() << formatv("{{\"token_accuracy\": {0:f6}, \"chunk_accuracy\": "
                      "{1:f6}, \"tokens\": {2}, \"chunks\": {3}, "
                      "\"seconds\": {4:f3}, \"numerics\": \"{5}\"",
                      c.tokenAccuracy(), c.chunkAccuracy(), c.tokens, c.chunks,
                      seconds, runNumerics(loaded));
    if (perBlockOutput) {
      outs() << ", \"per_block\": [";
      for (size_t b = 0; b < result->perBlock.size(); ++b) {
        const ReconstructionCounts &p = result->perBlock[b];
        outs() << formatv("{0}[{1}, {2}, {3}, {4}]", b ? ", " : "",
                          p.correctTokens, p.tokens, p.correctChunks, p.chunks);
      }
      outs() << "]";
    }
    outs() << "}\n";
    return 0;
  }
  outs() << formatv("reconstruction: {0:f2}% of {1} tokens, {2:f2}% of {3} "
                    "chunks (latent mean, argmax)\n",
                    100 * c.tokenAccuracy(), c.tokens, 100 * c.chunkAccuracy(),
                    c.chunks);
  outs() << formatv("{0} blocks of {1}, {2:f1} s, numerics {3}\n",
                    result->blocks, blockSize.getValue(), seconds,
                    runNumerics(loaded));
  return 0;
}

static int runEval() {
  if (textPath.empty())
    return fail("eval needs --text FILE");
  if (perBlockOutput && !jsonOutput)
    return fail("--per-block needs --json");
  auto buffer = MemoryBuffer::getFile(textPath);
  if (!buffer)
    return fail(textPath + ": " + buffer.getError().message());
  auto model = loadRunModel();
  if (!model)
    return fail(model.takeError());
  LanguageModel &loaded = **model;
  bool progress = !jsonOutput && sys::Process::StandardErrIsDisplayed();
  auto start = std::chrono::steady_clock::now();
  auto report = [&](int64_t done, int64_t all, const BrierSums &sums) {
    if (!progress)
      return;
    double elapsed = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    double eta = elapsed / done * (all - done);
    int width = 30, filled = static_cast<int>(width * done / all);
    errs() << formatv("\r[{0}{1}] {2}/{3} blocks, BrierLM {4:f2}, ETA "
                      "{5:f0} s ",
                      std::string(filled, '#'), std::string(width - filled, ' '),
                      done, all, sums.brierLM(), eta);
  };
  EvalOptions evalOptions;
  evalOptions.blockSize = blockSize;
  evalOptions.maxBlocks = maxBlocks;
  evalOptions.seed = seed;
  evalOptions.perBlock = perBlockOutput;
  if (reconstruction)
    return runReconstruction(loaded, (*buffer)->getBuffer(), evalOptions, start,
                             progress);
  auto result = loaded.evaluate((*buffer)->getBuffer(), evalOptions, report);
  if (!result)
    return fail(result.takeError());
  const BrierSums &total = result->sums;
  int64_t blocks = result->blocks;
  if (progress)
    errs() << "\n";
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::array<double, 4> bn = total.means();
  int64_t tokens = result->tokens;
  if (jsonOutput) {
    outs() << formatv("{{\"brier1\": {0:f6}, \"brier2\": {1:f6}, "
                      "\"brier3\": {2:f6}, \"brier4\": {3:f6}, \"brierlm\": "
                      "{4:f4}, \"tokens\": {5}, \"positions\": {6}, "
                      "\"seconds\": {7:f3}, \"numerics\": \"{8}\"",
                      bn[0], bn[1], bn[2], bn[3], total.brierLM(), tokens,
                      total.positions, seconds, runNumerics(loaded));
    if (perBlockOutput) {
      // Sums, not means: exact for any regrouping of blocks.
      outs() << ", \"per_block\": [";
      for (size_t b = 0; b < result->perBlock.size(); ++b) {
        const BrierSums &p = result->perBlock[b];
        outs() << formatv("{0}[{1:f6}, {2:f6}, {3:f6}, {4:f6}, {5}]",
                          b ? ", " : "", p.sum[0], p.sum[1], p.sum[2], p.sum[3],
                          p.positions);
      }
      outs() << "]";
    }
    outs() << "}\n";
    return 0;
  }
  outs() << formatv("BrierLM {0:f2}  (Brier-1 {1:f4}, Brier-2 {2:f4}, "
                    "Brier-3 {3:f4}, Brier-4 {4:f4})\n",
                    total.brierLM(), bn[0], bn[1], bn[2], bn[3]);
  outs() << formatv("{0} tokens in {1} blocks of {2}, {3} positions, {4:f1} "
                    "s, numerics {5}\n",
                    tokens, blocks, blockSize.getValue(), total.positions,
                    seconds, runNumerics(loaded));
  return 0;
}

static int runServe() {
  if (parallel < 1 || parallel > 256)
    return fail("--parallel must be in [1, 256]");
  if (maxQueue < 0 || maxQueue > 4096)
    return fail("--max-queue must be in [0, 4096]");
  if (port < 0 || port > 65535)
    return fail("--port must be in [0, 65535]");
  if (maxBody < 1024)
    return fail("--max-body-bytes must be at least 1024");
  if (maxRounds < 1)
    return fail("--max-rounds must be at least 1");
  // SIGTERM and SIGINT are taken by one thread (sigwait), never by a worker
  // in the middle of a step: block them before any thread starts (the
  // compiler's and the linear layers' too). A client gone mid-write is an
  // error return, not SIGPIPE.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto model = loadRunModel();
  if (!model)
    return fail(model.takeError());
  LanguageModel &loaded = **model;
  ServerOptions options;
  options.host = host;
  options.port = port;
  options.parallel = parallel;
  options.maxQueue = maxQueue;
  options.maxBodyBytes = maxBody;
  options.maxRounds = maxRounds;
  options.numerics = runNumerics(loaded);
  options.log = !quiet;
  options.modelId = modelId;
  if (options.modelId.empty()) {
    StringRef dir = StringRef(modelDir).rtrim('/');
    options.modelId = sys::path::filename(dir).str();
  }
  Server server(loaded, options);
  auto bound = server.bind();
  if (!bound)
    return fail(bound.takeError());
  // The first SIGTERM/SIGINT stops the server gracefully (on a thread of
  // its own, since that waits for the completions in flight); a second
  // one ends the process at once. run()'s end wakes this thread with
  // SIGTERM and `served` set.
  std::atomic<bool> served{false};
  std::thread stopper;
  std::thread signals([&] {
    for (int count = 0;; ++count) {
      int received = 0;
      sigwait(&stopSignals, &received);
      if (served)
        return;
      const char *name = received == SIGTERM ? "SIGTERM" : "SIGINT";
      if (count > 0) {
        errs() << formatv("calm-run: {0} again: exiting without waiting\n",
                          name);
        std::_Exit(1);
      }
      errs() << formatv("calm-run: {0}: no new requests; finishing those in "
                        "flight (again to exit now)\n",
                        name);
      stopper = std::thread([&] { server.stop(); });
    }
  });
  errs() << formatv("calm-run: serving {0} ({1}, numerics {2}, context {3} "
                    "tokens) on http://{4}:{5} with {6} sessions ({7:f1} MB "
                    "KV cache each), queue {8}; {9}\n",
                    options.modelId,
                    loaded.getKind() == ModelKind::CALM ? "CALM"
                                                        : "token model",
                    options.numerics, loaded.getContextTokens(), options.host,
                    *bound, options.parallel, loaded.cacheBytes() / 1e6,
                    options.maxQueue, compileNote(loaded));
  bool ok = server.run();
  served = true;
  pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  if (stopper.joinable())
    stopper.join();
  if (!ok)
    return fail("the server's accept loop failed");
  errs() << "calm-run: stopped\n";
  return 0;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  // The compiled model allocates its large intermediates (batched
  // activations, attention scores) on every call; glibc would mmap and
  // unmap each, and the page faults of clearing them cost 12-20% of an eval
  // or a prefill. Keep them in the heap for reuse instead (32 MB is glibc's
  // largest mmap threshold; a larger value is refused).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "calm-run: compile and run Continuous Autoregressive Language Models\n");
  if (compileCommand)
    return runCompile();
  if (generateCommand)
    return runGenerate();
  if (evalCommand)
    return runEval();
  if (serveCommand)
    return runServe();
  return fail("give a command: compile, generate, eval or serve (see "
              "--help)");
}
