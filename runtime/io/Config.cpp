//===- Config.cpp - CALM and autoencoder configs, checkpoint layout -------===//

#include "io/Config.h"

#include "calm/Dialect/CALM/IR/StageWeights.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>

using namespace calm::runtime;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;

namespace {

/// Parses one JSON object.
Expected<llvm::json::Value> parseObject(StringRef text, StringRef path) {
  Expected<llvm::json::Value> value = parseJSON(text);
  if (!value)
    return fileError(path,
                     "malformed JSON: " + llvm::toString(value.takeError()));
  if (!value->getAsObject())
    return fileError(path, "not a JSON object");
  return value;
}

/// Field readers that collect the first error.
class Fields {
public:
  Fields(StringRef path, const llvm::json::Object &object)
      : path(path), object(object) {}

  int64_t positive(StringRef key) {
    int64_t v = integer(key);
    if (!error && v <= 0)
      setError("'" + key + "' must be positive, got " + llvm::Twine(v));
    else if (!error && v > kMaxConfigSize)
      setError("'" + key + "' must be at most " + llvm::Twine(kMaxConfigSize) +
               ", got " + llvm::Twine(v));
    return v;
  }
  int64_t integer(StringRef key) {
    const llvm::json::Value *v = object.get(key);
    if (!v) {
      setError("missing key '" + key + "'");
      return 0;
    }
    std::optional<int64_t> i = v->getAsInteger();
    if (!i) {
      setError("'" + key + "' must be an integer");
      return 0;
    }
    return *i;
  }
  double number(StringRef key, std::optional<double> fallback = {}) {
    const llvm::json::Value *v = object.get(key);
    if (!v) {
      if (fallback)
        return *fallback;
      setError("missing key '" + key + "'");
      return 0;
    }
    std::optional<double> d = v->getAsNumber();
    if (!d) {
      setError("'" + key + "' must be a number");
      return 0;
    }
    return *d;
  }
  std::string string(StringRef key) {
    std::optional<StringRef> s = object.getString(key);
    if (!s) {
      setError("missing string '" + key + "'");
      return "";
    }
    return s->str();
  }
  void setError(const llvm::Twine &what) {
    if (!error)
      error = fileError(path, what);
  }
  Error take() { return error ? std::move(error) : Error::success(); }

private:
  StringRef path;
  const llvm::json::Object &object;
  Error error = Error::success();
};

/// Reads a whole config file, or says why not.
Expected<std::unique_ptr<llvm::MemoryBuffer>> readFile(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return fileError(path, "cannot open: " + buffer.getError().message());
  return std::move(*buffer);
}

} // namespace

Expected<AutoencoderConfig>
calm::runtime::readAutoencoderConfig(StringRef path) {
  auto buffer = readFile(path);
  if (!buffer)
    return buffer.takeError();
  return parseAutoencoderConfig((*buffer)->getBuffer(), path);
}

Expected<CALMConfig> calm::runtime::readCALMConfig(StringRef path) {
  auto buffer = readFile(path);
  if (!buffer)
    return buffer.takeError();
  return parseCALMConfig((*buffer)->getBuffer(), path);
}

Expected<AutoencoderConfig>
calm::runtime::parseAutoencoderConfig(StringRef text, StringRef path) {
  Expected<llvm::json::Value> json = parseObject(text, path);
  if (!json)
    return json.takeError();
  Fields f(path, *json->getAsObject());
  AutoencoderConfig c;
  c.vocabSize = f.positive("vocab_size");
  c.hiddenSize = f.positive("hidden_size");
  c.intermediateSize = f.positive("intermediate_size");
  c.latentSize = f.positive("latent_size");
  c.patchSize = f.positive("patch_size");
  c.numEncoderLayers = f.positive("num_encoder_layers");
  c.numDecoderLayers = f.positive("num_decoder_layers");
  c.rmsNormEps = f.number("rms_norm_eps", 1e-6);
  if (Error e = f.take())
    return std::move(e);
  // One layer per token, then at least one after the squeeze (calm.md).
  if (c.numEncoderLayers < 2 || c.numDecoderLayers < 2)
    return fileError(path,
                     "num_encoder_layers and num_decoder_layers must be at "
                     "least 2 (one per token, one on the chunk)");
  return c;
}

