//===- LMulSemanticsTest.cpp - the folder's semantics vs the reference ----===//
//
// calm.lmul's folder evaluates lmulBits(); the executed tests check the
// generated code against the same independent reference, so agreement here
// means folded and executed results agree bit for bit.
//
//===----------------------------------------------------------------------===//

#include "calm/Dialect/CALM/IR/LMulSemantics.h"
#include "LMulReference.h"
#include "calm/Dialect/CALM/IR/CALMOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"
#include "gtest/gtest.h"

#include <random>

using namespace mlir;

namespace {

struct Case {
  const calm_test::Format *ref;
  Type (*type)(MLIRContext &);
};

Type f32(MLIRContext &c) { return Float32Type::get(&c); }
Type bf16(MLIRContext &c) { return BFloat16Type::get(&c); }
Type f16(MLIRContext &c) { return Float16Type::get(&c); }
Type e4m3(MLIRContext &c) { return Float8E4M3FNType::get(&c); }
Type e5m2(MLIRContext &c) { return Float8E5M2Type::get(&c); }

const Case kCases[] = {{&calm_test::kF32, f32},
                       {&calm_test::kBF16, bf16},
                       {&calm_test::kF16, f16},
                       {&calm_test::kE4M3, e4m3},
                       {&calm_test::kE5M2, e5m2}};

TEST(LMulSemantics, FormatsMatchTypes) {
  MLIRContext context;
  for (const Case &c : kCases) {
    std::optional<calm::LMulFormat> f = calm::getLMulFormat(c.type(context));
    ASSERT_TRUE(f.has_value()) << c.ref->name;
    EXPECT_EQ(int(f->exponentBits), c.ref->E);
    EXPECT_EQ(int(f->mantissaBits), c.ref->M);
    EXPECT_EQ(f->hasInf, c.ref->hasInf);
    EXPECT_EQ(int(f->width()), int(c.type(context).getIntOrFloatBitWidth()));
  }
  EXPECT_FALSE(calm::getLMulFormat(Float64Type::get(&context)).has_value());
  EXPECT_FALSE(calm::getLMulFormat(IntegerType::get(&context, 32)).has_value());
}

TEST(LMulSemantics, OffsetsOfTheSpecTable) {
  // lmul.md's table of offsets.
  calm::LMulFormat f32{8, 23, true}, bf16{8, 7, true}, f16{5, 10, true},
      e4m3{4, 3, false}, e5m2{5, 2, true};
  EXPECT_EQ(calm::getLMulOffset(f32, 3), 0x3F700000u);
  EXPECT_EQ(calm::getLMulOffset(f32, 4), 0x3F700000u);
  EXPECT_EQ(calm::getLMulOffset(f32, 5), 0x3F780000u);
  EXPECT_EQ(calm::getLMulOffset(f32, 23), 0x3F780000u);
  EXPECT_EQ(calm::getLMulOffset(bf16, 7), 0x3F78u);
  EXPECT_EQ(calm::getLMulOffset(f16, 10), 0x3BC0u);
  EXPECT_EQ(calm::getLMulOffset(e4m3, 3), 0x37u);
  EXPECT_EQ(calm::getLMulOffset(e5m2, 2), 0x3Bu);
}

// Exhaustive for the 8-bit formats: every pair and every m.
TEST(LMulSemantics, ExhaustiveFp8) {
  MLIRContext context;
  for (const Case &c : {kCases[3], kCases[4]}) {
    calm::LMulFormat f = *calm::getLMulFormat(c.type(context));
    for (int m = 1; m <= c.ref->M; ++m)
      for (uint32_t x = 0; x < 256; ++x)
        for (uint32_t y = 0; y < 256; ++y)
          ASSERT_EQ(calm::lmulBits(f, x, y, m),
                    calm_test::lmulReference(*c.ref, x, y, m))
              << c.ref->name << " m=" << m << " x=" << x << " y=" << y;
  }
}

// Random bit patterns (every exponent, zero, subnormal, inf, NaN) for the
// wider formats and every m.
TEST(LMulSemantics, RandomWideFormats) {
  MLIRContext context;
  std::mt19937_64 rng(12345);
  for (const Case &c : {kCases[0], kCases[1], kCases[2]}) {
    calm::LMulFormat f = *calm::getLMulFormat(c.type(context));
    uint64_t mask = (uint64_t(1) << f.width()) - 1;
    for (int m = 1; m <= c.ref->M; ++m)
      for (int i = 0; i < 50000; ++i) {
        uint32_t x = rng() & mask, y = rng() & mask;
        // Half the time, put y's exponent where the product is in range.
        if (i & 1) {
          uint32_t xe = (x >> f.mantissaBits) & ((1u << f.exponentBits) - 1);
          int64_t ye = 2 * int64_t(f.bias()) - xe + int64_t(rng() % 7) - 3;
          if (ye > 0 && ye < (1 << f.exponentBits))
            y = (y & ~(((1u << f.exponentBits) - 1) << f.mantissaBits)) |
                (uint32_t(ye) << f.mantissaBits);
        }
        ASSERT_EQ(calm::lmulBits(f, x, y, m),
                  calm_test::lmulReference(*c.ref, x, y, m))
            << c.ref->name << " m=" << m << " x=" << x << " y=" << y;
      }
  }
}

// The op's folder goes through the same function, with APFloat plumbing.
TEST(LMulSemantics, FolderUsesTheSemantics) {
  MLIRContext context;
  context.loadDialect<calm::CALMDialect>();
  OpBuilder builder(&context);
  Location loc = builder.getUnknownLoc();
  Type type = Float8E4M3FNType::get(&context);
  auto constant = [&](uint32_t bits) {
    return arith::ConstantOp::create(
        builder, loc,
        FloatAttr::get(type,
                       APFloat(llvm::APFloat::Float8E4M3FN(), APInt(8, bits))));
  };
  auto module = ModuleOp::create(loc);
  builder.setInsertionPointToEnd(module.getBody());
  // 448 * 2 saturates to 448 (0x7E); NaN propagates (0x7F).
  for (auto [x, y, want] :
       {std::tuple{0x7Eu, 0x40u, 0x7Eu}, std::tuple{0x7Fu, 0x38u, 0x7Fu},
        std::tuple{0x3Cu, 0x3Cu, 0x41u}}) {
    auto op = calm::LMulOp::create(builder, loc, constant(x), constant(y),
                                   builder.getI32IntegerAttr(3));
    SmallVector<OpFoldResult> results;
    ASSERT_TRUE(succeeded(op->fold(results)));
    auto attr = dyn_cast<FloatAttr>(cast<Attribute>(results[0]));
    ASSERT_TRUE(attr);
    EXPECT_EQ(attr.getValue().bitcastToAPInt().getZExtValue(), want);
  }
  module->erase();
}

} // namespace
