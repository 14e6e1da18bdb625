//===- Checkpoint.cpp - a CALM model directory and its autoencoder --------===//

#include "io/Checkpoint.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace calm::runtime;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;
using llvm::Twine;

static std::string join(StringRef a, StringRef b) {
  llvm::SmallString<256> p(a);
  llvm::sys::path::append(p, b);
  return std::string(p);
}

Expected<WeightSet> WeightSet::open(StringRef dir) {
  WeightSet set;
  std::string single = join(dir, "model.safetensors");
  std::string index = join(dir, "model.safetensors.index.json");
  if (llvm::sys::fs::exists(single)) {
    set.path = single;
    auto file = SafeTensorsFile::open(single);
    if (!file)
      return file.takeError();
    set.files.push_back(std::move(*file));
    return set;
  }
  if (!llvm::sys::fs::exists(index)) {
    if (llvm::sys::fs::exists(join(dir, "pytorch_model.bin")))
      return fileError(dir, "has pytorch_model.bin only; convert it with "
                            "tools/convert/convert.py");
    return fileError(dir,
                     "no model.safetensors or model.safetensors.index.json");
  }
  set.path = index;
  auto buffer = llvm::MemoryBuffer::getFile(index, /*IsText=*/true);
  if (!buffer)
    return fileError(index, "cannot open: " + buffer.getError().message());
  Expected<llvm::json::Value> json = parseJSON((*buffer)->getBuffer());
  if (!json)
    return fileError(index,
                     "malformed JSON: " + llvm::toString(json.takeError()));
  const llvm::json::Object *root = json->getAsObject();
  const llvm::json::Object *map =
      root ? root->getObject("weight_map") : nullptr;
  if (!map)
    return fileError(index, "needs an object 'weight_map'");
  llvm::StringMap<SafeTensorsFile *> opened;
  for (const auto &[name, shardValue] : *map) {
    std::optional<StringRef> shard = shardValue.getAsString();
    if (!shard || shard->contains('/') || shard->contains('\\'))
      return fileError(index, "weight_map['" + StringRef(name) +
                                  "'] must name a shard file in the directory");
    SafeTensorsFile *&file = opened[*shard];
    if (!file) {
      auto f = SafeTensorsFile::open(join(dir, *shard));
      if (!f)
        return f.takeError();
      file = f->get();
      set.files.push_back(std::move(*f));
    }
    if (!file->find(name))
      return fileError(index,
                       "tensor '" + StringRef(name) + "' is not in " + *shard);
  }
  // A tensor in a shard but not in the map, or in two shards, is a defect.
  llvm::StringSet<> seen;
  for (const auto &file : set.files)
    for (const TensorView &t : file->getTensors()) {
      const llvm::json::Value *where = map->get(t.name);
      if (!where ||
          where->getAsString() != llvm::sys::path::filename(file->getPath()))
        return fileError(index, "tensor '" + t.name + "' in " +
                                    llvm::sys::path::filename(file->getPath()) +
                                    " is not mapped to that shard");
      if (!seen.insert(t.name).second)
        return fileError(index, "tensor '" + t.name + "' is in two shards");
    }
  return set;
}

const TensorView *WeightSet::find(StringRef name) const {
  for (const auto &file : files)
    if (const TensorView *t = file->find(name))
      return t;
  return nullptr;
}

std::vector<const TensorView *> WeightSet::all() const {
  std::vector<const TensorView *> out;
  for (const auto &file : files)
    for (const TensorView &t : file->getTensors())
      out.push_back(&t);
  return out;
}

const TensorView *CALMCheckpoint::calmTensor(StringRef name) const {
  if (const TensorView *t = weights.find(name))
    return t;
  if (name.starts_with("mlp_generator."))
    return weights.find(("generative_head." + name.drop_front(14)).str());
  return nullptr;
}

const TensorView *CALMCheckpoint::aeTensor(StringRef name) const {
  if (const TensorView *t = weights.find(("ae_model." + name).str()))
    return t;
  if (const TensorView *t = aeWeights.find(name))
    return t;
  if (name == "decoder.lm_head_weight")
    return aeTensor("encoder.embed_tokens.weight");
  return nullptr;
}

bool CALMCheckpoint::aeOutputTied() const {
  return !weights.find("ae_model.decoder.lm_head_weight") &&
         !aeWeights.find("decoder.lm_head_weight");
}

