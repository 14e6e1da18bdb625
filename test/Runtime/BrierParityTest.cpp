//===- BrierParityTest.cpp - BrierLM of the compiled CALM vs PyTorch ------===//
//
// The fixed slice of the held-out text (256 tokens, one block, 63 positions)
// with the reference's own head noise: the compiled model must decode the
// same two samples at every position and so reach the same Brier terms and
// B_n (test/fixtures/README.md). With the noise shared, the estimator's
// statistical error is zero, so agreement is exact up to float ties in the
// decoder's argmax, which the test allows at one position of 63.
//
// Where a position's samples differ, nothing is left to a wide tolerance:
// the sums must equal the terms recomputed here from the runtime's own
// samples (exactly), and B_n and BrierLM must lie in the interval that
// changing that one position's terms can reach (each term lies in [-1, 1]).
//
//===----------------------------------------------------------------------===//

#include "FixtureUtils.h"
#include "generation/BrierLM.h"

#include <cmath>

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
  // The Brier terms of position p from two samples x1, x2 and the truth y
  // (calm.md, "BrierLM"): for n = 1..4, 1{x1 = y} + 1{x2 = y} - 1{x1 = x2}
  // on the first n tokens.
  auto terms = [&](const std::vector<int32_t> &samples, size_t p) {
    std::array<double, 4> t{};
    bool a1 = true, a2 = true, same = true;
    for (size_t n = 0; n < 4; ++n) {
      int32_t y = ids[(p + 1) * 4 + n];
      int32_t x1 = samples[p * 4 + n], x2 = samples[(63 + p) * 4 + n];
      a1 = a1 && x1 == y;
      a2 = a2 && x2 == y;
      same = same && x1 == x2;
      t[n] = double(a1) + double(a2) - double(same);
    }
    return t;
  };
  int differing = 0;
  std::array<double, 4> ownSum{}, expectedSum{};
  for (size_t p = 0; p < 63; ++p) {
    std::array<double, 4> own = terms(tokens, p);
    bool same = true;
    for (size_t s = 0; s < 2; ++s)
      same = same && std::equal(tokens.begin() + (s * 63 + p) * 4,
                                tokens.begin() + (s * 63 + p + 1) * 4,
                                expectedTokens.begin() + (s * 63 + p) * 4);
    differing += !same;
    for (size_t n = 0; n < 4; ++n) {
      // The fixture's terms are what the reference's samples give.
      EXPECT_EQ(terms(expectedTokens, p)[n], expectedTerms[p * 4 + n])
          << "fixture position " << p << " n = " << n + 1;
      if (same)
        EXPECT_EQ(own[n], expectedTerms[p * 4 + n])
            << "position " << p << " n = " << n + 1;
      ownSum[n] += own[n];
      expectedSum[n] += expectedTerms[p * 4 + n];
    }
  }
  EXPECT_LE(differing, 1);
  // The runtime's sums are its samples' terms, and its B_n and BrierLM are
  // the formulas on them, exactly, whatever the samples.
  double ownProduct = 1;
  for (size_t n = 0; n < 4; ++n) {
    EXPECT_EQ(sums.sum[n], ownSum[n]) << "n = " << n + 1;
    EXPECT_NEAR(sums.means()[n], ownSum[n] / 63, 1e-15) << "n = " << n + 1;
    ownProduct *= ownSum[n] / 63;
  }
  EXPECT_NEAR(sums.brierLM(), 100 * std::pow(std::max(0.0, ownProduct), 0.25),
              1e-9);

  // Against the reference's B_n and BrierLM as the manifest states them:
  // exact without a differing position; otherwise within what one
  // position's terms (each in [-1, 1]) can move: 2/63 per B_n.
  ManifestBrier reference = manifestBrier("calm");
  for (size_t n = 0; n < 4; ++n)
    EXPECT_NEAR(reference.b[n], expectedSum[n] / 63, 1e-12) << "n = " << n + 1;
  double slack = 2.0 * differing / 63;
  std::array<double, 4> lo, hi;
  for (size_t n = 0; n < 4; ++n) {
    EXPECT_NEAR(sums.means()[n], reference.b[n], 1e-12 + slack)
        << "n = " << n + 1;
    lo[n] = reference.b[n] - slack;
    hi[n] = reference.b[n] + slack;
  }
  // BrierLM = 100 max(0, B1 B2 B3 B4)^(1/4) is monotone in each B_n where
  // the product is positive, so over the box its range is bounded by the
  // corner products (the largest and smallest product of one bound each).
  double most = -1e300, least = 1e300;
  for (int corner = 0; corner < 16; ++corner) {
    double product = 1;
    for (size_t n = 0; n < 4; ++n)
      product *= (corner >> n & 1) ? hi[n] : lo[n];
    most = std::max(most, product);
    least = std::min(least, product);
  }
  auto brierLM = [](double product) {
    return 100 * std::pow(std::max(0.0, product), 0.25);
  };
  EXPECT_GE(sums.brierLM(), brierLM(least) - 1e-9);
  EXPECT_LE(sums.brierLM(), brierLM(most) + 1e-9);
  if (!differing)
    EXPECT_NEAR(sums.brierLM(), reference.brierLM, 1e-9);
}

} // namespace
