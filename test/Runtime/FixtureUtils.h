//===- FixtureUtils.h - golden fixtures for the model tests -----*- C++ -*-===//

#ifndef CALM_TEST_RUNTIME_FIXTUREUTILS_H
#define CALM_TEST_RUNTIME_FIXTUREUTILS_H

#include "io/SafeTensors.h"
#include "models/CALMModel.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace calm::test {

inline const std::string kSource = CALM_SOURCE_DIR;

/// A fixture file of test/fixtures (made by tools/reference/make_fixtures.py).
class Fixtures {
public:
  explicit Fixtures(const std::string &name) {
    auto file = runtime::SafeTensorsFile::open(kSource + "/test/fixtures/" +
                                               name + ".safetensors");
    if (!file)
      ADD_FAILURE() << llvm::toString(file.takeError());
    else
      this->file = std::move(*file);
  }
  template <typename T> std::vector<T> get(const std::string &key) const {
    const runtime::TensorView *t = file ? file->find(key) : nullptr;
    if (!t) {
      ADD_FAILURE() << "fixture tensor " << key << " missing";
      return {};
    }
    std::vector<T> out(t->bytes / sizeof(T));
    std::memcpy(out.data(), t->data, t->bytes);
    return out;
  }

private:
  std::unique_ptr<runtime::SafeTensorsFile> file;
};

/// The reference's B_1..B_4 and BrierLM of the BrierLM slice (manifest.json
/// "brier"."calm" or "brier"."twin"), for `kind` "calm" or "twin".
struct ManifestBrier {
  std::array<double, 4> b{};
  double brierLM = 0;
};
inline ManifestBrier manifestBrier(const std::string &kind) {
  ManifestBrier out;
  auto buffer =
      llvm::MemoryBuffer::getFile(kSource + "/test/fixtures/manifest.json");
  if (!buffer) {
    ADD_FAILURE() << "test/fixtures/manifest.json: "
                  << buffer.getError().message();
    return out;
  }
  auto json = llvm::json::parse((*buffer)->getBuffer());
  if (!json) {
    ADD_FAILURE() << llvm::toString(json.takeError());
    return out;
  }
  const llvm::json::Object *entry = nullptr;
  if (const auto *root = json->getAsObject())
    if (const auto *brier = root->getObject("brier"))
      entry = brier->getObject(kind);
  const llvm::json::Array *b = entry ? entry->getArray("B") : nullptr;
  if (!b || b->size() != 4 || !entry->getNumber("BrierLM")) {
    ADD_FAILURE() << "manifest.json: no brier." << kind << " B[4] and BrierLM";
    return out;
  }
  for (size_t n = 0; n < 4; ++n)
    out.b[n] = (*b)[n].getAsNumber().value_or(0.0);
  out.brierLM = *entry->getNumber("BrierLM");
  return out;
}

/// max |a - b| / max |b|: the error measure of the fixtures' README.
inline double relativeError(const std::vector<float> &a,
                            const std::vector<float> &b) {
  EXPECT_EQ(a.size(), b.size());
  double diff = 0, scale = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (!std::isfinite(a[i]))
      return INFINITY;
    diff = std::max(diff, std::fabs(double(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(double(b[i])));
  }
  return diff / scale;
}

/// Opens the shipped CALM compiled with `numerics`.
inline std::unique_ptr<runtime::CALMModel>
loadShippedCALM(const std::string &numerics) {
  runtime::ModelOptions options;
  std::string error;
  auto selection = mlir::calm::parseNumericsSelection(numerics, error);
  EXPECT_TRUE(selection.has_value()) << error;
  if (!selection)
    return nullptr;
  options.compile.numerics = *selection;
  options.compile.cacheDir = CALM_TEST_CACHE_DIR;
  options.build.maxChunks = 64;
  auto model = runtime::CALMModel::load(kSource + "/models/calm-tiny", options);
  if (!model) {
    ADD_FAILURE() << llvm::toString(model.takeError());
    return nullptr;
  }
  return std::move(*model);
}

/// Runs the backbone over `ids` (whole chunks); hidden states [n, d].
inline std::vector<float> backbone(runtime::CALMModel &model,
                                   const std::vector<int32_t> &ids) {
  int64_t k = model.getConfig().patchSize, d = model.getConfig().hiddenSize;
  std::vector<float> hidden(ids.size() / k * d);
  model.resetCache();
  for (size_t c = 0; c < ids.size() / k; ++c) {
    llvm::Error e = model.step(llvm::ArrayRef<int32_t>(ids).slice(c * k, k),
                               llvm::MutableArrayRef<float>(hidden).slice(c * d, d));
    EXPECT_FALSE(bool(e)) << llvm::toString(std::move(e));
  }
  return hidden;
}

} // namespace calm::test

#endif // CALM_TEST_RUNTIME_FIXTUREUTILS_H
