//===- TwinParityTest.cpp - the compiled token twin vs PyTorch ------------===//
//
// The token-level Llama (models/llama-tiny-twin) through the same builder and
// compiler as the CALM backbone, against the reference's fixtures
// (test/fixtures/README.md): logits of every position within 1e-4 of the
// largest, the greedy continuation token for token, and the exact-probability
// BrierLM on the held-out slice with the reference's own uniforms (same
// rollouts, P(y) to 1e-4 relative, same B_n).
//
//===----------------------------------------------------------------------===//

#include "FixtureUtils.h"
#include "generation/BrierLM.h"
#include "models/LlamaModel.h"

using namespace calm;
using namespace calm::test;

namespace {

std::unique_ptr<runtime::LlamaModel> loadShippedTwin() {
  runtime::ModelOptions options;
  options.compile.cacheDir = CALM_TEST_CACHE_DIR;
  options.build.maxChunks = 256;
  auto model =
      runtime::LlamaModel::load(kSource + "/models/llama-tiny-twin", options);
  if (!model) {
    ADD_FAILURE() << llvm::toString(model.takeError());
    return nullptr;
  }
  return std::move(*model);
}

TEST(TwinParity, LogitsAndGreedyTokens) {
  std::unique_ptr<runtime::LlamaModel> model = loadShippedTwin();
  ASSERT_NE(model, nullptr);
  Fixtures twin("twin");
  std::vector<int32_t> ids = twin.get<int32_t>("input_ids");
  std::vector<float> expectedSlice = twin.get<float>("logits_slice");
  std::vector<float> expectedLast = twin.get<float>("logits_last");
  std::vector<int32_t> expectedGreedy = twin.get<int32_t>("greedy_tokens");
  ASSERT_EQ(ids.size(), 32u);
  int64_t v = model->getConfig().vocabSize;
  std::vector<float> logits(v), slice;
  for (int32_t id : ids) {
    ASSERT_FALSE(bool(model->step(id, logits)));
    slice.insert(slice.end(), logits.begin(), logits.begin() + 256);
  }
  EXPECT_LE(relativeError(slice, expectedSlice), 1e-4);
  EXPECT_LE(relativeError(logits, expectedLast), 1e-4);
  std::vector<int32_t> greedy;
  for (size_t i = 0; i < expectedGreedy.size(); ++i) {
    int32_t next = static_cast<int32_t>(
        std::max_element(logits.begin(), logits.end()) - logits.begin());
    greedy.push_back(next);
    ASSERT_FALSE(bool(model->step(next, logits)));
  }
  EXPECT_EQ(greedy, expectedGreedy);
}

// The 32 tokens in two batched passes (13, then 19 at positions 13..31),
// against the reference's logits of every position.
TEST(TwinParity, PrefillLogits) {
  std::unique_ptr<runtime::LlamaModel> model = loadShippedTwin();
  ASSERT_NE(model, nullptr);
  Fixtures twin("twin");
  std::vector<int32_t> ids = twin.get<int32_t>("input_ids");
  ASSERT_EQ(ids.size(), 32u);
  int64_t v = model->getConfig().vocabSize;
  std::vector<float> logits(32 * v), slice;
  llvm::MutableArrayRef<float> out(logits);
  ASSERT_FALSE(bool(model->prefill(llvm::ArrayRef<int32_t>(ids).take_front(13),
                                   out.take_front(13 * v))));
  ASSERT_FALSE(bool(model->prefill(llvm::ArrayRef<int32_t>(ids).drop_front(13),
                                   out.drop_front(13 * v))));
  EXPECT_EQ(model->getPosition(), 32);
  for (int64_t t = 0; t < 32; ++t)
    slice.insert(slice.end(), logits.begin() + t * v,
                 logits.begin() + t * v + 256);
  EXPECT_LE(relativeError(slice, twin.get<float>("logits_slice")), 1e-4);
  EXPECT_LE(relativeError(std::vector<float>(logits.end() - v, logits.end()),
                          twin.get<float>("logits_last")),
            1e-4);
  int32_t bad[] = {1, static_cast<int32_t>(v)};
  EXPECT_EQ(llvm::toString(model->prefill(bad, out.take_front(2 * v))),
            llvm::formatv("token id {0} is outside the vocabulary [0, {0})", v)
                .str());
  EXPECT_EQ(model->getPosition(), 32);
}

// A generation's prompt: the same two passes computing only their last
// row's logits (llama_prefill_last) give the reference's last logits, the
// same bytes as the full prefill's last row (one row of the LM head either
// way), and the same KV cache, so the next step's logits agree too.
TEST(TwinParity, PrefillLastRowOnly) {
  std::unique_ptr<runtime::LlamaModel> model = loadShippedTwin();
  ASSERT_NE(model, nullptr);
  Fixtures twin("twin");
  std::vector<int32_t> ids = twin.get<int32_t>("input_ids");
  int64_t v = model->getConfig().vocabSize;
  std::vector<float> full(32 * v), last(v), stepFull(v), stepLast(v);
  llvm::MutableArrayRef<float> out(full);
  runtime::LlamaCache a = model->newCache(), b = model->newCache();
  ASSERT_FALSE(bool(model->prefill(
      a, llvm::ArrayRef<int32_t>(ids).take_front(13), out.take_front(13 * v))));
  ASSERT_FALSE(bool(model->prefill(
      a, llvm::ArrayRef<int32_t>(ids).drop_front(13), out.drop_front(13 * v))));
  ASSERT_FALSE(bool(model->prefillLast(
      b, llvm::ArrayRef<int32_t>(ids).take_front(13), last)));
  ASSERT_FALSE(bool(model->prefillLast(
      b, llvm::ArrayRef<int32_t>(ids).drop_front(13), last)));
  EXPECT_EQ(b.position, 32);
  EXPECT_LE(relativeError(last, twin.get<float>("logits_last")), 1e-4);
  EXPECT_EQ(last, std::vector<float>(full.end() - v, full.end()));
  ASSERT_FALSE(bool(model->step(a, ids[5], stepFull)));
  ASSERT_FALSE(bool(model->step(b, ids[5], stepLast)));
  EXPECT_EQ(stepFull, stepLast);
  // Errors as prefill's, leaving the cache as it was.
  int32_t bad[] = {1, static_cast<int32_t>(v)};
  EXPECT_EQ(llvm::toString(model->prefillLast(b, bad, last)),
            llvm::formatv("token id {0} is outside the vocabulary [0, {0})", v)
                .str());
  EXPECT_EQ(b.position, 33);
}

TEST(TwinParity, RewindRecomputesTheSameLogits) {
  std::unique_ptr<runtime::LlamaModel> model = loadShippedTwin();
  ASSERT_NE(model, nullptr);
  int64_t v = model->getConfig().vocabSize;
  std::vector<float> first(v), second(v), scratch(v);
  for (int32_t id : {4094, 67, 471})
    ASSERT_FALSE(bool(model->step(id, first)));
  // Overwrite position 2 with another token, rewind, redo: same logits.
  model->rewind(2);
  ASSERT_FALSE(bool(model->step(99, scratch)));
  model->rewind(2);
  ASSERT_FALSE(bool(model->step(471, second)));
  EXPECT_EQ(first, second);
}

TEST(TwinParity, BrierOnTheHeldOutSlice) {
  std::unique_ptr<runtime::LlamaModel> model = loadShippedTwin();
  ASSERT_NE(model, nullptr);
  Fixtures brier("brier");
  std::vector<int32_t> ids = brier.get<int32_t>("input_ids");
  std::vector<double> uniforms = brier.get<double>("twin_uniforms");
  std::vector<int32_t> expectedRollouts = brier.get<int32_t>("twin_rollouts");
  std::vector<double> expectedPY = brier.get<double>("twin_p_y");
  std::vector<double> expectedTerms = brier.get<double>("twin_terms");
  std::vector<int32_t> rollouts;
  std::vector<double> py;
  runtime::LlamaCache kv = model->newCache();
  auto result =
      runtime::twinBlockBrier(*model, kv, ids, 4, uniforms, &rollouts, &py);
  ASSERT_TRUE(static_cast<bool>(result)) << llvm::toString(result.takeError());
  runtime::BrierSums sums = *result;
  ASSERT_EQ(sums.positions, 63);
  // A rollout token can flip only where u falls within float error of a
  // CDF step; none does on this slice.
  EXPECT_EQ(rollouts, expectedRollouts);
  ASSERT_EQ(py.size(), expectedPY.size());
  for (size_t i = 0; i < py.size(); ++i)
    EXPECT_NEAR(py[i], expectedPY[i], 1e-4 * expectedPY[i] + 1e-12) << i;
  std::array<double, 4> expectedSum{};
  for (size_t p = 0; p < 63; ++p)
    for (size_t n = 0; n < 4; ++n)
      expectedSum[n] += expectedTerms[p * 4 + n];
  for (size_t n = 0; n < 4; ++n)
    EXPECT_NEAR(sums.sum[n], expectedSum[n], 1e-4) << "n = " << n + 1;
  // The reference's B_n and BrierLM, as the manifest states them.
  ManifestBrier reference = manifestBrier("twin");
  for (size_t n = 0; n < 4; ++n)
    EXPECT_NEAR(sums.means()[n], reference.b[n], 1e-5) << "n = " << n + 1;
  EXPECT_NEAR(sums.brierLM(), reference.brierLM, 1e-3);
}

} // namespace
