//===- LanguageModel.cpp - one interface over a CALM and a token model ----===//

#include "models/LanguageModel.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

using namespace calm::runtime;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<std::unique_ptr<LanguageModel>>
LanguageModel::open(llvm::StringRef dir, const ModelOptions &options,
                    int64_t contextChunks, CodeSources sources) {
  if (contextChunks < 1)
    return makeError("the context must be at least one chunk (--max-chunks)");
  llvm::SmallString<256> configPath(dir), tokenizerPath(dir);
  llvm::sys::path::append(configPath, "config.json");
  llvm::sys::path::append(tokenizerPath, "tokenizer.json");
  if (!llvm::sys::fs::exists(configPath))
    return makeError(dir + ": no config.json: not a model directory");
  auto kind = readModelKind(configPath);
  if (!kind)
    return kind.takeError();
  auto tokenizer = Tokenizer::load(tokenizerPath);
  if (!tokenizer)
    return tokenizer.takeError();
  std::unique_ptr<LanguageModel> m(new LanguageModel(std::move(*tokenizer)));
  m->contextChunks = contextChunks;
  ModelOptions modelOptions = options;
  if (*kind == ModelKind::Llama) {
    modelOptions.build.maxChunks = contextChunks * kTwinChunkTokens;
    auto model = LlamaModel::load(dir, modelOptions, sources.llama);
    if (!model)
      return model.takeError();
    m->llama = std::move(*model);
  } else {
    modelOptions.build.maxChunks = contextChunks;
    auto model = CALMModel::load(dir, modelOptions, sources.calm);
    if (!model)
      return model.takeError();
    m->calm = std::move(*model);
  }
  return std::move(m);
}

int64_t LanguageModel::getStepTokens() const {
  return calm ? calm->getConfig().patchSize : 1;
}
int64_t LanguageModel::getEvalChunkTokens() const {
  return calm ? calm->getConfig().patchSize : kTwinChunkTokens;
}
int64_t LanguageModel::getVocabSize() const {
  return calm ? calm->getConfig().vocabSize : llama->getConfig().vocabSize;
}
int64_t LanguageModel::getEOSTokenId() const {
  return calm ? calm->getConfig().eosTokenId : llama->getConfig().eosTokenId;
}
const ModelCode &LanguageModel::getCompiled() const {
  return calm ? calm->getCompiled() : llama->getCompiled();
}
const LoadTimes &LanguageModel::getLoadTimes() const {
  return calm ? calm->getLoadTimes() : llama->getLoadTimes();
}
uint64_t LanguageModel::weightBytes() const {
  return calm ? calm->weightBytes() : llama->weightBytes();
}
uint64_t LanguageModel::cacheBytes() const {
  return calm ? calm->cacheBytes() : llama->cacheBytes();
}

int64_t LanguageModel::contextTokensNeeded(int64_t promptIds,
                                           int64_t maxTokens) const {
  if (!calm)
    return 1 + promptIds + maxTokens; // after one <|endoftext|>
  // The padded prompt, then new tokens in whole chunks.
  int64_t k = getStepTokens();
  return (paddedPromptChunks(promptIds, k) + (maxTokens + k - 1) / k) * k;
}

std::unique_ptr<LanguageModel::Session> LanguageModel::newSession() const {
  auto session = std::make_unique<Session>();
  if (calm)
    session->cache = calm->newCache();
  else
    session->cache = llama->newCache();
  return session;
}

llvm::Expected<GenerateStats>
LanguageModel::generate(Session &session, llvm::StringRef prompt,
                        const GenerateOptions &options, TextSink sink) {
  if (calm)
    return runtime::generate(*calm, std::get<CALMCache>(session.cache),
                             tokenizer, prompt, options, sink);
  return runtime::generate(*llama, std::get<LlamaCache>(session.cache),
                           tokenizer, prompt, options, sink);
}

llvm::Expected<std::pair<std::vector<int32_t>, int64_t>>
LanguageModel::evalStream(llvm::StringRef text,
                          const EvalOptions &options) const {
  int64_t k = getEvalChunkTokens(), blockSize = options.blockSize;
  if (blockSize < 2 * k || blockSize % k != 0)
    return makeError(llvm::formatv("the block size must be a multiple of K "
                                   "= {0} and at least 2K, got {1}",
                                   k, blockSize));
  if (blockSize / k > contextChunks)
    return makeError(llvm::formatv("the block size {0} needs {1} chunks of "
                                   "context; the model holds {2} "
                                   "(--max-chunks)",
                                   blockSize, blockSize / k, contextChunks));
  if (options.maxBlocks < 0)
    return makeError("the number of blocks must be at least 0 (0: all)");
  std::vector<int32_t> stream = tokenizer.encode(text);
  stream.push_back(static_cast<int32_t>(getEOSTokenId()));
  for (int32_t id : stream)
    if (id >= getVocabSize())
      return makeError(llvm::formatv("the text encodes to token {0}, outside "
                                     "the model's vocabulary of {1}",
                                     id, getVocabSize()));
  int64_t blocks = static_cast<int64_t>(stream.size()) / blockSize;
  if (options.maxBlocks > 0)
    blocks = std::min(blocks, options.maxBlocks);
  if (blocks == 0)
    return makeError(llvm::formatv("the text is {0} tokens, fewer than one "
                                   "block of {1}",
                                   stream.size(), blockSize));
  return std::make_pair(std::move(stream), blocks);
}

llvm::Expected<EvalResult> LanguageModel::evaluate(llvm::StringRef text,
                                                   const EvalOptions &options,
                                                   BrierProgress progress) {
  auto prepared = evalStream(text, options);
  if (!prepared)
    return prepared.takeError();
  const std::vector<int32_t> &stream = prepared->first;
  EvalResult result;
  result.blocks = prepared->second;
  result.tokens = result.blocks * options.blockSize;
  std::vector<BrierSums> *perBlock =
      options.perBlock ? &result.perBlock : nullptr;
  auto sums =
      calm ? evaluateCALMStream(*calm, stream, options.blockSize, result.blocks,
                                options.seed, progress, perBlock)
           : evaluateTwinStream(*llama, stream, options.blockSize,
                                getEvalChunkTokens(), result.blocks,
                                options.seed, progress, perBlock);
  if (!sums)
    return sums.takeError();
  result.sums = *sums;
  return result;
}

llvm::Expected<ReconstructionResult>
LanguageModel::evaluateReconstruction(llvm::StringRef text,
                                      const EvalOptions &options,
                                      ReconstructionProgress progress) {
  if (!calm)
    return makeError("a token model has no autoencoder to reconstruct with "
                     "(--reconstruction needs a CALM)");
  auto prepared = evalStream(text, options);
  if (!prepared)
    return prepared.takeError();
  ReconstructionResult result;
  result.blocks = prepared->second;
  auto counts = runtime::evaluateReconstruction(
      *calm, prepared->first, options.blockSize, result.blocks, progress,
      options.perBlock ? &result.perBlock : nullptr);
  if (!counts)
    return counts.takeError();
  result.counts = *counts;
  return result;
}
