//===- calm_stages.cpp - a CALM's stages on fixed inputs, dumped ----------===//
//
// Runs every compiled stage of a CALM model library (CPU or CUDA) on inputs
// fixed by a seed and writes the outputs, so that the GPU's can be compared
// with the CPU's stage by stage (compare_stages.py), and times the decode
// step. Built like libcalm: CALMRuntimeCore with a private static LLVM
// Support, so it runs on a machine without LLVM or MLIR (the GPU machine).
//
//   calm-gpu-stages MODEL_DIR LIBRARY OUT.bin [--steps N]
//
// OUT.bin: records of (name: 32 bytes, NUL-padded; count: int64 LE; count
// float32 LE values); token ids are stored as floats (exact below 2^24).
// stdout: one JSON line with the mean decode-step time (ms) and the bytes
// of all weights (CALM + autoencoder) as held.
//
//===----------------------------------------------------------------------===//

#include "models/CALMModel.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace calm::runtime;

namespace {

/// A generator whose sequence is the same for every build and library
/// (std distributions are not specified bit for bit).
struct SplitMix {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1) with 24 bits, as the sampler's noise.
  float uniform() { return static_cast<float>(next() >> 40) * 0x1p-24f; }
};

class Dump {
public:
  explicit Dump(const char *path) : file(std::fopen(path, "wb")) {}
  ~Dump() {
    if (file)
      std::fclose(file);
  }
  bool ok() const { return file != nullptr; }
  void add(const char *name, llvm::ArrayRef<float> values) {
    char padded[32] = {};
    std::strncpy(padded, name, sizeof(padded) - 1);
    int64_t count = values.size();
    std::fwrite(padded, 1, sizeof(padded), file);
    std::fwrite(&count, sizeof(count), 1, file);
    std::fwrite(values.data(), sizeof(float), values.size(), file);
  }
  void add(const char *name, llvm::ArrayRef<int32_t> ids) {
    std::vector<float> values(ids.begin(), ids.end());
    add(name, llvm::ArrayRef<float>(values));
  }

private:
  FILE *file;
};

int fail(const llvm::Twine &message) {
  llvm::errs() << "calm-gpu-stages: " << message << "\n";
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 4 && !(argc == 6 && std::strcmp(argv[4], "--steps") == 0))
    return fail("usage: calm-gpu-stages MODEL_DIR LIBRARY OUT.bin [--steps "
                "N]");
  int steps = argc == 6 ? std::atoi(argv[5]) : 32;
  std::string library = argv[2];
  auto source = [&](const CALMConfig &c, const AutoencoderConfig &ae,
                    const ModelBuildOptions &build)
      -> llvm::Expected<std::unique_ptr<ModelCode>> {
    auto code = loadModelLibrary(library);
    if (!code)
      return code.takeError();
    // The library decides the numerics and the device.
    ModelManifest wanted = getCALMManifest(c, ae, build, "");
    wanted.device = (*code)->getManifest().device;
    if (llvm::Error e = checkModelManifest((*code)->getManifest(), wanted,
                                           /*numericsGiven=*/false, library))
      return std::move(e);
    return std::move(*code);
  };
  ModelOptions options;
  // The context is the library's (its manifest's max_chunks).
  auto probe = loadModelLibrary(library);
  if (!probe)
    return fail(llvm::toString(probe.takeError()));
  for (const auto &[name, value] : (*probe)->getManifest().config)
    if (name == "max_chunks")
      options.build.maxChunks = std::stoll(value);
  probe->reset();
  auto loaded = CALMModel::load(argv[1], options, source);
  if (!loaded)
    return fail(llvm::toString(loaded.takeError()));
  CALMModel &model = **loaded;
  const CALMConfig &c = model.getConfig();
  const int64_t k = c.patchSize, d = c.hiddenSize, z = c.latentSize,
                e = c.noiseSize, v = c.vocabSize;
  Dump dump(argv[3]);
  if (!dump.ok())
    return fail(llvm::Twine(argv[3]) + ": cannot write it");

  SplitMix rng{20261203};
  const int64_t chunks = 16, draws = 8;
  std::vector<int32_t> ids(chunks * k);
  for (int32_t &id : ids)
    id = static_cast<int32_t>(rng.next() % uint64_t(v));
  dump.add("ids", llvm::ArrayRef<int32_t>(ids));

  std::vector<float> compressed(chunks * d);
  model.inputCompress(ids, compressed);
  dump.add("input_compress", compressed);

  std::vector<float> hidden(chunks * d);
  if (llvm::Error err = model.prefill(ids, hidden))
    return fail(llvm::toString(std::move(err)));
  dump.add("backbone_prefill", hidden);

  std::vector<int32_t> next(k);
  for (int32_t &id : next)
    id = static_cast<int32_t>(rng.next() % uint64_t(v));
  std::vector<float> last(d);
  if (llvm::Error err = model.step(next, last))
    return fail(llvm::toString(std::move(err)));
  dump.add("backbone_step", last);

  std::vector<float> noise(draws * e);
  for (float &x : noise)
    x = rng.uniform() - 0.5f;
  std::vector<float> latents(draws * z);
  model.head(last, noise, latents);
  dump.add("energy_head", latents);

  std::vector<float> rowNoise(chunks * e);
  for (float &x : rowNoise)
    x = rng.uniform() - 0.5f;
  std::vector<float> rowLatents(chunks * z);
  model.headRows(hidden, rowNoise, rowLatents);
  dump.add("energy_head_rows", rowLatents);

  std::vector<float> logits(draws * k * v);
  model.aeDecode(latents, logits);
  dump.add("ae_decode", logits);
  dump.add("ae_decode_tokens",
           llvm::ArrayRef<int32_t>(model.decodeTokens(latents)));

  std::vector<float> mean(chunks * z), logStd(chunks * z);
  model.aeEncode(ids, mean, logStd);
  dump.add("ae_encode_mean", mean);
  dump.add("ae_encode_log_std", logStd);
  if (llvm::Error err = model.deviceStatus())
    return fail(llvm::toString(std::move(err)));

  // Decode steps at a growing position, as generation runs them.
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i)
    if (llvm::Error err = model.step(next, last))
      return fail(llvm::toString(std::move(err)));
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  llvm::outs() << llvm::formatv(
      "{{\"device\": \"{0}\", \"steps\": {1}, \"step_ms\": {2:f3}, "
      "\"weight_bytes\": {3}}\n",
      model.onGPU() ? "cuda" : "cpu", steps,
      steps ? 1e3 * seconds / steps : 0.0, model.weightBytes());
  return 0;
}
