//===- ModelParityTest.cpp - compiled f32 model vs the PyTorch reference --===//
//
// Each decomposed stage (calm.ae_encode, calm.ae_decode, calm.input_compress,
// calm.energy_head) and the backbone step, compiled from the model builder's
// MLIR through the calm passes and the CPU pipeline, against the golden
// fixtures of tools/reference (float32 PyTorch on the same checkpoint).
// Tolerance: relative error (max |a - b| / max |b|) at most 1e-4 on latents
// and hidden states; decoded tokens identical (reconstruction counts: within
// 2 of 128 tokens).
//
//===----------------------------------------------------------------------===//

#include "FixtureUtils.h"
#include "generation/Reconstruction.h"

using namespace calm;
using namespace calm::test;

namespace {

constexpr double kTolerance = 1e-4;

class ModelParity : public ::testing::Test {
protected:
  static void SetUpTestSuite() { model = loadShippedCALM("f32").release(); }
  static void TearDownTestSuite() {
    delete model;
    model = nullptr;
  }
  void SetUp() override { ASSERT_NE(model, nullptr); }
  static runtime::CALMModel *model;
};
runtime::CALMModel *ModelParity::model = nullptr;

template <typename T>
std::vector<T> slice(const std::vector<T> &v, size_t begin, size_t n) {
  return std::vector<T>(v.begin() + begin, v.begin() + begin + n);
}

TEST_F(ModelParity, AutoencoderEncode) {
  Fixtures ae("ae");
  std::vector<int32_t> ids = ae.get<int32_t>("input_ids"); // [2, 16]
  size_t n = ids.size() / 4, z = 64;
  std::vector<float> mean(n * z), logStd(n * z);
  model->aeEncode(ids, mean, logStd);
  EXPECT_LE(relativeError(mean, ae.get<float>("enc_mean")), kTolerance);
  EXPECT_LE(relativeError(logStd, ae.get<float>("enc_log_std")), kTolerance);
}

TEST_F(ModelParity, AutoencoderDecode) {
  Fixtures ae("ae");
  std::vector<float> mean = ae.get<float>("enc_mean"); // [8 chunks, 64]
  size_t n = mean.size() / 64, v = 4096;
  std::vector<float> logits(n * 4 * v);
  model->aeDecode(mean, logits);
  std::vector<float> slice256, row0 = slice(logits, 0, v);
  for (size_t t = 0; t < n * 4; ++t)
    for (size_t j = 0; j < 256; ++j)
      slice256.push_back(logits[t * v + j]);
  EXPECT_LE(relativeError(slice256, ae.get<float>("dec_logits_slice")),
            kTolerance);
  EXPECT_LE(relativeError(row0, ae.get<float>("dec_logits_row0")), kTolerance);
  EXPECT_EQ(model->decodeTokens(mean), ae.get<int32_t>("dec_argmax"));
  EXPECT_EQ(model->decodeTokens(ae.get<float>("posterior_z")),
            ae.get<int32_t>("posterior_z_argmax"));
}

// eval --reconstruction's counts against the reference's decoded tokens,
// block by block: natural text (mostly right) and random ids (often wrong,
// so a count that ignored the decoder would not match). A token may flip
// where two logits are within float error of each other: at most 2 of 128.
TEST_F(ModelParity, ReconstructionCounts) {
  Fixtures ae("ae");
  std::vector<int32_t> ids = ae.get<int32_t>("recon_ids"); // [128]
  std::vector<int32_t> expected = ae.get<int32_t>("recon_argmax");
  ASSERT_EQ(ids.size(), 128u);
  std::vector<runtime::ReconstructionCounts> perBlock;
  auto total = runtime::evaluateReconstruction(
      *model, ids, 64, 2, [](int64_t, int64_t, auto &) {}, &perBlock);
  ASSERT_TRUE(static_cast<bool>(total)) << llvm::toString(total.takeError());
  ASSERT_EQ(perBlock.size(), 2u);
  int64_t wrongSomewhere = 0;
  for (size_t b = 0; b < 2; ++b) {
    int64_t tokens = 0, chunks = 0;
    for (size_t c = 0; c < 16; ++c) {
      bool whole = true;
      for (size_t j = 0; j < 4; ++j) {
        size_t t = b * 64 + c * 4 + j;
        tokens += expected[t] == ids[t];
        whole = whole && expected[t] == ids[t];
      }
      chunks += whole;
    }
    EXPECT_EQ(perBlock[b].tokens, 64);
    EXPECT_EQ(perBlock[b].chunks, 16);
    EXPECT_NEAR(perBlock[b].correctTokens, tokens, 2) << "block " << b;
    EXPECT_NEAR(perBlock[b].correctChunks, chunks, 2) << "block " << b;
    wrongSomewhere += 64 - tokens;
  }
  // The fixture exercises both outcomes.
  EXPECT_GT(wrongSomewhere, 0);
  EXPECT_GT(perBlock[0].correctTokens, 48);
  EXPECT_EQ(total->correctTokens,
            perBlock[0].correctTokens + perBlock[1].correctTokens);
  EXPECT_EQ(total->tokens, 128);
}

TEST_F(ModelParity, InputCompression) {
  Fixtures calm("calm");
  std::vector<int32_t> ids = calm.get<int32_t>("input_ids");
  std::vector<float> out(ids.size() / 4 * 256);
  model->inputCompress(ids, out);
  EXPECT_LE(relativeError(out, calm.get<float>("compress_out")), kTolerance);
}

TEST_F(ModelParity, BackboneSteps) {
  Fixtures calm("calm");
  std::vector<float> hidden = backbone(*model, calm.get<int32_t>("input_ids"));
  EXPECT_EQ(model->getPosition(), 8);
  EXPECT_LE(relativeError(hidden, calm.get<float>("hidden")), kTolerance);
}

// The same 8 chunks in two batched passes (3 chunks, then 5 at positions
// 3..7: rotary positions and the causal mask start past 0), against the
// reference's hidden states.
TEST_F(ModelParity, BackbonePrefill) {
  Fixtures calm("calm");
  std::vector<int32_t> ids = calm.get<int32_t>("input_ids"); // [8, 4]
  ASSERT_EQ(ids.size(), 32u);
  std::vector<float> hidden(8 * 256);
  model->resetCache();
  llvm::MutableArrayRef<float> out(hidden);
  ASSERT_FALSE(bool(model->prefill(llvm::ArrayRef<int32_t>(ids).take_front(12),
                                   out.take_front(3 * 256))));
  ASSERT_FALSE(bool(model->prefill(llvm::ArrayRef<int32_t>(ids).drop_front(12),
                                   out.drop_front(3 * 256))));
  EXPECT_EQ(model->getPosition(), 8);
  EXPECT_LE(relativeError(hidden, calm.get<float>("hidden")), kTolerance);
  // Past the cache's end: a one-line error, nothing written.
  std::vector<float> rows(2 * 256);
  model->resetCache();
  for (int i = 0; i < 63; ++i)
    ASSERT_FALSE(bool(model->prefill(llvm::ArrayRef<int32_t>(ids).take_front(4),
                                     llvm::MutableArrayRef<float>(rows)
                                         .take_front(256))));
  llvm::Error full =
      model->prefill(llvm::ArrayRef<int32_t>(ids).take_front(8), rows);
  EXPECT_EQ(llvm::toString(std::move(full)),
            "context is full: the KV cache holds 64 chunks (256 tokens)");
  EXPECT_EQ(model->getPosition(), 63);
}

TEST_F(ModelParity, EnergyHeadRows) {
  // One draw per row: row i of [8 x 4 draws] with its own hidden state.
  Fixtures calm("calm");
  std::vector<float> hidden = calm.get<float>("hidden");    // [8, 256]
  std::vector<float> noise = calm.get<float>("head_noise"); // [8, 4, 64]
  std::vector<float> rows;
  for (size_t i = 0; i < 8; ++i)
    for (int s = 0; s < 4; ++s)
      rows.insert(rows.end(), hidden.begin() + i * 256,
                  hidden.begin() + (i + 1) * 256);
  std::vector<float> out(8 * 4 * 64);
  model->headRows(rows, noise, out);
  EXPECT_LE(relativeError(out, calm.get<float>("head_out")), kTolerance);
}

TEST_F(ModelParity, EnergyHeadAndDecodedChunks) {
  Fixtures calm("calm");
  std::vector<float> hidden = calm.get<float>("hidden");  // [8, 256]
  std::vector<float> noise = calm.get<float>("head_noise"); // [8, 4, 64]
  std::vector<float> out(8 * 4 * 64);
  for (size_t i = 0; i < 8; ++i)
    model->head(slice(hidden, i * 256, 256), slice(noise, i * 256, 256),
                llvm::MutableArrayRef<float>(out).slice(i * 256, 256));
  EXPECT_LE(relativeError(out, calm.get<float>("head_out")), kTolerance);
  EXPECT_EQ(model->decodeTokens(out), calm.get<int32_t>("head_tokens"));
}

TEST_F(ModelParity, GenerationSteps) {
  // Two generation steps: head on the last hidden state, decode, append.
  Fixtures calm("calm");
  std::vector<float> hidden = backbone(*model, calm.get<int32_t>("input_ids"));
  std::vector<float> stepHidden = calm.get<float>("step_hidden");
  std::vector<float> stepNoise = calm.get<float>("step_noise");
  std::vector<int32_t> stepTokens = calm.get<int32_t>("step_tokens");
  std::vector<float> expectedLatents = calm.get<float>("step_latent");
  std::vector<float> current = slice(hidden, 7 * 256, 256);
  for (size_t s = 0; s < 2; ++s) {
    EXPECT_LE(relativeError(current, slice(stepHidden, s * 256, 256)),
              kTolerance)
        << "step " << s;
    std::vector<float> latent(64);
    model->head(current, slice(stepNoise, s * 64, 64), latent);
    EXPECT_LE(relativeError(latent, slice(expectedLatents, s * 64, 64)),
              kTolerance)
        << "step " << s;
    std::vector<int32_t> tokens = model->decodeTokens(latent);
    EXPECT_EQ(tokens, slice(stepTokens, s * 4, 4)) << "step " << s;
    // The reference appends the fixture's tokens (equal when the above holds).
    llvm::Error e = model->step(slice(stepTokens, s * 4, 4), current);
    ASSERT_FALSE(bool(e)) << llvm::toString(std::move(e));
  }
}

TEST_F(ModelParity, FullCacheAndBadIdsAreErrors) {
  model->resetCache();
  std::vector<float> hidden(256);
  llvm::Error bad = model->step({1, 2, 4096, 3}, hidden);
  ASSERT_TRUE(bool(bad));
  EXPECT_EQ(llvm::toString(std::move(bad)),
            "token id 4096 is outside the vocabulary [0, 4096)");
  for (int i = 0; i < 64; ++i)
    ASSERT_FALSE(bool(model->step({1, 2, 3, 4}, hidden)));
  llvm::Error full = model->step({1, 2, 3, 4}, hidden);
  ASSERT_TRUE(bool(full));
  EXPECT_EQ(llvm::toString(std::move(full)),
            "context is full: the KV cache holds 64 chunks (256 tokens)");
}

} // namespace