Expected<CALMConfig> calm::runtime::parseCALMConfig(StringRef text,
                                                    StringRef path) {
  Expected<llvm::json::Value> json = parseObject(text, path);
  if (!json)
    return json.takeError();
  const llvm::json::Object &o = *json->getAsObject();
  Fields f(path, o);
  if (std::optional<StringRef> type = o.getString("model_type");
      !type || *type != "energy")
    return fileError(path,
                     "model_type must be \"energy\" (a CALM), got " +
                         (type ? "\"" + *type + "\"" : StringRef("none")));
  CALMConfig c;
  c.vocabSize = f.positive("vocab_size");
  c.hiddenSize = f.positive("hidden_size");
  c.intermediateSize = f.positive("intermediate_size");
  c.numHiddenLayers = f.positive("num_hidden_layers");
  c.numAttentionHeads = f.positive("num_attention_heads");
  c.numKeyValueHeads = f.positive("num_key_value_heads");
  c.maxPositionEmbeddings = f.positive("max_position_embeddings");
  c.patchSize = f.positive("patch_size");
  c.latentSize = f.positive("latent_size");
  c.noiseSize = f.positive("noise_size");
  c.numMLPLayers = f.positive("num_mlp_layers");
  c.numSamples = f.positive("num_samples");
  c.eosTokenId = f.integer("eos_token_id");
  c.rmsNormEps = f.number("rms_norm_eps", 1e-6);
  c.ropeTheta = f.number("rope_theta", 10000.0);
  c.beta = f.number("beta", 1.0);
  c.aePath = f.string("ae_path");
  if (Error e = f.take())
    return std::move(e);
  if (c.hiddenSize % c.numAttentionHeads != 0)
    return fileError(path, llvm::formatv("hidden_size {0} is not a multiple of "
                                         "num_attention_heads {1}",
                                         c.hiddenSize, c.numAttentionHeads));
  if (c.numAttentionHeads % c.numKeyValueHeads != 0)
    return fileError(path,
                     llvm::formatv("num_attention_heads {0} is not a "
                                   "multiple of num_key_value_heads {1}",
                                   c.numAttentionHeads, c.numKeyValueHeads));
  if ((c.hiddenSize / c.numAttentionHeads) % 2 != 0)
    return fileError(path, "the head size must be even for rotary embeddings");
  if (c.eosTokenId < 0 || c.eosTokenId >= c.vocabSize)
    return fileError(path, "eos_token_id is outside the vocabulary");
  return c;
}

Error calm::runtime::checkCompatible(const CALMConfig &calm,
                                     const AutoencoderConfig &ae,
                                     StringRef calmPath, StringRef aePath) {
  auto mismatch = [&](StringRef what, int64_t a, int64_t b) {
    return fileError(calmPath, llvm::formatv("{0} {1} does not match the "
                                             "autoencoder's {2} ({3})",
                                             what, a, b, aePath));
  };
  if (calm.patchSize != ae.patchSize)
    return mismatch("patch_size (K)", calm.patchSize, ae.patchSize);
  if (calm.latentSize != ae.latentSize)
    return mismatch("latent_size", calm.latentSize, ae.latentSize);
  if (calm.vocabSize != ae.vocabSize)
    return mismatch("vocab_size", calm.vocabSize, ae.vocabSize);
  return Error::success();
}

// The layouts are assembled from the stage ops' weight lists
// (calm/Dialect/CALM/IR/StageWeights.h), which the verifiers, calm-decompose
// and the model builder use: one table of every tensor.
static void append(std::vector<TensorSpec> &out,
                   llvm::ArrayRef<mlir::calm::WeightSpec> specs,
                   StringRef prefix = "", size_t drop = 0,
                   size_t dropBack = 0) {
  for (const mlir::calm::WeightSpec &w :
       specs.drop_front(drop).drop_back(dropBack))
    out.push_back({(prefix + w.name).str(),
                   std::vector<int64_t>(w.shape.begin(), w.shape.end())});
}

