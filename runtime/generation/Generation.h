//===- Generation.h - the generation policy -------------------*- C++ -*-===//
//
// What `calm-run generate` and calm_generate do with a prompt, in one
// place: the prompt's context check before it is encoded, padding (a CALM's
// prompt is left-padded with <|endoftext|> to whole chunks; the twin's
// follows one <|endoftext|>, as every training document did), one prefill
// pass, then a chunk (or token) at a time until max tokens or end of text,
// streaming the text as it decodes (never splitting a UTF-8 sequence).
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_GENERATION_GENERATION_H
#define CALM_RUNTIME_GENERATION_GENERATION_H

#include "generation/Sampling.h"
#include "models/CALMModel.h"
#include "models/LlamaModel.h"
#include "tokenizer/Tokenizer.h"

#include "llvm/ADT/STLFunctionalExtras.h"

namespace calm::runtime {

/// A token model's prompt is prefilled in passes of at most this many tokens
/// (llama_prefill_last on each): it bounds each pass's activations and
/// attention scores, which past this size cost more in cache misses than
/// one pass saves (bench/forward/token_prefill_bench --slice).
constexpr int64_t kPromptSliceTokens = 64;

struct GenerateOptions {
  /// Tokens to generate at most (a CALM rounds up to whole chunks and cuts
  /// the text at this many).
  int64_t maxTokens = 64;
  SamplingOptions sampling;
  uint64_t seed = 0;
  /// Keep going past end of text.
  bool ignoreEOS = false;
};

struct GenerateStats {
  int64_t tokens = 0, promptTokens = 0;
  SamplingStats sampling;
  double seconds = 0, promptSeconds = 0, firstChunkSeconds = 0;
  /// Tokens per chunk (K; the twin's stats count its first 4 tokens as the
  /// first chunk).
  int64_t chunkTokens = 0;
};

/// Receives generated text, in pieces that end on UTF-8 boundaries; true
/// stops the generation.
using TextSink = llvm::function_ref<bool(llvm::StringRef)>;

/// Chunks a CALM's prompt of `promptIds` tokens takes once left-padded
/// with <|endoftext|> to whole chunks of `k` (an empty prompt is one chunk
/// of padding): the one statement of the padding rule.
int64_t paddedPromptChunks(int64_t promptIds, int64_t k);

/// The options' one-line errors (generate() checks them too; a front end
/// may check before it loads the model).
llvm::Error checkGenerateOptions(const GenerateOptions &options);

/// Generates from a new context in `kv` (emptied first; calls on
/// different caches may run at once): one-line errors for a prompt beyond
/// the context, ids outside the vocabulary, or options out of range.
llvm::Expected<GenerateStats>
generate(CALMModel &model, CALMCache &kv, const Tokenizer &tokenizer,
         llvm::StringRef prompt, const GenerateOptions &options, TextSink sink);
/// The token twin: one step per token, softmax(logits / T) sampled exactly
/// (options.sampling.samples must be 0).
llvm::Expected<GenerateStats>
generate(LlamaModel &model, LlamaCache &kv, const Tokenizer &tokenizer,
         llvm::StringRef prompt, const GenerateOptions &options, TextSink sink);

} // namespace calm::runtime

#endif // CALM_RUNTIME_GENERATION_GENERATION_H
