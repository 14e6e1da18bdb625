//===- ModelManifestTest.cpp - model library manifests --------------------===//
//
// The manifest a model library carries: it round-trips through its JSON;
// every field the checks read is compared (a change to any config field,
// the kind, the numerics, the device or the ABI is refused, naming it);
// malformed manifests are one-line errors, never a crash.
//
//===----------------------------------------------------------------------===//

#include "model/ModelManifest.h"
#include "model/ModelBuilder.h"

#include <gtest/gtest.h>

using namespace calm::runtime;

namespace {

ModelManifest tinyManifest() {
  CALMConfig c{};
  c.vocabSize = 4096, c.hiddenSize = 256, c.intermediateSize = 704;
  c.numHiddenLayers = 4, c.numAttentionHeads = 4, c.numKeyValueHeads = 4;
  c.patchSize = 4, c.latentSize = 64, c.noiseSize = 64, c.numMLPLayers = 3;
  c.rmsNormEps = 1e-6, c.ropeTheta = 10000.0;
  AutoencoderConfig a{};
  a.vocabSize = 4096, a.hiddenSize = 256, a.intermediateSize = 640;
  a.latentSize = 64, a.patchSize = 4, a.numEncoderLayers = 2;
  a.numDecoderLayers = 2, a.rmsNormEps = 1e-6;
  ModelBuildOptions build;
  ModelManifest m = getCALMManifest(c, a, build, "i8/channel");
  m.cpu = "znver4";
  m.features = "+avx2,+fma,-amx-tile";
  return m;
}

std::string message(llvm::Error e) {
  return e ? llvm::toString(std::move(e)) : "";
}

TEST(ModelManifest, RoundTripsThroughJSON) {
  ModelManifest m = tinyManifest();
  auto parsed = parseModelManifest(m.toJSON(), "lib.so");
  ASSERT_TRUE(static_cast<bool>(parsed)) << llvm::toString(parsed.takeError());
  EXPECT_EQ(parsed->abi, m.abi);
  EXPECT_EQ(parsed->kind, "calm");
  EXPECT_EQ(parsed->config, m.config);
  EXPECT_EQ(parsed->numerics, "i8/channel");
  EXPECT_EQ(parsed->cpu, "znver4");
  EXPECT_EQ(parsed->features, m.features);
  EXPECT_EQ(parsed->functions, m.functions);
  EXPECT_EQ(message(checkModelManifest(*parsed, m, true, "lib.so")), "");
}

TEST(ModelManifest, EveryConfigFieldIsChecked) {
  ModelManifest wanted = tinyManifest();
  for (size_t i = 0; i < wanted.config.size(); ++i) {
    ModelManifest library = wanted;
    library.config[i].second += "0";
    std::string why = message(checkModelManifest(library, wanted, true, "l"));
    EXPECT_NE(why.find("built for " + wanted.config[i].first + " = "),
              std::string::npos)
        << why;
    EXPECT_EQ(why.find('\n'), std::string::npos);
  }
}

TEST(ModelManifest, KindNumericsABIAndFunctionsAreChecked) {
  ModelManifest wanted = tinyManifest(), library = wanted;
  library.kind = "llama";
  EXPECT_NE(message(checkModelManifest(library, wanted, true, "l"))
                .find("built for a llama model"),
            std::string::npos);
  library = wanted;
  library.numerics = "bf16";
  EXPECT_NE(message(checkModelManifest(library, wanted, true, "l"))
                .find("compiled with numerics bf16, not the i8/channel "
                      "asked for"),
            std::string::npos);
  // Without --numerics the library's own is used.
  EXPECT_EQ(message(checkModelManifest(library, wanted, false, "l")), "");
  library = wanted;
  library.abi = wanted.abi + 1;
  EXPECT_NE(
      message(checkModelManifest(library, wanted, true, "l")).find("model ABI"),
      std::string::npos);
  library = wanted;
  library.functions.pop_back();
  EXPECT_NE(message(checkModelManifest(library, wanted, true, "l"))
                .find("does not define " + wanted.functions.back()),
            std::string::npos);
}

TEST(ModelManifest, MalformedManifestsAreErrors) {
  std::string good = tinyManifest().toJSON();
  for (std::string text :
       {std::string(""), std::string("{"), std::string("[]"),
        std::string("{\"abi\": 1}"), good.substr(0, good.size() / 2),
        std::string("{\"abi\": \"1\", \"kind\": \"calm\", \"config\": {}, "
                    "\"config_order\": [], \"numerics\": \"f32\", \"cpu\": "
                    "\"x\", \"features\": \"\", \"functions\": []}"),
        std::string("{\"abi\": 1, \"kind\": \"calm\", \"config\": {}, "
                    "\"config_order\": [\"missing\"], \"numerics\": \"f32\", "
                    "\"cpu\": \"x\", \"features\": \"\", \"functions\": "
                    "[]}")}) {
    auto parsed = parseModelManifest(text, "lib.so");
    ASSERT_FALSE(static_cast<bool>(parsed)) << text;
    std::string why = llvm::toString(parsed.takeError());
    EXPECT_EQ(why.rfind("lib.so: not a calm model library", 0), 0u) << why;
  }
}

TEST(ModelManifest, DeviceIsCarriedAndChecked) {
  ModelManifest wanted = tinyManifest();
  ModelManifest cuda = wanted;
  cuda.device = "cuda";
  cuda.gpu = "sm_80,sm_90";
  auto parsed = parseModelManifest(cuda.toJSON(), "lib.so");
  ASSERT_TRUE(static_cast<bool>(parsed)) << llvm::toString(parsed.takeError());
  EXPECT_EQ(parsed->device, "cuda");
  EXPECT_EQ(parsed->gpu, "sm_80,sm_90");
  EXPECT_EQ(message(checkModelManifest(*parsed, wanted, true, "lib.so")),
            "lib.so: compiled for --device cuda, this run is --device cpu");
  wanted.device = "cuda";
  EXPECT_EQ(message(checkModelManifest(*parsed, wanted, true, "lib.so")), "");
  // A library written before the device field runs on the CPU.
  std::string old = tinyManifest().toJSON();
  size_t at = old.find("\"device\"");
  ASSERT_NE(at, std::string::npos);
  old.replace(at, old.find('\n', at) + 1 - at, "");
  parsed = parseModelManifest(old, "old.so");
  ASSERT_TRUE(static_cast<bool>(parsed)) << llvm::toString(parsed.takeError());
  EXPECT_EQ(parsed->device, "cpu");
  // An unknown device is refused, not run on the CPU.
  cuda.device = "tpu";
  parsed = parseModelManifest(cuda.toJSON(), "lib.so");
  ASSERT_FALSE(static_cast<bool>(parsed));
  EXPECT_EQ(llvm::toString(parsed.takeError()),
            "lib.so: not a calm model library (its manifest names an unknown "
            "device 'tpu')");
}

TEST(ModelManifest, HostFeaturesAreChecked) {
  ModelManifest m = tinyManifest();
  m.features = "-sse2"; // only what the code uses (+) is required
  EXPECT_EQ(message(checkHostRunsManifest(m, "l")), "");
  m.features = "+sse2,+no-such-feature";
  std::string why = message(checkHostRunsManifest(m, "l"));
  EXPECT_NE(why.find("with no-such-feature, which this CPU"), std::string::npos)
      << why;
}

} // namespace
