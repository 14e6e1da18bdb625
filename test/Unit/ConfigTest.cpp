//===- ConfigTest.cpp - configs and checkpoint layout checks --------------===//

#include "io/Config.h"
#include "TempFiles.h"

#include "gtest/gtest.h"

#include <string>

using namespace calm::runtime;
using calm_test::writeSafeTensors;
using calm_test::writeText;

namespace {

const std::string kModels = std::string(CALM_SOURCE_DIR) + "/models/";

template <typename T> std::string errorOf(llvm::Expected<T> v) {
  return v ? std::string() : llvm::toString(v.takeError());
}
std::string errorOf(llvm::Error e) { return llvm::toString(std::move(e)); }

TEST(Config, ShippedModelsMatchTheOfficialLayout) {
  auto ae = readAutoencoderConfig(kModels + "calm-tiny-ae/config.json");
  ASSERT_TRUE(bool(ae)) << llvm::toString(ae.takeError());
  auto calm = readCALMConfig(kModels + "calm-tiny/config.json");
  ASSERT_TRUE(bool(calm)) << llvm::toString(calm.takeError());
  EXPECT_EQ(calm->patchSize, 4);
  EXPECT_EQ(calm->aePath, "../calm-tiny-ae");
  EXPECT_FALSE(bool(checkCompatible(*calm, *ae, "calm", "ae")));

  auto aeFile =
      SafeTensorsFile::open(kModels + "calm-tiny-ae/model.safetensors");
  ASSERT_TRUE(bool(aeFile));
  EXPECT_EQ(errorOf(checkLayout(**aeFile, getAutoencoderLayout(*ae), {},
                                {"decoder.lm_head_weight"})),
            "");
  // The CALM file carries the frozen autoencoder under ae_model.
  auto calmFile =
      SafeTensorsFile::open(kModels + "calm-tiny/model.safetensors");
  ASSERT_TRUE(bool(calmFile));
  std::vector<TensorSpec> all = getCALMLayout(*calm);
  for (TensorSpec &t : getAutoencoderLayout(*ae, "ae_model."))
    all.push_back(t);
  EXPECT_EQ(errorOf(checkLayout(**calmFile, all, {},
                                {"ae_model.decoder.lm_head_weight"})),
            "");
}

TEST(Config, BadConfigsGiveOneLineErrors) {
  std::string base =
      R"("vocab_size": 64, "hidden_size": 8, "intermediate_size": 16,
    "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 2,
    "max_position_embeddings": 32, "patch_size": 4, "latent_size": 4,
    "noise_size": 4, "num_mlp_layers": 1, "num_samples": 8, "eos_token_id": 2,
    "ae_path": "../ae")";
  struct Case {
    const char *name;
    std::string json;
    const char *expect;
  } cases[] = {
      {"ok", "{\"model_type\": \"energy\", " + base + "}", ""},
      {"type", "{\"model_type\": \"llama\", " + base + "}",
       "model_type must be \"energy\" (a CALM), got \"llama\""},
      {"json", "{\"model_type\": ", "malformed JSON"},
      // A string echoed from the file keeps the error on one line.
      {"control", "{\"model_type\": \"en\\nergy\", " + base + "}",
       "model_type must be \"energy\" (a CALM), got \"en\\x0Aergy\""},
      {"heads",
       "{\"model_type\": \"energy\", " +
           std::string(
               R"("vocab_size": 64, "hidden_size": 9, "intermediate_size": 16,
    "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 2,
    "max_position_embeddings": 32, "patch_size": 4, "latent_size": 4,
    "noise_size": 4, "num_mlp_layers": 1, "num_samples": 8, "eos_token_id": 2,
    "ae_path": "x"})"),
       "hidden_size 9 is not a multiple of num_attention_heads 2"},
      {"missing", R"({"model_type": "energy", "vocab_size": 64})",
       "missing key 'hidden_size'"},
      {"negative",
       "{\"model_type\": \"energy\", " + std::string(R"("vocab_size": -5})"),
       "'vocab_size' must be positive, got -5"},
  };
  for (const Case &c : cases) {
    std::string path = writeText(std::string(c.name) + ".json", c.json);
    std::string error = errorOf(readCALMConfig(path));
    if (!*c.expect) {
      EXPECT_EQ(error, "") << c.name;
      continue;
    }
    EXPECT_NE(error.find(c.expect), std::string::npos)
        << c.name << ": " << error;
    EXPECT_EQ(error.rfind(path, 0), 0u) << c.name << ": names the file";
    EXPECT_EQ(error.find('\n'), std::string::npos) << c.name;
  }
  // A K that does not match the autoencoder.
  CALMConfig calm{};
  calm.patchSize = 8;
  calm.latentSize = 4;
  calm.vocabSize = 64;
  AutoencoderConfig ae{64, 8, 16, 4, 4, 2, 2, 1e-6};
  EXPECT_NE(errorOf(checkCompatible(calm, ae, "c.json", "a.json"))
                .find("patch_size (K) 8 does not match the autoencoder's 4"),
            std::string::npos);
}

TEST(Config, LayoutDefectsAreNamed) {
  AutoencoderConfig ae{16, 2, 4, 1, 2, 2, 2, 1e-6};
  std::vector<TensorSpec> layout = getAutoencoderLayout(ae);
  // Build a header from the layout (F32), optionally altered.
  auto header = [&](const std::string &drop, const std::string &reshape,
                    const std::string &extra) {
    std::string h = "{";
    size_t off = 0;
    for (const TensorSpec &t : layout) {
      if (t.first == drop)
        continue;
      std::vector<int64_t> shape = t.second;
      if (t.first == reshape)
        shape.back() += 1;
      size_t n = 4;
      std::string dims;
      for (int64_t d : shape) {
        n *= d;
        dims += (dims.empty() ? "" : ",") + std::to_string(d);
      }
      h += "\"" + t.first + "\":{\"dtype\":\"F32\",\"shape\":[" + dims +
           "],\"data_offsets\":[" + std::to_string(off) + "," +
           std::to_string(off + n) + "]},";
      off += n;
    }
    if (!extra.empty())
      h += "\"" + extra +
           "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[" +
           std::to_string(off) + "," + std::to_string(off + 4) + "]},";
    h.back() = '}';
    return std::make_pair(h, off + (extra.empty() ? 0 : 4));
  };
  auto check = [&](const std::string &drop, const std::string &reshape,
                   const std::string &extra) {
    auto [h, bytes] = header(drop, reshape, extra);
    auto file =
        SafeTensorsFile::open(writeSafeTensors("m.safetensors", h, bytes));
    EXPECT_TRUE(bool(file));
    return errorOf(checkLayout(**file, layout));
  };
  EXPECT_EQ(check("", "", ""), "");
  EXPECT_NE(check("encoder.norm.weight", "", "")
                .find("missing tensor 'encoder.norm.weight'"),
            std::string::npos);
  EXPECT_NE(check("", "decoder.expand_layer.weight", "")
                .find("tensor 'decoder.expand_layer.weight' has shape [4, 3], "
                      "expected [4, 2]"),
            std::string::npos);
  EXPECT_NE(
      check("", "", "encoder.extra").find("unexpected tensor 'encoder.extra'"),
      std::string::npos);
}

} // namespace