std::vector<TensorSpec>
calm::runtime::getAutoencoderLayout(const AutoencoderConfig &c,
                                    StringRef prefix) {
  mlir::calm::AutoencoderSizes sizes{c.vocabSize,        c.hiddenSize,
                                     c.intermediateSize, c.patchSize,
                                     c.latentSize,       c.numEncoderLayers};
  std::vector<TensorSpec> t;
  append(t, mlir::calm::getAEEncoderWeights(sizes), prefix);
  sizes.layers = c.numDecoderLayers;
  // The decoder's output matrix is optional in a checkpoint (tied to the
  // encoder's embedding): the loader looks for it apart.
  append(t, mlir::calm::getAEDecoderWeights(sizes), prefix, 0, 1);
  return t;
}

std::vector<TensorSpec> calm::runtime::getCALMLayout(const CALMConfig &c) {
  int64_t kv = c.numKeyValueHeads * (c.hiddenSize / c.numAttentionHeads);
  mlir::calm::CALMStageSizes stages{c.vocabSize,  c.hiddenSize, c.patchSize,
                                    c.latentSize, c.noiseSize,  c.numMLPLayers};
  std::vector<TensorSpec> t;
  append(t, mlir::calm::getDecoderStackWeights(
                "transformer.", {c.vocabSize, c.hiddenSize, kv,
                                 c.intermediateSize, c.numHiddenLayers}));
  // calm.input_compress reads the backbone's embedding (first) too.
  append(t, mlir::calm::getInputCompressWeights(stages), "", 1);
  append(t, mlir::calm::getEnergyHeadWeights(stages));
  return t;
}

static std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Error calm::runtime::checkLayout(const SafeTensorsFile &file,
                                 llvm::ArrayRef<TensorSpec> layout,
                                 llvm::ArrayRef<StringRef> otherPrefixes,
                                 llvm::ArrayRef<StringRef> optional) {
  std::vector<const TensorView *> all;
  for (const TensorView &t : file.getTensors())
    all.push_back(&t);
  return checkLayout(
      file.getPath(), [&](StringRef name) { return file.find(name); }, all,
      layout, otherPrefixes, optional);
}

Error calm::runtime::checkLayout(
    StringRef path, llvm::function_ref<const TensorView *(StringRef)> find,
    llvm::ArrayRef<const TensorView *> all, llvm::ArrayRef<TensorSpec> layout,
    llvm::ArrayRef<StringRef> otherPrefixes,
    llvm::ArrayRef<StringRef> optional) {
  llvm::StringSet<> expected;
  for (const TensorSpec &spec : layout) {
    expected.insert(spec.first);
    const TensorView *t = find(spec.first);
    if (!t && StringRef(spec.first).starts_with("mlp_generator."))
      t = find("generative_head." + StringRef(spec.first).drop_front(14).str());
    if (!t)
      return fileError(path, "missing tensor '" + spec.first + "'");
    if (t->shape != spec.second)
      return fileError(path, "tensor '" + t->name + "' has shape " +
                                 shapeString(t->shape) + ", expected " +
                                 shapeString(spec.second));
  }
  for (const TensorView *t : all) {
    StringRef name = t->name;
    if (expected.contains(name) || llvm::is_contained(optional, name))
      continue;
    if (name.starts_with("generative_head.") &&
        expected.contains(("mlp_generator." + name.drop_front(16)).str()))
      continue;
    if (llvm::any_of(otherPrefixes,
                     [&](StringRef p) { return name.starts_with(p); }))
      continue;
    return fileError(path, "unexpected tensor '" + name + "'");
  }
  return Error::success();
}

/// The JSON object in the file at `path`.
static Expected<llvm::json::Value> readObject(StringRef path) {
  auto buffer = readFile(path);
  if (!buffer)
    return buffer.takeError();
  return parseObject((*buffer)->getBuffer(), path);
}

