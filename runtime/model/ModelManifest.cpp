//===- ModelManifest.cpp - what a compiled model was built for ------------===//

#include "model/ModelManifest.h"
#include "model/ModelFunctions.h"
#include "model/ModelLayout.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/TargetParser/Host.h"

using namespace calm::runtime;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Doubles in full precision, so that a changed epsilon or theta differs.
static std::string text(double v) { return llvm::formatv("{0:e16}", v).str(); }
static std::string text(int64_t v) { return std::to_string(v); }

/// The scaling the compiled rotary tables were built with.
static std::string ropeScalingText(const RopeScaling &r) {
  switch (r.kind) {
  case RopeScaling::Kind::None:
    return "none";
  case RopeScaling::Kind::Linear:
    return "linear factor " + text(r.factor);
  case RopeScaling::Kind::Llama3:
    return llvm::formatv("llama3 factor {0} low {1} high {2} original {3}",
                         text(r.factor), text(r.lowFreqFactor),
                         text(r.highFreqFactor), r.originalMaxPositions)
        .str();
  }
  return "";
}

ModelManifest calm::runtime::getCALMManifest(const CALMConfig &c,
                                             const AutoencoderConfig &a,
                                             const ModelBuildOptions &build,
                                             const std::string &numerics) {
  ModelManifest m;
  m.kind = "calm";
  m.numerics = numerics;
  m.config = {
      {"vocab_size", text(c.vocabSize)},
      {"hidden_size", text(c.hiddenSize)},
      {"intermediate_size", text(c.intermediateSize)},
      {"num_hidden_layers", text(c.numHiddenLayers)},
      {"num_attention_heads", text(c.numAttentionHeads)},
      {"num_key_value_heads", text(c.numKeyValueHeads)},
      {"patch_size", text(c.patchSize)},
      {"latent_size", text(c.latentSize)},
      {"noise_size", text(c.noiseSize)},
      {"num_mlp_layers", text(c.numMLPLayers)},
      {"rms_norm_eps", text(c.rmsNormEps)},
      {"rope_theta", text(c.ropeTheta)},
      {"ae.vocab_size", text(a.vocabSize)},
      {"ae.hidden_size", text(a.hiddenSize)},
      {"ae.intermediate_size", text(a.intermediateSize)},
      {"ae.latent_size", text(a.latentSize)},
      {"ae.patch_size", text(a.patchSize)},
      {"ae.num_encoder_layers", text(a.numEncoderLayers)},
      {"ae.num_decoder_layers", text(a.numDecoderLayers)},
      {"ae.rms_norm_eps", text(a.rmsNormEps)},
      {"max_chunks", text(build.maxChunks)},
  };
  for (const FunctionSignature &f : getCALMFunctions())
    m.functions.push_back(f.name.str());
  return m;
}

ModelManifest calm::runtime::getLlamaManifest(const LlamaConfig &c,
                                              const ModelBuildOptions &build,
                                              const std::string &numerics) {
  ModelManifest m;
  m.kind = "llama";
  m.numerics = numerics;
  m.config = {
      {"vocab_size", text(c.vocabSize)},
      {"hidden_size", text(c.hiddenSize)},
      {"intermediate_size", text(c.intermediateSize)},
      {"num_hidden_layers", text(c.numHiddenLayers)},
      {"num_attention_heads", text(c.numAttentionHeads)},
      {"num_key_value_heads", text(c.numKeyValueHeads)},
      {"rms_norm_eps", text(c.rmsNormEps)},
      {"rope_theta", text(c.ropeTheta)},
      {"rope_scaling", ropeScalingText(c.ropeScaling)},
      {"tie_word_embeddings", c.tieWordEmbeddings ? "true" : "false"},
      {"max_tokens", text(build.maxChunks)},
  };
  for (const FunctionSignature &f : getLlamaFunctions())
    m.functions.push_back(f.name.str());
  return m;
}

std::string ModelManifest::toJSON() const {
  llvm::json::Object configObject;
  llvm::json::Array order;
  for (const auto &[name, value] : config) {
    configObject[name] = value;
    order.push_back(name);
  }
  llvm::json::Array fns;
  for (const std::string &f : functions)
    fns.push_back(f);
  llvm::json::Object o{{"abi", abi},
                       {"kind", kind},
                       {"config", std::move(configObject)},
                       {"config_order", std::move(order)},
                       {"numerics", numerics},
                       {"cpu", cpu},
                       {"features", features},
                       {"device", device},
                       {"gpu", gpu},
                       {"functions", std::move(fns)}};
  return llvm::formatv("{0:2}", llvm::json::Value(std::move(o))).str();
}

