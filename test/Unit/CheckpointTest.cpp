//===- CheckpointTest.cpp - opening CALM directories ----------------------===//

#include "io/Checkpoint.h"
#include "TempFiles.h"

#include "llvm/Support/FileSystem.h"
#include "gtest/gtest.h"

#include <fstream>

using namespace calm::runtime;

namespace {

const std::string kModels = std::string(CALM_SOURCE_DIR) + "/models/";

std::string errorOf(llvm::Expected<std::unique_ptr<CALMCheckpoint>> c) {
  return c ? std::string() : llvm::toString(c.takeError());
}

TEST(Checkpoint, OpensTheShippedCALM) {
  auto ckpt = openCALMCheckpoint(kModels + "calm-tiny");
  ASSERT_TRUE(bool(ckpt)) << llvm::toString(ckpt.takeError());
  EXPECT_EQ((*ckpt)->config.hiddenSize, 256);
  EXPECT_TRUE((*ckpt)->aeOutputTied());
  EXPECT_NE((*ckpt)->calmTensor("mlp_generator.noise_embd.weight"), nullptr);
  // The embedded copy wins, and the tied output is the embedding.
  const TensorView *out = (*ckpt)->aeTensor("decoder.lm_head_weight");
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->name, "ae_model.encoder.embed_tokens.weight");
  // A missing autoencoder is named.
  std::string error = errorOf(
      openCALMCheckpoint(kModels + "calm-tiny", std::string("/nonexistent")));
  EXPECT_NE(
      error.find("autoencoder config not found at /nonexistent/config.json"),
      std::string::npos)
      << error;
}

/// Writes `specs` (F32) as safetensors shards of `dir`: tensor i goes to
/// shard i % shards; with shards > 1 an index maps them. `rename` edits names.
void writeCheckpoint(const std::string &dir,
                     const std::vector<TensorSpec> &specs, int shards,
                     std::function<std::string(std::string)> rename,
                     const std::string &corruptMapping = "") {
  llvm::sys::fs::create_directories(dir);
  std::vector<std::string> headers(shards, "{");
  std::vector<size_t> sizes(shards, 0);
  std::string map = "{\"weight_map\":{";
  for (size_t i = 0; i < specs.size(); ++i) {
    int s = int(i % shards);
    size_t n = 4;
    std::string dims;
    for (int64_t d : specs[i].second) {
      n *= d;
      dims += (dims.empty() ? "" : ",") + std::to_string(d);
    }
    std::string name = rename(specs[i].first);
    headers[s] += "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[" + dims +
                  "],\"data_offsets\":[" + std::to_string(sizes[s]) + "," +
                  std::to_string(sizes[s] + n) + "]},";
    sizes[s] += n;
    int mapped = name == corruptMapping ? (s + 1) % shards : s;
    map += "\"" + name + "\":\"model-" + std::to_string(mapped) +
           ".safetensors\",";
  }
  map.back() = '}';
  map += "}";
  for (int s = 0; s < shards; ++s) {
    headers[s].back() = '}';
    std::string file =
        shards == 1 ? dir + "/model.safetensors"
                    : dir + "/model-" + std::to_string(s) + ".safetensors";
    std::ofstream out(file, std::ios::binary);
    uint64_t len = headers[s].size();
    for (int i = 0; i < 8; ++i)
      out.put(char((len >> (8 * i)) & 0xFF));
    out << headers[s] << std::string(sizes[s], '\0');
  }
  if (shards > 1)
    std::ofstream(dir + "/model.safetensors.index.json") << map;
}

const char *kAEConfig =
    R"({"vocab_size": 16, "hidden_size": 4, "intermediate_size": 8,
  "latent_size": 2, "patch_size": 2, "num_encoder_layers": 2, "num_decoder_layers": 2})";

std::string calmConfig(int patch) {
  return R"({"model_type": "energy", "vocab_size": 16, "hidden_size": 4,
    "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2,
    "num_key_value_heads": 2, "max_position_embeddings": 32, "patch_size": )" +
         std::to_string(patch) + R"(, "latent_size": 2, "noise_size": 3,
    "num_mlp_layers": 1, "num_samples": 8, "eos_token_id": 1, "ae_path": "../ae"})";
}

TEST(Checkpoint, ShardedRenamedHeadSeparateAutoencoder) {
  llvm::SmallString<128> root;
  llvm::sys::fs::createUniqueDirectory("calm-ckpt", root);
  std::string calmDir = std::string(root) + "/calm",
              aeDir = std::string(root) + "/ae";
  llvm::sys::fs::create_directories(calmDir);
  llvm::sys::fs::create_directories(aeDir);
  std::ofstream(aeDir + "/config.json") << kAEConfig;
  std::ofstream(calmDir + "/config.json") << calmConfig(2);
  AutoencoderConfig ae = *readAutoencoderConfig(aeDir + "/config.json");
  CALMConfig calm = *readCALMConfig(calmDir + "/config.json");
  auto same = [](std::string n) { return n; };
  auto head = [](std::string n) {
    return n.rfind("mlp_generator.", 0) == 0 ? "generative_head." + n.substr(14)
                                             : n;
  };
  writeCheckpoint(aeDir, getAutoencoderLayout(ae), 1, same);
  writeCheckpoint(calmDir, getCALMLayout(calm), 3, head);

  auto ckpt = openCALMCheckpoint(calmDir);
  ASSERT_TRUE(bool(ckpt)) << llvm::toString(ckpt.takeError());
  const TensorView *t = (*ckpt)->calmTensor("mlp_generator.hidden_embd.weight");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->name, "generative_head.hidden_embd.weight");
  EXPECT_EQ((*ckpt)->aeTensor("encoder.norm.weight")->name,
            "encoder.norm.weight");

  // A shard index that points a tensor at the wrong shard.
  writeCheckpoint(calmDir, getCALMLayout(calm), 3, same, "embed_proj.0.bias");
  std::string error = errorOf(openCALMCheckpoint(calmDir));
  EXPECT_NE(error.find("tensor 'embed_proj.0.bias' is not in model-"),
            std::string::npos)
      << error;

  // K that does not match the autoencoder.
  std::ofstream(calmDir + "/config.json", std::ios::trunc) << calmConfig(4);
  error = errorOf(openCALMCheckpoint(calmDir));
  EXPECT_NE(error.find("patch_size (K) 4 does not match the autoencoder's 2"),
            std::string::npos)
      << error;

  // The autoencoder directory without weights.
  std::ofstream(calmDir + "/config.json", std::ios::trunc) << calmConfig(2);
  writeCheckpoint(calmDir, getCALMLayout(calm), 1, same);
  llvm::sys::fs::remove(calmDir + "/model.safetensors.index.json");
  llvm::sys::fs::remove(aeDir + "/model.safetensors");
  error = errorOf(openCALMCheckpoint(calmDir));
  EXPECT_NE(error.find("no model.safetensors or model.safetensors.index.json"),
            std::string::npos)
      << error;
}

} // namespace
