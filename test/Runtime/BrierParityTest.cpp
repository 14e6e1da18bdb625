//===- BrierParityTest.cpp - BrierLM of the compiled CALM vs PyTorch ------===//
//
// The fixed slice of the held-out text (256 tokens, one block, 63 positions)
// with the reference's own head noise: the compiled model must decode the
// same two samples at every position and so reach the same Brier terms and
// B_n (test/fixtures/README.md). With the noise shared, the estimator's
// statistical error is zero, so agreement is exact up to float ties, which
// the tolerance of one differing position per 63 allows for.
//
//===----------------------------------------------------------------------===//

#include "FixtureUtils.h"
#include "generation/BrierLM.h"

using namespace calm;
using namespace calm::test;

namespace {

TEST(BrierParity, CALMOnTheHeldOutSlice) {
  std::unique_ptr<runtime::CALMModel> model = loadShippedCALM("f32");
  ASSERT_NE(model, nullptr);
  Fixtures brier("brier");
  std::vector<int32_t> ids = brier.get<int32_t>("input_ids");
  std::vector<float> noise = brier.get<float>("calm_noise");
  std::vector<int32_t> expectedTokens = brier.get<int32_t>("calm_tokens");
  std::vector<double> expectedTerms = brier.get<double>("calm_terms");
  std::vector<int32_t> tokens;
  auto result = runtime::calmBlockBrier(*model, ids, noise, &tokens);
  ASSERT_TRUE(static_cast<bool>(result)) << llvm::toString(result.takeError());
  runtime::BrierSums sums = *result;
  ASSERT_EQ(sums.positions, 63);
  ASSERT_EQ(tokens.size(), expectedTokens.size());
  // Positions whose decoded samples differ from the reference's.
  int differing = 0;
  for (size_t p = 0; p < 63; ++p)
    for (size_t s = 0; s < 2; ++s)
      if (!std::equal(tokens.begin() + (s * 63 + p) * 4,
                      tokens.begin() + (s * 63 + p + 1) * 4,
                      expectedTokens.begin() + (s * 63 + p) * 4)) {
        ++differing;
        break;
      }
  EXPECT_LE(differing, 1);
  std::array<double, 4> expectedSum{};
  for (size_t p = 0; p < 63; ++p)
    for (size_t n = 0; n < 4; ++n)
      expectedSum[n] += expectedTerms[p * 4 + n];
  for (size_t n = 0; n < 4; ++n)
    EXPECT_NEAR(sums.sum[n], expectedSum[n], 2.0 * differing) << "n = " << n + 1;
  // The reference's B_n and BrierLM, as the manifest states them.
  ManifestBrier reference = manifestBrier("calm");
  for (size_t n = 0; n < 4; ++n)
    EXPECT_NEAR(sums.means()[n], reference.b[n], 1e-12 + 2.0 * differing / 63)
        << "n = " << n + 1;
  EXPECT_NEAR(sums.brierLM(), reference.brierLM, differing ? 100.0 : 1e-9);
}

} // namespace
