//===- CAPI.cpp - libcalm: the runtime behind include/calm-c/calm.h -------===//
//
// A thin layer over CALMRuntimeCore's LanguageModel: arguments checked,
// errors turned into calm_last_error lines; every session has its own KV
// cache, so sessions of one model run at once on different threads. The models'
// code comes from a model library (loadModelLibrary): the one given, or one
// compiled on demand into the library cache by libcalm-compiler.so, loaded at
// run time. Nothing here links MLIR or LLVM beyond a private copy of Support.
//
//===----------------------------------------------------------------------===//

#include "calm-c/calm.h"

#include "CompilerLibrary.h"

#include "models/LanguageModel.h"
#include "ukernels/UKernels.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MD5.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/TargetParser/Host.h"

#include <dlfcn.h>
#include <mutex>

using namespace calm::runtime;

namespace {
thread_local std::string lastError;

/// Records `message` (one line) for calm_last_error.
void setError(const llvm::Twine &message) {
  lastError = message.str();
  std::replace(lastError.begin(), lastError.end(), '\n', ' ');
}
void setError(llvm::Error e) { setError(llvm::toString(std::move(e))); }

/// Model libraries leave the microkernels' entry point and memrefCopy
/// undefined: they resolve against this library, which must be in the
/// global scope even when its host opened it RTLD_LOCAL (ctypes does).
void exportToModelLibraries() {
  static bool done = [] {
    Dl_info info;
    if (dladdr(reinterpret_cast<void *>(&calm_api_version), &info) &&
        info.dli_fname)
      dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
    return true;
  }();
  (void)done;
}

/// An integer config field of a library's manifest.
std::optional<int64_t> manifestInteger(const ModelManifest &m,
                                       llvm::StringRef name) {
  for (const auto &[field, value] : m.config)
    if (field == name) {
      int64_t v;
      if (!llvm::StringRef(value).getAsInteger(10, v))
        return v;
    }
  return std::nullopt;
}
llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Where libraries compiled on demand are kept: $CALM_CACHE_DIR, else
/// $XDG_CACHE_HOME/calm, else ~/.cache/calm; under libraries/.
llvm::Expected<std::string> libraryCacheDir() {
  llvm::SmallString<256> dir;
  if (const char *env = getenv("CALM_CACHE_DIR"); env && *env) {
    dir = env;
  } else if (const char *xdg = getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    dir = xdg;
    llvm::sys::path::append(dir, "calm");
  } else if (const char *home = getenv("HOME"); home && *home) {
    dir = home;
    llvm::sys::path::append(dir, ".cache", "calm");
  } else {
    return makeError("compiling on demand needs a cache directory: set "
                     "CALM_CACHE_DIR (HOME is not set)");
  }
  llvm::sys::path::append(dir, "libraries");
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return makeError(llvm::Twine(dir) + ": " + ec.message());
  return std::string(dir);
}

/// The compiler library: $CALM_COMPILER_LIBRARY, else libcalm-compiler.so
/// in this libcalm's directory.
std::string compilerLibraryPath() {
  if (const char *env = getenv("CALM_COMPILER_LIBRARY"); env && *env)
    return env;
  Dl_info info;
  llvm::SmallString<256> path;
  if (dladdr(reinterpret_cast<void *>(&calm_api_version), &info) &&
      info.dli_fname)
    path = llvm::sys::path::parent_path(info.dli_fname);
  llvm::sys::path::append(path, "libcalm-compiler.so");
  return std::string(path);
}

/// The two entry points of the compiler library, opened once per process
/// (and kept: its code may not be unloaded while LLVM's statics live).
llvm::Expected<calm_compiler_compile_library_fn> openCompiler() {
  static std::mutex lock;
  static calm_compiler_compile_library_fn compile = nullptr;
  std::lock_guard<std::mutex> guard(lock);
  if (compile)
    return compile;
  std::string path = compilerLibraryPath();
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return makeError(llvm::Twine("compiling on demand needs the compiler "
                                 "library (set CALM_COMPILER_LIBRARY, or give "
                                 "a model library from `calm-run compile "
                                 "-o`): ") +
                     dlerror());
  auto version = reinterpret_cast<calm_compiler_abi_version_fn>(
      dlsym(handle, "calm_compiler_abi_version"));
  auto entry = reinterpret_cast<calm_compiler_compile_library_fn>(
      dlsym(handle, "calm_compiler_compile_library"));
  if (!version || !entry)
    return makeError(path + ": not a calm compiler library");
  if (version() != CALM_COMPILER_ABI_VERSION)
    return makeError(llvm::formatv("{0}: compiler ABI {1}, this libcalm "
                                   "needs {2}",
                                   path, version(), CALM_COMPILER_ABI_VERSION));
  compile = entry;
  return compile;
}

/// The bytes of `path`, or "" (a missing file changes the key too).
std::string fileText(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  return buffer ? (*buffer)->getBuffer().str() : std::string();
}

/// A model library for `modelDir` with `numerics`: the cached one, or one
/// compiled now. The key covers what the code depends on: the model's
/// path, its config and its autoencoder's, the numerics, the model ABI and
/// this CPU; the manifest check on open catches anything else.
llvm::Expected<std::string> libraryOnDemand(llvm::StringRef modelDir,
                                            llvm::StringRef numerics) {
  auto cache = libraryCacheDir();
  if (!cache)
    return cache.takeError();
  llvm::SmallString<256> dir(modelDir), configPath;
  llvm::sys::fs::make_absolute(dir);
  configPath = dir;
  llvm::sys::path::append(configPath, "config.json");
  std::string config = fileText(configPath);
  llvm::MD5 hash;
  for (llvm::StringRef part : {llvm::StringRef(dir), llvm::StringRef(config),
                               numerics, llvm::sys::getHostCPUName()}) {
    hash.update(part);
    hash.update(llvm::ArrayRef<uint8_t>{0});
  }
  hash.update(std::to_string(kModelABIVersion));
  if (auto parsed = llvm::json::parse(config)) {
    if (const llvm::json::Object *o = parsed->getAsObject())
      if (std::optional<llvm::StringRef> ae = o->getString("ae_path")) {
        llvm::SmallString<256> aeConfig(*ae);
        if (llvm::sys::path::is_relative(aeConfig))
          aeConfig = dir, llvm::sys::path::append(aeConfig, *ae);
        llvm::sys::path::append(aeConfig, "config.json");
        hash.update(fileText(aeConfig));
      }
  } else {
    llvm::consumeError(parsed.takeError());
  }
  llvm::MD5::MD5Result digest;
  hash.final(digest);
  llvm::SmallString<256> path(*cache);
  llvm::sys::path::append(path, digest.digest().str() + ".so");
  // One compile at a time in a process: two threads opening the same model
  // would otherwise link it under the same temporary name (it carries the
  // pid); the second then finds the first's library.
  static std::mutex compiling;
  std::lock_guard<std::mutex> guard(compiling);
  if (llvm::sys::fs::exists(path))
    return std::string(path);
  auto compile = openCompiler();
  if (!compile)
    return compile.takeError();
  std::string numericsText = numerics.str();
  char error[1024] = "";
  if ((*compile)(dir.c_str(), numericsText.c_str(), 0, path.c_str(), error,
                 sizeof error) != 0)
    return makeError(error);
  return std::string(path);
}
} // namespace