Expected<ModelKind> calm::runtime::readModelKind(StringRef path) {
  Expected<llvm::json::Value> json = readObject(path);
  if (!json)
    return json.takeError();
  std::optional<StringRef> type = json->getAsObject()->getString("model_type");
  if (type && *type == "energy")
    return ModelKind::CALM;
  if (type && *type == "llama")
    return ModelKind::Llama;
  return fileError(path, "model_type must be \"energy\" (a CALM) or \"llama\" "
                         "(a token-level twin), got " +
                             (type ? "\"" + *type + "\"" : StringRef("none")));
}

/// `rope_scaling`: absent, null, rope_type "default", "linear" or "llama3"
/// (older files spell rope_type as "type").
static Expected<RopeScaling> readRopeScaling(StringRef path,
                                             const llvm::json::Object &o) {
  RopeScaling r;
  const llvm::json::Value *v = o.get("rope_scaling");
  if (!v || v->kind() == llvm::json::Value::Null)
    return r;
  const llvm::json::Object *s = v->getAsObject();
  if (!s)
    return fileError(path, "rope_scaling must be an object or null");
  std::optional<StringRef> type = s->getString("rope_type");
  if (!type)
    type = s->getString("type");
  if (!type)
    return fileError(path, "rope_scaling has no rope_type");
  if (*type == "default")
    return r;
  if (*type != "linear" && *type != "llama3")
    return fileError(path, "rope_scaling of type \"" + *type +
                               "\" is not supported (only linear, llama3)");
  Fields f(path, *s);
  r.factor = f.number("factor");
  if (*type == "llama3") {
    r.kind = RopeScaling::Kind::Llama3;
    r.lowFreqFactor = f.number("low_freq_factor");
    r.highFreqFactor = f.number("high_freq_factor");
    r.originalMaxPositions = f.positive("original_max_position_embeddings");
  } else {
    r.kind = RopeScaling::Kind::Linear;
  }
  if (Error e = f.take())
    return std::move(e);
  if (!(r.factor >= 1.0) || !std::isfinite(r.factor))
    return fileError(path, "rope_scaling.factor must be a number >= 1");
  if (r.kind == RopeScaling::Kind::Llama3 &&
      !(r.lowFreqFactor > 0 && r.highFreqFactor > r.lowFreqFactor &&
        std::isfinite(r.highFreqFactor)))
    return fileError(path, "rope_scaling needs 0 < low_freq_factor < "
                           "high_freq_factor");
  return r;
}

std::vector<float>
calm::runtime::ropeInverseFrequencies(int64_t headDim, double theta,
                                      const RopeScaling &scaling) {
  std::vector<float> inv;
  for (int64_t i = 0; i < headDim / 2; ++i)
    inv.push_back(static_cast<float>(
        1.0 /
        std::pow(theta, static_cast<double>(static_cast<float>(2 * i) /
                                            static_cast<float>(headDim)))));
  auto factor = static_cast<float>(scaling.factor);
  switch (scaling.kind) {
  case RopeScaling::Kind::None:
    break;
  case RopeScaling::Kind::Linear:
    for (float &f : inv)
      f /= factor;
    break;
  case RopeScaling::Kind::Llama3: {
    // transformers' _compute_llama3_parameters, in its f32 arithmetic: long
    // wavelengths are slowed by `factor`, short ones kept, the band between
    // interpolated.
    auto old = static_cast<double>(scaling.originalMaxPositions);
    auto lowWavelen = static_cast<float>(old / scaling.lowFreqFactor);
    auto highWavelen = static_cast<float>(old / scaling.highFreqFactor);
    auto twoPi = static_cast<float>(2 * M_PI);
    auto span =
        static_cast<float>(scaling.highFreqFactor - scaling.lowFreqFactor);
    for (float &f : inv) {
      float wavelen = (1.0f / f) * twoPi;
      float scaled = wavelen > lowWavelen ? f / factor : f;
      if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
        float smooth = ((1.0f / wavelen) * static_cast<float>(old) -
                        static_cast<float>(scaling.lowFreqFactor)) /
                       span;
        scaled = (1.0f - smooth) * scaled / factor + smooth * scaled;
      }
      f = scaled;
    }
    break;
  }
  }
  return inv;
}

