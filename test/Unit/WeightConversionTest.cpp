//===- WeightConversionTest.cpp - checkpoint tensors to f32 ---------------===//
//
// copyToF32 (runtime/CALMModel.h) on every weight dtype, against values
// computed here from the formats' definitions, and its refusal of NaN, inf
// and non-float tensors (the runtime reports them instead of generating
// garbage).
//
//===----------------------------------------------------------------------===//

#include "models/CALMModel.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>

using namespace calm::runtime;

namespace {

TensorView viewOf(const std::vector<uint8_t> &bytes, DType dtype,
                  int64_t count) {
  return TensorView{"w", dtype, {count}, bytes.data(), bytes.size()};
}

std::vector<uint8_t> le16(std::initializer_list<uint16_t> values) {
  std::vector<uint8_t> b;
  for (uint16_t v : values)
    b.push_back(v & 0xff), b.push_back(v >> 8);
  return b;
}

TEST(WeightConversion, BF16AndF16ToF32) {
  // bf16: 1.0 = 0x3F80, -2.5 = 0xC020, smallest subnormal 0x0001 = 2^-133.
  std::vector<uint8_t> bf16 = le16({0x3F80, 0xC020, 0x0001});
  std::vector<float> out(3);
  ASSERT_FALSE(bool(copyToF32(viewOf(bf16, DType::BF16, 3), "f", out.data())));
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -2.5f);
  EXPECT_EQ(out[2], std::ldexp(1.0f, -133));
  // f16: 1.0 = 0x3C00, 65504 = 0x7BFF, -0.5 = 0xB800, subnormals 2^-24 and
  // 3 * 2^-24, and 0x0200 = 2^-15.
  std::vector<uint8_t> f16 =
      le16({0x3C00, 0x7BFF, 0xB800, 0x0001, 0x0003, 0x0200});
  out.resize(6);
  ASSERT_FALSE(bool(copyToF32(viewOf(f16, DType::F16, 6), "f", out.data())));
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], 65504.0f);
  EXPECT_EQ(out[2], -0.5f);
  EXPECT_EQ(out[3], std::ldexp(1.0f, -24));
  EXPECT_EQ(out[4], 3 * std::ldexp(1.0f, -24));
  EXPECT_EQ(out[5], std::ldexp(1.0f, -15));
}

TEST(WeightConversion, NaNInfAndIntegersAreErrors) {
  std::vector<float> out(3);
  llvm::Error nan = copyToF32(viewOf(le16({0x3F80, 0x7FC0, 0}), DType::BF16, 3),
                              "ckpt.safetensors", out.data());
  ASSERT_TRUE(bool(nan));
  EXPECT_EQ(llvm::toString(std::move(nan)),
            "ckpt.safetensors: tensor 'w' holds NaN at element 1: refusing to "
            "run on it");
  llvm::Error inf = copyToF32(viewOf(le16({0x7C00}), DType::F16, 1),
                              "ckpt.safetensors", out.data());
  ASSERT_TRUE(bool(inf));
  EXPECT_EQ(llvm::toString(std::move(inf)),
            "ckpt.safetensors: tensor 'w' holds inf at element 0: refusing to "
            "run on it");
  std::vector<uint8_t> ints(8, 0);
  llvm::Error i32 = copyToF32(viewOf(ints, DType::I32, 2), "ckpt.safetensors",
                              out.data());
  ASSERT_TRUE(bool(i32));
  EXPECT_EQ(llvm::toString(std::move(i32)),
            "ckpt.safetensors: tensor 'w' has dtype I32; weights must be F32, "
            "F16 or BF16");
}

} // namespace