llvm::Expected<ModelManifest>
calm::runtime::parseModelManifest(llvm::StringRef json, llvm::StringRef path) {
  auto bad = [&](const llvm::Twine &why) {
    return makeError(path + ": not a calm model library (its manifest " + why +
                     ")");
  };
  auto value = llvm::json::parse(json);
  if (!value) {
    llvm::consumeError(value.takeError());
    return bad("is not JSON");
  }
  const llvm::json::Object *o = value->getAsObject();
  if (!o)
    return bad("is not an object");
  ModelManifest m;
  std::optional<int64_t> abi = o->getInteger("abi");
  const llvm::json::Object *config = o->getObject("config");
  const llvm::json::Array *order = o->getArray("config_order");
  const llvm::json::Array *fns = o->getArray("functions");
  auto str = [&](llvm::StringRef key, std::string &out) {
    std::optional<llvm::StringRef> s = o->getString(key);
    if (s)
      out = s->str();
    return s.has_value();
  };
  if (!abi || !config || !order || !fns || !str("kind", m.kind) ||
      !str("numerics", m.numerics) || !str("cpu", m.cpu) ||
      !str("features", m.features))
    return bad("lacks a field");
  m.abi = static_cast<int>(*abi);
  // Libraries written before the GPU path run on the CPU.
  if (!str("device", m.device))
    m.device = "cpu";
  str("gpu", m.gpu);
  if (m.device != "cpu" && m.device != "cuda")
    return bad("names an unknown device '" + m.device + "'");
  for (const llvm::json::Value &name : *order) {
    std::optional<llvm::StringRef> n = name.getAsString();
    std::optional<llvm::StringRef> v = n ? config->getString(*n) : std::nullopt;
    if (!v)
      return bad("has a malformed config");
    m.config.emplace_back(n->str(), v->str());
  }
  for (const llvm::json::Value &f : *fns) {
    std::optional<llvm::StringRef> s = f.getAsString();
    if (!s)
      return bad("has a malformed function list");
    m.functions.push_back(s->str());
  }
  return m;
}

llvm::Error calm::runtime::checkModelManifest(const ModelManifest &library,
                                              const ModelManifest &wanted,
                                              bool numericsGiven,
                                              llvm::StringRef path) {
  if (library.abi != wanted.abi)
    return makeError(llvm::formatv(
        "{0}: built for model ABI {1}, this runtime has ABI {2}: recompile it "
        "with this calm-run",
        path, library.abi, wanted.abi));
  if (library.kind != wanted.kind)
    return makeError(llvm::formatv("{0}: built for a {1} model, the model "
                                   "directory holds a {2} model",
                                   path, library.kind, wanted.kind));
  llvm::StringMap<std::string> have;
  for (const auto &[name, value] : library.config)
    have[name] = value;
  for (const auto &[name, value] : wanted.config) {
    auto it = have.find(name);
    if (it == have.end())
      return makeError(llvm::formatv("{0}: built without {1}, which this "
                                     "model sets to {2}",
                                     path, name, value));
    if (it->second != value)
      return makeError(llvm::formatv("{0}: built for {1} = {2}, this run "
                                     "needs {3}",
                                     path, name, it->second, value));
  }
  if (library.config.size() != wanted.config.size())
    return makeError(path + ": built for a config with other fields than "
                            "this model's");
  if (library.device != wanted.device)
    return makeError(llvm::formatv("{0}: compiled for --device {1}, this run "
                                   "is --device {2}",
                                   path, library.device, wanted.device));
  if (numericsGiven && library.numerics != wanted.numerics)
    return makeError(llvm::formatv("{0}: compiled with numerics {1}, not the "
                                   "{2} asked for",
                                   path, library.numerics, wanted.numerics));
  for (const std::string &f : wanted.functions)
    if (llvm::find(library.functions, f) == library.functions.end())
      return makeError(
          llvm::formatv("{0}: does not define {1}", path, f).str());
  return llvm::Error::success();
}

llvm::Error calm::runtime::checkHostRunsManifest(const ModelManifest &library,
                                                 llvm::StringRef path) {
  llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
  llvm::SmallVector<llvm::StringRef> features;
  llvm::StringRef(library.features).split(features, ',', -1, false);
  for (llvm::StringRef f : features) {
    if (!f.consume_front("+"))
      continue;
    auto it = host.find(f);
    if (it == host.end() || !it->second)
      return makeError(llvm::formatv(
          "{0}: compiled for a {1} CPU with {2}, which this CPU ({3}) lacks",
          path, library.cpu, f, llvm::sys::getHostCPUName()));
  }
  return llvm::Error::success();
}
