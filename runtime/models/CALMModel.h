//===- CALMModel.h - a loaded, compiled CALM ready to run -------*- C++ -*-===//
//
// Ties the runtime together: opens a CALM checkpoint (and its autoencoder),
// packs the weights into the flat f32 buffers the built module reads, builds
// and compiles the module with the chosen numerics (or takes the object from
// the cache), and calls its functions. Keeps the backbone's KV cache.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_MODELS_CALMMODEL_H
#define CALM_RUNTIME_MODELS_CALMMODEL_H

#include "io/Checkpoint.h"
#include "model/CompileOptions.h"
#include "model/MemRefViews.h"
#include "model/ModelCode.h"
#include "model/ModelLayout.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <mutex>

namespace calm::runtime {

/// Gives a CALM's compiled code for its configs and build options: compiled
/// in this process (CALMModel::load's two-argument form, runtime/Compiler),
/// or a model library checked against them (libcalm).
using CALMCodeSource =
    llvm::function_ref<llvm::Expected<std::unique_ptr<ModelCode>>(
        const CALMConfig &, const AutoencoderConfig &,
        const ModelBuildOptions &)>;

/// Where a model's load time went (seconds): getting its code (compiling,
/// the object cache or a model library), reading and packing its weights,
/// and all of load() (the checkpoint's validation included).
struct LoadTimes {
  double code = 0, weights = 0, total = 0;
};

struct ModelOptions {
  /// Overrides the config's ae_path.
  std::optional<std::string> aeDir;
  CompileOptions compile;
  ModelBuildOptions build;
};

/// One sequence's backbone state: K and V of every layer at each position
/// of the context, and how many positions are held. A model keeps one for
/// the calls that take none; more (CALMModel::newCache) let sequences be
/// prefilled at once on different threads.
struct CALMCache {
  std::vector<float> k, v;
  /// K and V in GPU memory instead, for a model on --device cuda.
  DeviceBuffer deviceK, deviceV;
  int64_t position = 0;
};

class CALMModel {
public:
  ~CALMModel();
  /// Opens, validates, packs, builds and compiles (or loads
  /// options.compile.library); defined with the compiler
  /// (runtime/CompiledModels.cpp).
  static llvm::Expected<std::unique_ptr<CALMModel>>
  load(llvm::StringRef dir, const ModelOptions &options);
  /// The same with the code from `source` (options.compile is not read).
  static llvm::Expected<std::unique_ptr<CALMModel>>
  load(llvm::StringRef dir, const ModelOptions &options, CALMCodeSource source);

  const CALMConfig &getConfig() const { return checkpoint->config; }
  const AutoencoderConfig &getAEConfig() const { return checkpoint->aeConfig; }
  const ModelCode &getCompiled() const { return *compiled; }
  /// Whether the code runs on the GPU (a model compiled for --device
  /// cuda): weights and KV caches live in GPU memory, and each call copies
  /// its arguments in and its results out.
  bool onGPU() const { return gpu; }
  const LoadTimes &getLoadTimes() const { return loadTimes; }
  /// Bytes of the weights as stored (CALM + autoencoder).
  uint64_t weightBytes() const;
  /// Bytes of the KV cache.
  uint64_t cacheBytes() const;