struct calm_model {
  std::unique_ptr<LanguageModel> model;
  std::string info;
};

struct calm_session {
  calm_model *model;
  std::unique_ptr<LanguageModel::Session> state;
  uint64_t seed;
  uint64_t calls = 0;
};

extern "C" {

int calm_api_version(void) { return CALM_API_VERSION; }

const char *calm_last_error(void) { return lastError.c_str(); }

calm_model *calm_model_open(const char *modelDir, const char *library,
                            const char *numerics, int threads) {
  lastError.clear();
  if (!modelDir)
    return setError("calm_model_open: model_dir is NULL"), nullptr;
  if (threads < 0 || threads > 1024)
    return setError(llvm::formatv("calm_model_open: threads must be 0..1024, "
                                  "got {0}",
                                  threads)),
           nullptr;
  exportToModelLibraries();
  calm::ukernels::setThreads(threads);
  llvm::SmallString<256> configPath(modelDir);
  llvm::sys::path::append(configPath, "config.json");
  auto kind = readModelKind(configPath);
  if (!kind)
    return setError(kind.takeError()), nullptr;
  // No library: compile one (or take the cached one), with f32 by default.
  std::string compiledLibrary;
  if (!library) {
    if (!numerics)
      numerics = "f32";
    auto onDemand = libraryOnDemand(modelDir, numerics);
    if (!onDemand)
      return setError(onDemand.takeError()), nullptr;
    compiledLibrary = std::move(*onDemand);
    library = compiledLibrary.c_str();
  }
  auto code = loadModelLibrary(library);
  if (!code)
    return setError(code.takeError()), nullptr;
  const ModelManifest &m = (*code)->getManifest();
  bool calm = *kind == ModelKind::CALM;
  // The context is the one the library was compiled for.
  std::optional<int64_t> context =
      manifestInteger(m, calm ? "max_chunks" : "max_tokens");
  if (!context || *context < 1)
    return setError(llvm::Twine(library) +
                    ": not a calm model library for this model (its manifest "
                    "has no context size)"),
           nullptr;
  // A token model's context is counted in chunks of kTwinChunkTokens; one
  // that is not a whole number of them is refused by the manifest check.
  int64_t contextChunks =
      calm ? *context
           : std::max<int64_t>(1, (*context + kTwinChunkTokens - 1) /
                                      kTwinChunkTokens);
  std::string wantedNumerics = numerics ? numerics : m.numerics;
  auto check =
      [&](ModelManifest wanted) -> llvm::Expected<std::unique_ptr<ModelCode>> {
    // The library decides where the model runs (a CUDA library: the GPU).
    wanted.device = m.device;
    if (llvm::Error e = checkModelManifest((*code)->getManifest(), wanted,
                                           numerics != nullptr, library))
      return std::move(e);
    return std::move(*code);
  };
  auto calmSource = [&](const CALMConfig &c, const AutoencoderConfig &ae,
                        const ModelBuildOptions &build) {
    return check(getCALMManifest(c, ae, build, wantedNumerics));
  };
  auto llamaSource = [&](const LlamaConfig &c, const ModelBuildOptions &build) {
    return check(getLlamaManifest(c, build, wantedNumerics));
  };
  auto opened = LanguageModel::open(modelDir, ModelOptions(), contextChunks,
                                    {calmSource, llamaSource});
  if (!opened)
    return setError(opened.takeError()), nullptr;
  std::unique_ptr<calm_model> model(new calm_model{std::move(*opened), ""});
  const LanguageModel &lm = *model->model;
  llvm::json::Object info{
      {"kind", calm ? "calm" : "llama"},
      {"numerics", lm.getCompiled().getManifest().numerics},
      {"cpu", lm.getCompiled().getManifest().cpu},
      {"device", lm.getCompiled().getManifest().device},
      {"vocab_size", lm.getVocabSize()},
      {"chunk_tokens", lm.getStepTokens()},
      {"context_tokens", calm ? lm.getContextTokens() : *context},
      {"eos_token_id", lm.getEOSTokenId()},
      {"library", library}};
  model->info = llvm::formatv("{0}", llvm::json::Value(std::move(info)));
  return model.release();
}

void calm_model_close(calm_model *model) { delete model; }

const char *calm_model_info(calm_model *model) {
  lastError.clear();
  if (!model)
    return setError("calm_model_info: model is NULL"), nullptr;
  return model->info.c_str();
}

calm_session *calm_session_new(calm_model *model, uint64_t seed) {
  lastError.clear();
  if (!model)
    return setError("calm_session_new: model is NULL"), nullptr;
  return new calm_session{model, model->model->newSession(), seed};
}

void calm_session_free(calm_session *session) { delete session; }

int64_t calm_generate(calm_session *session, const char *prompt,
                      size_t promptLen, int64_t maxTokens, double temperature,
                      int64_t samples, calm_text_fn onText, void *user) {
  lastError.clear();
  if (!session)
    return setError("calm_generate: session is NULL"), -1;
  if (!prompt && promptLen)
    return setError("calm_generate: prompt is NULL"), -1;
  if (samples < 0)
    return setError("calm_generate: samples must be at least 0"), -1;
  GenerateOptions options;
  options.maxTokens = maxTokens;
  options.sampling.temperature = temperature;
  options.sampling.samples = samples;
  options.seed = session->seed + session->calls++;
  auto sink = [&](llvm::StringRef text) {
    return onText && onText(text.data(), text.size(), user) != 0;
  };
  llvm::StringRef text(prompt ? prompt : "", promptLen);
  auto stats =
      session->model->model->generate(*session->state, text, options, sink);
  if (!stats)
    return setError(stats.takeError()), -1;
  return stats->tokens;
}

int calm_eval(calm_model *model, const char *text, size_t len,
              int64_t blockSize, uint64_t seed, double out[5]) {
  lastError.clear();
  if (!model || (!text && len) || !out)
    return setError("calm_eval: model, text or out is NULL"), -1;
  EvalOptions options;
  options.blockSize = blockSize;
  options.seed = seed;
  auto result =
      model->model->evaluate(llvm::StringRef(text ? text : "", len), options,
                             [](int64_t, int64_t, const BrierSums &) {});
  if (!result)
    return setError("calm_eval: " + llvm::toString(result.takeError())), -1;
  const BrierSums &sums = result->sums;
  std::array<double, 4> means = sums.means();
  for (int i = 0; i < 4; ++i)
    out[i] = means[i];
  out[4] = sums.brierLM();
  return 0;
}

int64_t calm_tokenize(calm_model *model, const char *text, size_t len,
                      int32_t *ids, int64_t capacity) {
  lastError.clear();
  if (!model || (!text && len) || (!ids && capacity) || capacity < 0)
    return setError("calm_tokenize: bad arguments (NULL model, text or ids, "
                    "or capacity < 0)"),
           -1;
  std::vector<int32_t> all = model->model->getTokenizer().encode(
      llvm::StringRef(text ? text : "", len));
  int64_t n = static_cast<int64_t>(all.size());
  std::copy_n(all.begin(), std::min(n, capacity), ids);
  return n;
}

int64_t calm_detokenize(calm_model *model, const int32_t *ids, int64_t n,
                        char *out, size_t capacity) {
  lastError.clear();
  if (!model || (!ids && n) || n < 0 || (!out && capacity))
    return setError("calm_detokenize: bad arguments (NULL model, ids or out, "
                    "or n < 0)"),
           -1;
  int64_t vocab = model->model->getVocabSize();
  for (int64_t i = 0; i < n; ++i)
    if (ids[i] < 0 || ids[i] >= vocab)
      return setError(llvm::formatv("calm_detokenize: id {0} is outside the "
                                    "vocabulary of {1}",
                                    ids[i], vocab)),
             -1;
  auto text =
      model->model->getTokenizer().decode(llvm::ArrayRef<int32_t>(ids, n));
  if (!text)
    return setError(text.takeError()), -1;
  std::copy_n(text->begin(), std::min(text->size(), capacity), out);
  return static_cast<int64_t>(text->size());
}

} // extern "C"
