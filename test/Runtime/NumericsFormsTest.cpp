//===- NumericsFormsTest.cpp - every numerics form end to end -------------===//
//
// Compiles the shipped CALM in each numerics form (all contractions, and
// per role), runs the backbone over the fixture's 8 chunks and the energy
// head on the fixture's hidden states and noise, and reports the relative
// deviation from the f32 reference. Fails on NaN/inf or on a deviation above
// the form's bound. The bounds (docs/QUANT.md, "Whole-model deviation") are
// about 3x the deviation measured when they were set: a regression that
// doubles a form's error still passes, one that breaks the form does not.
//
//===----------------------------------------------------------------------===//

#include "FixtureUtils.h"

#include "llvm/Support/FormatVariadic.h"

using namespace calm;
using namespace calm::test;

namespace {

struct FormCase {
  const char *numerics;
  double hiddenBound, headBound;
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
}

INSTANTIATE_TEST_SUITE_P(
    AllForms, NumericsForms,
    ::testing::Values(FormCase{"bf16", 1.5e-3, 6e-3},
                      FormCase{"f16", 3e-4, 1.2e-3},
                      FormCase{"f8e4m3", 3e-2, 1.2e-1},
                      FormCase{"f8e4m3/channel", 3e-2, 1.6e-1},
                      FormCase{"f8e5m2", 1.7e-1, 3.3e-1},
                      FormCase{"i8", 2e-2, 3e-2},
                      FormCase{"i8/channel", 1.7e-2, 2.5e-2},
                      FormCase{"lmul:3", 1.1e-1, 3e-1},
                      FormCase{"lmul:4", 1e-1, 1.4e-1},
                      FormCase{"lmul:7", 6.4e-2, 1.2e-1},
                      // Roles: the head reads the fixture's hidden states, so
                      // attention-only L-Mul leaves it exact.
                      FormCase{"attention=lmul:4", 6.3e-2, 1e-5},
                      FormCase{"mlp=f8e4m3/channel,head=bf16", 2.5e-2, 6e-3}),
    [](const ::testing::TestParamInfo<FormCase> &info) {
      std::string name = info.param.numerics;
      for (char &c : name)
        if (!isalnum(static_cast<unsigned char>(c)))
          c = '_';
      return name;
    });

} // namespace