Expected<LlamaConfig> calm::runtime::readLlamaConfig(StringRef path) {
  Expected<llvm::json::Value> json = readObject(path);
  if (!json)
    return json.takeError();
  const llvm::json::Object &o = *json->getAsObject();
  Fields f(path, o);
  LlamaConfig c;
  c.vocabSize = f.positive("vocab_size");
  c.hiddenSize = f.positive("hidden_size");
  c.intermediateSize = f.positive("intermediate_size");
  c.numHiddenLayers = f.positive("num_hidden_layers");
  c.numAttentionHeads = f.positive("num_attention_heads");
  c.maxPositionEmbeddings = f.positive("max_position_embeddings");
  c.eosTokenId = f.integer("eos_token_id");
  c.rmsNormEps = f.number("rms_norm_eps", 1e-6);
  c.ropeTheta = f.number("rope_theta", 10000.0);
  if (Error e = f.take())
    return std::move(e);
  // Llama's defaults (transformers' LlamaConfig) where a key is absent.
  c.tieWordEmbeddings = o.getBoolean("tie_word_embeddings").value_or(false);
  c.numKeyValueHeads = c.numAttentionHeads;
  if (o.get("num_key_value_heads")) {
    c.numKeyValueHeads = f.positive("num_key_value_heads");
    if (Error e = f.take())
      return std::move(e);
  }
  if (c.numAttentionHeads % c.numKeyValueHeads != 0)
    return fileError(path,
                     llvm::formatv("num_attention_heads {0} is not a "
                                   "multiple of num_key_value_heads {1}",
                                   c.numAttentionHeads, c.numKeyValueHeads));
  if (std::optional<int64_t> hd = o.getInteger("head_dim");
      hd && *hd * c.numAttentionHeads != c.hiddenSize)
    return fileError(path, llvm::formatv("head_dim {0} is not hidden_size / "
                                         "num_attention_heads: not supported",
                                         *hd));
  if (Expected<RopeScaling> scaling = readRopeScaling(path, o))
    c.ropeScaling = *scaling;
  else
    return scaling.takeError();
  for (StringRef key : {"attention_bias", "mlp_bias"})
    if (o.getBoolean(key).value_or(false))
      return fileError(path, "'" + key + "' is true: biases are not supported");
  if (std::optional<StringRef> act = o.getString("hidden_act");
      act && *act != "silu")
    return fileError(path, "hidden_act \"" + *act +
                               "\" is not supported "
                               "(only \"silu\")");
  if (c.hiddenSize % c.numAttentionHeads != 0)
    return fileError(path, llvm::formatv("hidden_size {0} is not a multiple of "
                                         "num_attention_heads {1}",
                                         c.hiddenSize, c.numAttentionHeads));
  if ((c.hiddenSize / c.numAttentionHeads) % 2 != 0)
    return fileError(path, "the head size must be even for rotary embeddings");
  if (c.eosTokenId < 0 || c.eosTokenId >= c.vocabSize)
    return fileError(path, "eos_token_id is outside the vocabulary");
  return c;
}

std::vector<TensorSpec> calm::runtime::getLlamaLayout(const LlamaConfig &c) {
  int64_t kv = c.numKeyValueHeads * (c.hiddenSize / c.numAttentionHeads);
  std::vector<TensorSpec> t;
  append(t, mlir::calm::getDecoderStackWeights(
                "model.", {c.vocabSize, c.hiddenSize, kv, c.intermediateSize,
                           c.numHiddenLayers}));
  if (!c.tieWordEmbeddings)
    t.push_back({"lm_head.weight", {c.vocabSize, c.hiddenSize}});
  return t;
}
