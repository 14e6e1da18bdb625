//===- SafeTensorsTest.cpp - the checkpoint reader on good and hostile files
//===//

#include "io/SafeTensors.h"
#include "TempFiles.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "gtest/gtest.h"

#include <fstream>
#include <optional>
#include <string>

using namespace calm::runtime;

namespace {

using calm_test::writeSafeTensors;

std::string errorOf(const std::string &path) {
  auto file = SafeTensorsFile::open(path);
  if (file)
    return "";
  return llvm::toString(file.takeError());
}

TEST(SafeTensors, ReadsAValidFile) {
  std::string path = writeSafeTensors(
      "ok.safetensors",
      R"({"__metadata__":{"format":"pt"},"b":{"dtype":"BF16","shape":[2,3],"data_offsets":[16,28]},)"
      R"("a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})",
      28);
  auto file = SafeTensorsFile::open(path);
  ASSERT_TRUE(bool(file)) << llvm::toString(file.takeError());
  ASSERT_EQ((*file)->getTensors().size(), 2u);
  EXPECT_EQ((*file)->getTensors()[0].name, "a"); // sorted by name
  const TensorView *b = (*file)->find("b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->dtype, DType::BF16);
  EXPECT_EQ(b->numElements(), 6);
  EXPECT_EQ(b->bytes, 12u);
  EXPECT_EQ((*file)->find("c"), nullptr);
  ASSERT_EQ((*file)->getMetadata().size(), 1u);
  EXPECT_EQ((*file)->getMetadata()[0].second, "pt");
}

TEST(SafeTensors, HostileFilesGiveOneLineErrors) {
  // llvm::json::parse recurses per level: refused before it runs.
  const std::string deep(100000, '[');
  struct Case {
    const char *name, *header;
    size_t data;
    std::optional<uint64_t> length;
    const char *expect;
  } cases[] = {
      {"short", "", 0, 3, "runs past the end of the file"},
      {"huge", "{}", 0, uint64_t(1) << 63, "exceeds the limit"},
      {"json", "{\"a\":", 0, {}, "malformed JSON header"},
      {"array", "[]", 0, {}, "the JSON header is not an object"},
      {"dtype",
       R"({"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}})",
       1,
       {},
       "tensor 'a': unsupported dtype 'Q4'"},
      {"fields",
       R"({"a":{"dtype":"F32"}})",
       0,
       {},
       "tensor 'a': needs dtype (string), shape and data_offsets"},
      {"negative",
       R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
       4,
       {},
       "shape entries must be non-negative"},
      {"mismatch",
       R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
       8,
       {},
       "tensor 'a': 8 bytes of data, but shape and dtype F32 need 12"},
      {"truncated",
       R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})",
       10,
       {},
       "run past the 10 bytes of data"},
      {"backwards",
       R"({"a":{"dtype":"U8","shape":[0],"data_offsets":[4,2]}})",
       4,
       {},
       "0 <= begin <= end"},
      {"overlap",
       R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
       12,
       {},
       "overlap"},
      // An empty tensor between two overlapping ones: each is compared
      // with the furthest-reaching tensor before it, not its neighbour.
      {"overlap-around-empty",
       R"({"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},"z":{"dtype":"U8","shape":[0],"data_offsets":[4,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[6,10]}})",
       10,
       {},
       "tensors 'a' and 'b' overlap"},
      {"deep",
       deep.c_str(),
       0,
       {},
       "malformed JSON header: nested deeper than 512 levels"},
      {"overflow",
       R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,4]}})",
       4,
       {},
       "shape overflows"},
  };
  for (const Case &c : cases) {
    std::string path = writeSafeTensors(std::string(c.name) + ".safetensors",
                                        c.header, c.data, c.length);
    std::string error = errorOf(path);
    EXPECT_NE(error.find(c.expect), std::string::npos)
        << c.name << ": got '" << error << "'";
    EXPECT_EQ(error.find('\n'), std::string::npos) << c.name;
    EXPECT_EQ(error.rfind(path, 0), 0u) << c.name << ": names the file";
  }
  EXPECT_NE(errorOf("/nonexistent/x.safetensors").find("cannot open"),
            std::string::npos);
  std::string tiny = writeSafeTensors("tiny.safetensors", "", 0, 0);
  std::ofstream(tiny, std::ios::binary | std::ios::trunc) << "abc";
  EXPECT_NE(errorOf(tiny).find("truncated: 3 bytes"), std::string::npos);
}

TEST(SafeTensors, ReadsTheShippedAutoencoder) {
  std::string path =
      std::string(CALM_SOURCE_DIR) + "/models/calm-tiny-ae/model.safetensors";
  auto file = SafeTensorsFile::open(path);
  ASSERT_TRUE(bool(file)) << llvm::toString(file.takeError());
  const TensorView *embed = (*file)->find("encoder.embed_tokens.weight");
  ASSERT_NE(embed, nullptr);
  EXPECT_EQ(embed->dtype, DType::BF16);
  EXPECT_EQ(embed->shape, (std::vector<int64_t>{4096, 256}));
  EXPECT_NE((*file)->find("decoder.norm.weight"), nullptr);
  // The tied output matrix is not saved.
  EXPECT_EQ((*file)->find("decoder.lm_head_weight"), nullptr);
}

} // namespace
