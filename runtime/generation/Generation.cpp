//===- Generation.cpp - the generation policy -----------------------------===//

#include "generation/Generation.h"

#include "llvm/Support/FormatVariadic.h"

#include <chrono>

using namespace calm::runtime;

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

/// Streams generated text: each piece's bytes (byte-level BPE decodes token
/// by token) are appended to `pending`, and everything up to an incomplete
/// UTF-8 sequence at the end is passed on; a later piece completes it.
class TextStream {
public:
  TextStream(const Tokenizer &tokenizer, TextSink sink)
      : tokenizer(tokenizer), sink(sink) {}
  /// True when the sink asked to stop.
  bool write(llvm::ArrayRef<int32_t> ids, bool final) {
    if (auto text = tokenizer.decode(ids))
      pending += *text;
    else
      llvm::consumeError(text.takeError());
    size_t end = final ? pending.size() : completePrefix();
    bool stop = end > 0 && sink(llvm::StringRef(pending).take_front(end));
    pending.erase(0, end);
    return stop;
  }

private:
  /// Length of `pending` without a trailing partial UTF-8 sequence.
  size_t completePrefix() const {
    size_t i = pending.size(), back = 0;
    while (i > 0 && back < 3 &&
           (static_cast<unsigned char>(pending[i - 1]) & 0xC0) == 0x80)
      --i, ++back;
    if (i == 0)
      return pending.size();
    unsigned char lead = static_cast<unsigned char>(pending[i - 1]);
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return need > 1 && back + 1 < need ? i - 1 : pending.size();
  }
  const Tokenizer &tokenizer;
  TextSink sink;
  std::string pending;
};

/// A tokenizer may know more tokens than the model embeds.
llvm::Error checkPromptIds(llvm::ArrayRef<int32_t> ids, int64_t vocabSize) {
  for (int32_t id : ids)
    if (id >= vocabSize)
      return makeError(
          llvm::formatv("the prompt encodes to token {0}, outside the model's "
                        "vocabulary of {1}",
                        id, vocabSize));
  return llvm::Error::success();
}

} // namespace

int64_t calm::runtime::paddedPromptChunks(int64_t promptIds, int64_t k) {
  return promptIds == 0 ? 1 : (promptIds + k - 1) / k;
}

llvm::Error
calm::runtime::checkGenerateOptions(const GenerateOptions &options) {
  if (options.maxTokens < 1)
    return makeError("--max-tokens must be at least 1");
  if (options.sampling.maxRounds < 1)
    return makeError("--max-rounds must be at least 1");
  return checkSamplingOptions(options.sampling);
}

llvm::Expected<GenerateStats>
calm::runtime::generate(CALMModel &model, CALMCache &kv,
                        const Tokenizer &tokenizer, llvm::StringRef prompt,
                        const GenerateOptions &options, TextSink sink) {
  if (llvm::Error e = checkGenerateOptions(options))
    return std::move(e);
  const CALMConfig &c = model.getConfig();
  int64_t k = c.patchSize, maxChunks = model.getMaxChunks();
  GenerateStats stats;
  stats.chunkTokens = k;
  auto start = std::chrono::steady_clock::now();

  // A prompt of N bytes is at least N / maxTokenBytes() tokens: one that
  // cannot fit the context is refused before it is encoded (a 100 MB prompt
  // costs a file read, not a tokenization).
  uint64_t contextTokens = uint64_t(maxChunks) * uint64_t(k);
  if (prompt.size() / tokenizer.maxTokenBytes() > contextTokens)
    return makeError(llvm::formatv(
        "the prompt ({0} bytes, at least {1} tokens) exceeds the context of "
        "{2} chunks ({3} tokens); raise --max-chunks or shorten the prompt",
        prompt.size(), prompt.size() / tokenizer.maxTokenBytes(), maxChunks,
        contextTokens));

  // A prompt whose length is not a multiple of K is left-padded with the
  // end-of-text token, which the model saw before every training document
  // (docs/ARCHITECTURE.md, "Prompts"); an empty prompt is one such chunk.
  std::vector<int32_t> ids = tokenizer.encode(prompt);
  if (llvm::Error e = checkPromptIds(ids, c.vocabSize))
    return std::move(e);
  int64_t n = static_cast<int64_t>(ids.size());
  ids.insert(ids.begin(), paddedPromptChunks(n, k) * k - n,
             static_cast<int32_t>(c.eosTokenId));
  stats.promptTokens = static_cast<int64_t>(ids.size());
  int64_t promptChunks = ids.size() / k;
  int64_t newChunks = (options.maxTokens + k - 1) / k;
  if (promptChunks + newChunks > maxChunks)
    return makeError(llvm::formatv(
        "the prompt ({0} chunks of {1} tokens) plus --max-tokens {2} exceeds "
        "the context of {3} chunks; raise --max-chunks or shorten the prompt",
        promptChunks, k, options.maxTokens, maxChunks));
  // The whole prompt in one backbone pass; its last row conditions the
  // first new chunk.
  kv.position = 0;
  // A generation is a unit of GPU work on this thread: an earlier request's
  // failure is not this one's.
  model.clearDeviceError();
  auto promptStart = std::chrono::steady_clock::now();
  std::vector<float> hidden(c.hiddenSize);
  {
    std::vector<float> rows(promptChunks * c.hiddenSize);
    if (llvm::Error e = model.prefill(kv, ids, rows))
      return std::move(e);
    std::copy(rows.end() - c.hiddenSize, rows.end(), hidden.begin());
  }
  stats.promptSeconds = secondsSince(promptStart);
  auto firstChunkStart = std::chrono::steady_clock::now();

  std::mt19937_64 rng(options.seed);
  std::vector<int32_t> generated;
  TextStream text(tokenizer, sink);
  bool stopped = false;
  for (int64_t step = 0; step < newChunks && !stopped; ++step) {
    std::vector<int32_t> chunk =
        sampleChunk(model, hidden, options.sampling, rng, stats.sampling);
    // The head and decoder report no error of their own: tokens of a
    // failed call (stale or zero) are never emitted.
    if (llvm::Error e = model.deviceStatus())
      return std::move(e);
    if (step == 0)
      stats.firstChunkSeconds = secondsSince(firstChunkStart);
    size_t before = generated.size();
    for (int32_t id : chunk) {
      if (id == c.eosTokenId && !options.ignoreEOS) {
        stopped = true;
        break;
      }
      generated.push_back(id);
    }
    if (static_cast<int64_t>(generated.size()) >= options.maxTokens) {
      generated.resize(options.maxTokens);
      stopped = true;
    }
    if (text.write(llvm::ArrayRef<int32_t>(generated).drop_front(before),
                   /*final=*/stopped))
      stopped = true;
    if (!stopped && step + 1 < newChunks)
      if (llvm::Error e = model.step(kv, chunk, hidden))
        return std::move(e);
  }
  text.write({}, /*final=*/true);
  stats.tokens = static_cast<int64_t>(generated.size());
  stats.seconds = secondsSince(start);
  return stats;
}