/// The layouts list every layer's tensors, so a config claiming 2^31 layers
/// would have the layout check itself allocate without bound. A layer
/// count is first checked against the tensors the checkpoint holds.
static Error checkLayerCount(StringRef configPath, StringRef what,
                             int64_t needed, const WeightSet &weights) {
  size_t have = weights.all().size();
  if (needed <= int64_t(have))
    return Error::success();
  return fileError(configPath, what + " need at least " + Twine(needed) +
                                   " tensors, " + weights.getPath() + " has " +
                                   Twine(have));
}

Expected<std::unique_ptr<CALMCheckpoint>>
calm::runtime::openCALMCheckpoint(StringRef dir,
                                  std::optional<std::string> aeOverride) {
  auto ckpt = std::make_unique<CALMCheckpoint>();
  ckpt->dir = dir.str();
  std::string calmConfigPath = join(dir, "config.json");
  Expected<CALMConfig> config = readCALMConfig(calmConfigPath);
  if (!config)
    return config.takeError();
  ckpt->config = *config;

  std::string ae = aeOverride ? *aeOverride : config->aePath;
  if (!aeOverride && !llvm::sys::path::is_absolute(ae))
    ae = join(dir, ae);
  ckpt->aeDir = ae;
  std::string aeConfigPath = join(ae, "config.json");
  if (!llvm::sys::fs::exists(aeConfigPath))
    return fileError(calmConfigPath,
                     "autoencoder config not found at " + aeConfigPath +
                         (aeOverride ? ""
                                     : " (ae_path in config.json; override "
                                       "it with the autoencoder's directory)"));
  Expected<AutoencoderConfig> aeConfig = readAutoencoderConfig(aeConfigPath);
  if (!aeConfig)
    return aeConfig.takeError();
  ckpt->aeConfig = *aeConfig;
  if (Error e =
          checkCompatible(*config, *aeConfig, calmConfigPath, aeConfigPath))
    return std::move(e);

  Expected<WeightSet> weights = WeightSet::open(dir);
  if (!weights)
    return weights.takeError();
  ckpt->weights = std::move(*weights);
  bool embedded = ckpt->weights.find("ae_model.encoder.embed_tokens.weight");
  // 9 tensors per backbone layer, 10 per head block, 4 per autoencoder layer.
  int64_t aeNeeded =
      4 * (aeConfig->numEncoderLayers + aeConfig->numDecoderLayers);
  if (Error e = checkLayerCount(
          calmConfigPath, "num_hidden_layers and num_mlp_layers",
          9 * config->numHiddenLayers + 10 * config->numMLPLayers,
          ckpt->weights))
    return std::move(e);
  if (embedded)
    if (Error e = checkLayerCount(aeConfigPath,
                                  "num_encoder_layers and num_decoder_layers",
                                  aeNeeded, ckpt->weights))
      return std::move(e);
  std::vector<TensorSpec> calmLayout = getCALMLayout(*config);
  if (embedded)
    for (TensorSpec &t : getAutoencoderLayout(*aeConfig, "ae_model."))
      calmLayout.push_back(t);
  const WeightSet &w = ckpt->weights;
  if (Error e = checkLayout(w.getPath(), [&](StringRef n) { return w.find(n); },
                            w.all(), calmLayout, {},
                            {"ae_model.decoder.lm_head_weight"}))
    return std::move(e);
  if (const TensorView *out = w.find("ae_model.decoder.lm_head_weight"))
    if (out->shape !=
        std::vector<int64_t>{aeConfig->vocabSize, aeConfig->hiddenSize})
      return fileError(w.getPath(),
                       "tensor 'ae_model.decoder.lm_head_weight' has "
                       "the wrong shape");

  if (!embedded) {
    Expected<WeightSet> aeWeights = WeightSet::open(ae);
    if (!aeWeights)
      return aeWeights.takeError();
    ckpt->aeWeights = std::move(*aeWeights);
    const WeightSet &a = ckpt->aeWeights;
    if (Error e = checkLayerCount(aeConfigPath,
                                  "num_encoder_layers and num_decoder_layers",
                                  aeNeeded, a))
      return std::move(e);
    if (Error e = checkLayout(
            a.getPath(), [&](StringRef n) { return a.find(n); }, a.all(),
            getAutoencoderLayout(*aeConfig), {}, {"decoder.lm_head_weight"}))
      return std::move(e);
  }
  return ckpt;
}