  /// Input compression of `n` chunks: ids [n, K] -> out [n, d].
  void inputCompress(llvm::ArrayRef<int32_t> ids,
                     llvm::MutableArrayRef<float> out);
  /// The first CUDA error of this thread's calls since its last
  /// clearDeviceError(), as one line, or success (the calls without a
  /// result, head, aeDecode, aeEncode, inputCompress, report theirs here;
  /// step and prefill fail with it). Success on the CPU.
  llvm::Error deviceStatus() const;
  /// Starts a unit of work on this thread (a generation, an evaluation, a
  /// block's prefill): earlier failures on it are forgotten, so that one
  /// failed request does not fail every later one.
  void clearDeviceError() const;
  /// Chunks held in the KV cache.
  int64_t getPosition() const { return cache.position; }
  void resetCache() { cache.position = 0; }
  /// Chunks a cache holds (--max-chunks).
  int64_t getMaxChunks() const { return build.maxChunks; }
  /// An empty cache of the model's context (--max-chunks), for prefill().
  CALMCache newCache() const;
  /// Appends one chunk (K ids) to the context; `hidden` [d] receives the
  /// backbone output at its position. Fails when the cache is full or an id
  /// is outside the vocabulary.
  llvm::Error step(llvm::ArrayRef<int32_t> chunk,
                   llvm::MutableArrayRef<float> hidden) {
    return step(cache, chunk, hidden);
  }
  llvm::Error step(CALMCache &kv, llvm::ArrayRef<int32_t> chunk,
                   llvm::MutableArrayRef<float> hidden);
  /// Appends M chunks (ids [M, K]) in one pass; `hidden` [M, d] receives the
  /// backbone output at each of their positions (row m conditions chunk m +
  /// 1). The same failures as step().
  llvm::Error prefill(llvm::ArrayRef<int32_t> chunks,
                      llvm::MutableArrayRef<float> hidden) {
    return prefill(cache, chunks, hidden);
  }
  /// The same on `cache` (from newCache) instead of the model's own; calls
  /// on different caches may run at once on different threads.
  llvm::Error prefill(CALMCache &kv, llvm::ArrayRef<int32_t> chunks,
                      llvm::MutableArrayRef<float> hidden);
  /// Energy head: hidden [d] and noise [S, E] -> latents [S, Z].
  void head(llvm::ArrayRef<float> hidden, llvm::ArrayRef<float> noise,
            llvm::MutableArrayRef<float> latents);
  /// Energy head, one draw per row: hidden [N, d] and noise [N, E] ->
  /// latents [N, Z].
  void headRows(llvm::ArrayRef<float> hidden, llvm::ArrayRef<float> noise,
                llvm::MutableArrayRef<float> latents);
  /// Autoencoder decoder: latents [N, Z] -> logits [N, K, V].
  void aeDecode(llvm::ArrayRef<float> latents,
                llvm::MutableArrayRef<float> logits);
  /// Decoded tokens (argmax) of latents [N, Z]: [N, K]. Decodes a slice of
  /// latents at a time (~128 MB of logits), so memory stays bounded. Safe to
  /// call from several threads at once (each takes its own logits buffer).
  std::vector<int32_t> decodeTokens(llvm::ArrayRef<float> latents);
  /// Autoencoder encoder: ids [N, K] -> mean, log_std [N, Z].
  void aeEncode(llvm::ArrayRef<int32_t> ids, llvm::MutableArrayRef<float> mean,
                llvm::MutableArrayRef<float> logStd);

private:
  CALMModel() = default;
  /// calm_energy_head(_rows): hidden [n, d], noise [n, s, E].
  void callHead(void *fn, llvm::ArrayRef<float> hidden, int64_t n, int64_t s,
                llvm::ArrayRef<float> noise,
                llvm::MutableArrayRef<float> latents);
  /// The weight buffers' descriptors where the code reads them.
  ByteBuffer calmWeightsArg() const {
    return gpu ? bytes(calmDevice) : bytes(calmWeights);
  }
  ByteBuffer aeWeightsArg() const {
    return gpu ? bytes(aeDevice) : bytes(aeWeights);
  }
  std::unique_ptr<CALMCheckpoint> checkpoint;
  std::unique_ptr<ModelCode> compiled;
  LoadTimes loadTimes;
  WeightBuffer calmWeights, aeWeights;
  bool gpu = false;
  DeviceBuffer calmDevice, aeDevice;
  CALMCache cache;
  /// Logits buffers of decodeTokens, kept for reuse (a fresh one per call
  /// costs its page faults): one per concurrent caller.
  std::mutex scratchLock;
  std::vector<std::vector<float>> freeScratch;
  ModelBuildOptions build;
  void *fnCompress = nullptr, *fnStep = nullptr, *fnPrefill = nullptr,
       *fnHead = nullptr, *fnHeadRows = nullptr, *fnEncode = nullptr,
       *fnDecode = nullptr;
};

/// Converts a checkpoint tensor (f32, f16 or bf16) to f32, rejecting NaN and
/// infinite values with a one-line error naming the file and the tensor.
llvm::Error copyToF32(const TensorView &tensor, llvm::StringRef path,
                      float *out);

/// Packs the weights of one buffer into `out`, then drops each tensor's
/// mapped file pages so they do not stay resident beside the copy. With a
/// manifest (CompiledModule::weightManifest(), calm-contractions-to-ukernels)
/// that lists `layout`'s buffer, each entry is stored as the manifest says:
/// f32, or packed once in its numerics form (runtime/ukernels). Without one,
/// every tensor of `layout` as f32 at its FlatLayout offset.
llvm::Error
packWeights(const FlatLayout &layout, llvm::StringRef manifest,
            llvm::function_ref<const TensorView *(llvm::StringRef)> find,
            llvm::StringRef path, WeightBuffer &out);

} // namespace calm::runtime

#endif // CALM_RUNTIME_MODELS_CALMMODEL_H