llvm::Expected<GenerateStats>
calm::runtime::generate(LlamaModel &model, LlamaCache &kv,
                        const Tokenizer &tokenizer, llvm::StringRef prompt,
                        const GenerateOptions &options, TextSink sink) {
  if (options.sampling.samples > 0)
    return makeError("--samples is the CALM batch approximation; a "
                     "token-level model samples its softmax exactly");
  if (llvm::Error e = checkGenerateOptions(options))
    return std::move(e);
  const LlamaConfig &c = model.getConfig();
  GenerateStats stats;
  stats.chunkTokens = kTwinChunkTokens;
  auto start = std::chrono::steady_clock::now();
  // As for a CALM: a prompt that cannot fit is refused before encoding.
  uint64_t atLeast = prompt.size() / tokenizer.maxTokenBytes();
  if (atLeast > uint64_t(model.getCapacity()))
    return makeError(llvm::formatv(
        "the prompt ({0} bytes, at least {1} tokens) exceeds the context of "
        "{2} tokens; raise --max-chunks or shorten the prompt",
        prompt.size(), atLeast, model.getCapacity()));
  std::vector<int32_t> ids = tokenizer.encode(prompt);
  if (llvm::Error e = checkPromptIds(ids, c.vocabSize))
    return std::move(e);
  ids.insert(ids.begin(), static_cast<int32_t>(c.eosTokenId));
  stats.promptTokens = static_cast<int64_t>(ids.size());
  if (static_cast<int64_t>(ids.size()) + options.maxTokens >
      model.getCapacity())
    return makeError(llvm::formatv(
        "the prompt ({0} tokens) plus --max-tokens {1} exceeds the context "
        "of {2} tokens; raise --max-chunks or shorten the prompt",
        ids.size(), options.maxTokens, model.getCapacity()));
  model.rewind(kv, 0);
  // The prompt in passes of kPromptSliceTokens, each computing only its last
  // row's logits: the last pass's are the next token's, and the LM head of
  // every other row would be wasted work.
  auto promptStart = std::chrono::steady_clock::now();
  std::vector<float> logits(c.vocabSize);
  const size_t slice = kPromptSliceTokens;
  for (size_t first = 0; first < ids.size(); first += slice)
    if (llvm::Error e = model.prefillLast(
            kv,
            llvm::ArrayRef<int32_t>(ids).slice(
                first, std::min(slice, ids.size() - first)),
            logits))
      return std::move(e);
  stats.promptSeconds = secondsSince(promptStart);
  auto firstStart = std::chrono::steady_clock::now();
  std::mt19937_64 rng(options.seed);
  std::vector<int32_t> generated;
  TextStream text(tokenizer, sink);
  while (static_cast<int64_t>(generated.size()) < options.maxTokens) {
    int32_t id = sampleToken(logits, options.sampling.temperature, rng);
    if (generated.size() + 1 == kTwinChunkTokens)
      stats.firstChunkSeconds = secondsSince(firstStart);
    if (id == c.eosTokenId && !options.ignoreEOS)
      break;
    generated.push_back(id);
    if (text.write(llvm::ArrayRef<int32_t>(generated).take_back(),
                   /*final=*/false))
      break;
    if (static_cast<int64_t>(generated.size()) < options.maxTokens)
      if (llvm::Error e = model.step(kv, id, logits))
        return std::move(e);
  }
  text.write({}, /*final=*/true);
  stats.tokens = static_cast<int64_t>(generated.size());
  stats.seconds = secondsSince(start);
  return stats;
}
