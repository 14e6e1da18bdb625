//===- LlamaVariantsTest.cpp - Llama checkpoints people have vs PyTorch ---===//
//
// Small random checkpoints of the shapes SmolLM, TinyLlama and Llama 3.2
// save (test/fixtures/llama-variants, made by
// tools/reference/make_llama_variants.py): grouped-query attention, tied
// embeddings, rope_scaling llama3 and linear. Each through the same builder
// and compiler as the twin, against the reference's logits (every position,
// step by step and in two prefill passes, within 1e-4 of the largest) and
// its greedy continuation token for token.
//
//===----------------------------------------------------------------------===//

#include "FixtureUtils.h"
#include "models/LlamaModel.h"

using namespace calm;
using namespace calm::test;

namespace {

class LlamaVariants : public ::testing::TestWithParam<const char *> {
protected:
  std::string dir() const {
    return kSource + "/test/fixtures/llama-variants/" + GetParam();
  }
  Fixtures expected() const {
    return Fixtures(std::string("llama-variants/") + GetParam() + "/expected");
  }
  std::unique_ptr<runtime::LlamaModel> load() const {
    runtime::ModelOptions options;
    options.compile.cacheDir = CALM_TEST_CACHE_DIR;
    options.build.maxChunks = 64;
    auto model = runtime::LlamaModel::load(dir(), options);
    if (!model) {
      ADD_FAILURE() << llvm::toString(model.takeError());
      return nullptr;
    }
    return std::move(*model);
  }
};

/// Logits [T, V] -> their first 256 vocabulary columns, row by row.
std::vector<float> slice256(llvm::ArrayRef<float> logits, int64_t v) {
  std::vector<float> out;
  for (size_t t = 0; t * v < logits.size(); ++t)
    out.insert(out.end(), logits.begin() + t * v, logits.begin() + t * v + 256);
  return out;
}

TEST_P(LlamaVariants, StepLogitsAndGreedyTokens) {
  std::unique_ptr<runtime::LlamaModel> model = load();
  ASSERT_NE(model, nullptr);
  Fixtures fx = expected();
  std::vector<int32_t> ids = fx.get<int32_t>("input_ids");
  std::vector<int32_t> expectedGreedy = fx.get<int32_t>("greedy_tokens");
  ASSERT_EQ(ids.size(), 40u);
  int64_t v = model->getConfig().vocabSize;
  std::vector<float> logits(v), all;
  for (int32_t id : ids) {
    ASSERT_FALSE(bool(model->step(id, logits)));
    all.insert(all.end(), logits.begin(), logits.end());
  }
  EXPECT_LE(relativeError(slice256(all, v), fx.get<float>("logits_slice")),
            1e-4);
  EXPECT_LE(relativeError(logits, fx.get<float>("logits_last")), 1e-4);
  std::vector<int32_t> greedy;
  for (size_t i = 0; i < expectedGreedy.size(); ++i) {
    greedy.push_back(static_cast<int32_t>(
        std::max_element(logits.begin(), logits.end()) - logits.begin()));
    ASSERT_FALSE(bool(model->step(greedy.back(), logits)));
  }
  EXPECT_EQ(greedy, expectedGreedy);
}

TEST_P(LlamaVariants, PrefillLogits) {
  std::unique_ptr<runtime::LlamaModel> model = load();
  ASSERT_NE(model, nullptr);
  Fixtures fx = expected();
  std::vector<int32_t> ids = fx.get<int32_t>("input_ids");
  ASSERT_EQ(ids.size(), 40u);
  int64_t v = model->getConfig().vocabSize;
  std::vector<float> logits(40 * v);
  llvm::MutableArrayRef<float> out(logits);
  // 17 then 23 tokens: the second pass reads the first's cache entries.
  ASSERT_FALSE(bool(model->prefill(llvm::ArrayRef<int32_t>(ids).take_front(17),
                                   out.take_front(17 * v))));
  ASSERT_FALSE(bool(model->prefill(llvm::ArrayRef<int32_t>(ids).drop_front(17),
                                   out.drop_front(17 * v))));
  EXPECT_LE(relativeError(slice256(logits, v), fx.get<float>("logits_slice")),
            1e-4);
}

INSTANTIATE_TEST_SUITE_P(Checkpoints, LlamaVariants,
                         ::testing::Values("llama32-style", "tinyllama-style"),
                         [](const auto &info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// The variants' features are what the fixtures claim: a test that passed on
// a plain Llama would prove nothing.
TEST(LlamaVariantsConfig, FeaturesArePresent) {
  auto llama32 = runtime::readLlamaConfig(
      kSource + "/test/fixtures/llama-variants/llama32-style/config.json");
  ASSERT_TRUE(bool(llama32)) << llvm::toString(llama32.takeError());
  EXPECT_EQ(llama32->numAttentionHeads, 4 * llama32->numKeyValueHeads);
  EXPECT_TRUE(llama32->tieWordEmbeddings);
  EXPECT_EQ(llama32->ropeScaling.kind, runtime::RopeScaling::Kind::Llama3);
  auto tiny = runtime::readLlamaConfig(
      kSource + "/test/fixtures/llama-variants/tinyllama-style/config.json");
  ASSERT_TRUE(bool(tiny)) << llvm::toString(tiny.takeError());
  EXPECT_EQ(tiny->numKeyValueHeads, 1);
  EXPECT_FALSE(tiny->tieWordEmbeddings);
  EXPECT_EQ(tiny->ropeScaling.kind, runtime::RopeScaling::Kind::Linear);
}

// transformers' llama3 rescaling on a head of 8 (theta 10^4, factor 8,
// bands at wavelengths 16 and 64 of an original context of 64): frequency
// 0 is kept (wavelength 6.3), 1 interpolated (62.8), 2 and 3 divided by 8.
// Values from the reference's rope_inv_freq.
TEST(LlamaVariantsConfig, Llama3Frequencies) {
  runtime::RopeScaling s;
  s.kind = runtime::RopeScaling::Kind::Llama3;
  s.factor = 8;
  s.lowFreqFactor = 1;
  s.highFreqFactor = 4;
  s.originalMaxPositions = 64;
  std::vector<float> f = runtime::ropeInverseFrequencies(8, 10000.0, s);
  ASSERT_EQ(f.size(), 4u);
  EXPECT_FLOAT_EQ(f[0], 1.0f);
  EXPECT_FLOAT_EQ(f[1], 0.013042256f);
  EXPECT_FLOAT_EQ(f[2], 0.01f / 8);
  EXPECT_FLOAT_EQ(f[3], 0.001f / 8);
}

} // namespace
