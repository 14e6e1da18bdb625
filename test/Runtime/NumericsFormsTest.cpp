//===- NumericsFormsTest.cpp - every numerics form end to end -------------===//
//
// Compiles the shipped CALM in each numerics form (all contractions, and
// per role), runs the backbone over the fixture's 8 chunks and the energy
// head on the fixture's hidden states and noise, and reports the relative
// deviation from the f32 reference. Fails on NaN/inf or on a deviation
// outside the form's window [floor, bound]:
//  - the bound (docs/QUANT.md, "Whole-model deviation") is about 3x the
//    deviation measured when it was set: a regression that doubles a form's
//    error still passes, one that breaks the form does not;
//  - the floor is about 1/4 of it, and at least 20x what f32 itself gives
//    (the "f32" row, ~1e-7): a form that silently ran in f32, or a role
//    selection that was ignored (attention=lmul:4 computing attention in
//    f32), falls below it. Where a role leaves a stage in f32 (the head of
//    attention=lmul:4 reads the fixture's hidden states), that stage's
//    window is f32's.
//
//===----------------------------------------------------------------------===//

#include "FixtureUtils.h"

#include "llvm/Support/FormatVariadic.h"

using namespace calm;
using namespace calm::test;

namespace {

struct FormCase {
  const char *numerics;
  double hiddenFloor, hiddenBound, headFloor, headBound;
};

void PrintTo(const FormCase &c, std::ostream *os) { *os << c.numerics; }

class NumericsForms : public ::testing::TestWithParam<FormCase> {};

TEST_P(NumericsForms, DeviationFromF32IsBounded) {
  const FormCase &form = GetParam();
  std::unique_ptr<runtime::CALMModel> model = loadShippedCALM(form.numerics);
  ASSERT_NE(model, nullptr);
  Fixtures calm("calm");
  std::vector<float> hidden = backbone(*model, calm.get<int32_t>("input_ids"));
  std::vector<float> reference = calm.get<float>("hidden");
  std::vector<float> noise = calm.get<float>("head_noise");
  std::vector<float> out(8 * 4 * 64);
  for (size_t i = 0; i < 8; ++i)
    model->head(
        std::vector<float>(reference.begin() + i * 256,
                           reference.begin() + (i + 1) * 256),
        std::vector<float>(noise.begin() + i * 256, noise.begin() + (i + 1) * 256),
        llvm::MutableArrayRef<float>(out).slice(i * 256, 256));
  double hiddenError = relativeError(hidden, reference);
  double headError = relativeError(out, calm.get<float>("head_out"));
  std::cout << llvm::formatv("[ numerics ] {0,-28} hidden {1:e2}  head {2:e2}\n",
                             form.numerics, hiddenError, headError)
                   .str();
  EXPECT_TRUE(std::isfinite(hiddenError) && std::isfinite(headError));
  EXPECT_LE(hiddenError, form.hiddenBound);
  EXPECT_LE(headError, form.headBound);
  EXPECT_GE(hiddenError, form.hiddenFloor)
      << "the backbone deviates less than " << form.numerics
      << " must: did it run in f32?";
  EXPECT_GE(headError, form.headFloor)
      << "the head deviates less than " << form.numerics
      << " must: did it run in f32?";
}

INSTANTIATE_TEST_SUITE_P(
    AllForms, NumericsForms,
    // {form, hidden floor, hidden bound, head floor, head bound}; measured
    // on the shipped models (hidden, head): bf16 8.6e-4 2.2e-3, f16 7.4e-5
    // 3.4e-4, f8e4m3 2.1e-2 5.2e-2, f8e4m3/channel 2.3e-2 4.4e-2, f8e5m2
    // 3.4e-2 9.0e-2, i8 1.4e-2 1.1e-2, i8/channel 1.3e-2 9.1e-3, lmul:3
    // 5.4e-2 1.2e-1, lmul:4 6.1e-2 4.1e-2, lmul:7 3.1e-2 4.1e-2,
    // attention=lmul:4 5.0e-2 6.7e-7, mlp=f8e4m3/channel,head=bf16 1.1e-2
    // 2.2e-3; f32 6.4e-7 6.7e-7.
    ::testing::Values(FormCase{"f32", 0, 3e-6, 0, 3e-6},
                      FormCase{"bf16", 2e-4, 1.5e-3, 5e-4, 6e-3},
                      FormCase{"f16", 1.8e-5, 3e-4, 8e-5, 1.2e-3},
                      FormCase{"f8e4m3", 5e-3, 3e-2, 1.3e-2, 1.2e-1},
                      FormCase{"f8e4m3/channel", 6e-3, 3e-2, 1.1e-2, 1.6e-1},
                      FormCase{"f8e5m2", 8e-3, 1.7e-1, 2.2e-2, 3.3e-1},
                      FormCase{"i8", 3.5e-3, 2e-2, 2.8e-3, 3e-2},
                      FormCase{"i8/channel", 3.3e-3, 1.7e-2, 2.2e-3, 2.5e-2},
                      FormCase{"lmul:3", 1.3e-2, 1.1e-1, 3e-2, 3e-1},
                      FormCase{"lmul:4", 1.5e-2, 1e-1, 1e-2, 1.4e-1},
                      FormCase{"lmul:7", 7.7e-3, 6.4e-2, 1e-2, 1.2e-1},
                      // Roles: the head reads the fixture's hidden states, so
                      // attention-only L-Mul leaves it in f32's window.
                      FormCase{"attention=lmul:4", 1.2e-2, 6.3e-2, 0, 3e-6},
                      FormCase{"mlp=f8e4m3/channel,head=bf16", 2.6e-3, 2.5e-2,
                               5.5e-4, 6e-3}),
    [](const ::testing::TestParamInfo<FormCase> &info) {
      std::string name = info.param.numerics;
      for (char &c : name)
        if (!isalnum(static_cast<unsigned char>(c)))
          c = '_';
      return name;
    });

} // namespace
