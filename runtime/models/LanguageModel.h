//===- LanguageModel.h - one interface over both model kinds ---*- C++ -*-===//
//
// What calm-run and libcalm run, whichever kind the model directory holds:
// a CALM (model_type "energy") or its token twin (a Llama). Opens the model
// with its tokenizer, hands out sessions (each with its own KV cache, so
// that sessions of one model generate at once on different threads), and
// evaluates BrierLM with the checks both front ends need, once.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_MODELS_LANGUAGEMODEL_H
#define CALM_RUNTIME_MODELS_LANGUAGEMODEL_H

#include "generation/BrierLM.h"
#include "generation/Generation.h"
#include "generation/Reconstruction.h"
#include "models/CALMModel.h"
#include "models/LlamaModel.h"
#include "tokenizer/Tokenizer.h"

#include <memory>
#include <variant>

namespace calm::runtime {

/// Where the compiled code of either kind comes from: the compiler
/// (runtime/CompiledModels, calm-run) or a checked model library (libcalm).
struct CodeSources {
  CALMCodeSource calm;
  LlamaCodeSource llama;
};

struct EvalOptions {
  /// Tokens per block: a multiple of the chunk (K; 4 for a token model),
  /// at least two chunks, within the context.
  int64_t blockSize = 512;
  /// At most this many blocks (0: every whole block).
  int64_t maxBlocks = 0;
  uint64_t seed = 0;
  /// Keep each block's terms (EvalResult::perBlock).
  bool perBlock = false;
};

struct EvalResult {
  BrierSums sums;
  int64_t blocks = 0, tokens = 0;
  /// Each block's terms, in order, when EvalOptions::perBlock.
  std::vector<BrierSums> perBlock;
};

struct ReconstructionResult {
  ReconstructionCounts counts;
  int64_t blocks = 0;
  /// Each block's counts, in order, when EvalOptions::perBlock.
  std::vector<ReconstructionCounts> perBlock;
};

class LanguageModel {
public:
  /// A sequence's state, its own KV cache: sessions of one model may be
  /// used on different threads at once (one session by one thread at a
  /// time).
  class Session {
  private:
    friend class LanguageModel;
    std::variant<CALMCache, LlamaCache> cache;
  };

  /// Opens the model in `dir` and the tokenizer beside it, for a context of
  /// `contextChunks` chunks (a token model: chunks of kTwinChunkTokens
  /// tokens), with the code from `sources` (`options.build.maxChunks` is
  /// set from `contextChunks`; options.aeDir overrides a CALM's ae_path).
  static llvm::Expected<std::unique_ptr<LanguageModel>>
  open(llvm::StringRef dir, const ModelOptions &options, int64_t contextChunks,
       CodeSources sources);

  ModelKind getKind() const {
    return calm ? ModelKind::CALM : ModelKind::Llama;
  }
  const Tokenizer &getTokenizer() const { return tokenizer; }
  /// Tokens per model step: K for a CALM, 1 for a token model.
  int64_t getStepTokens() const;
  /// Tokens per scored chunk of eval (K; kTwinChunkTokens for the twin).
  int64_t getEvalChunkTokens() const;
  /// The context, in chunks of getEvalChunkTokens() tokens.
  int64_t getContextChunks() const { return contextChunks; }
  int64_t getContextTokens() const {
    return contextChunks * getEvalChunkTokens();
  }
  int64_t getVocabSize() const;
  int64_t getEOSTokenId() const;
  const ModelCode &getCompiled() const;
  const LoadTimes &getLoadTimes() const;
  uint64_t weightBytes() const;
  /// Bytes of one session's KV cache.
  uint64_t cacheBytes() const;
  /// The model itself, for what only one kind has (null for the other).
  CALMModel *getCALM() { return calm.get(); }
  LlamaModel *getLlama() { return llama.get(); }

  /// Context tokens a generation of at most `maxTokens` from a prompt of
  /// `promptIds` tokens occupies, by the padding rule of runtime/Generation
  /// (what generate() refuses beyond getContextTokens()), so that a front
  /// end can answer in its own terms before it generates.
  int64_t contextTokensNeeded(int64_t promptIds, int64_t maxTokens) const;

  std::unique_ptr<Session> newSession() const;
  /// Generates from `prompt` in a new context of `session` (runtime/
  /// Generation: padding, prefill, sampling, stop at end of text).
  llvm::Expected<GenerateStats> generate(Session &session,
                                         llvm::StringRef prompt,
                                         const GenerateOptions &options,
                                         TextSink sink);
  /// BrierLM of `text` as one document (its tokens, then end-of-text) in
  /// whole blocks: one-line errors for a block size that is not a whole
  /// number of chunks or exceeds the context, a text shorter than a block,
  /// or a token outside the vocabulary. Runs on caches of its own.
  llvm::Expected<EvalResult> evaluate(llvm::StringRef text,
                                      const EvalOptions &options,
                                      BrierProgress progress);
  /// The autoencoder's reconstruction of `text` in the same blocks (a
  /// CALM only: a token model has no autoencoder); the same errors.
  llvm::Expected<ReconstructionResult>
  evaluateReconstruction(llvm::StringRef text, const EvalOptions &options,
                         ReconstructionProgress progress);

private:
  /// The token stream of `text` (then end-of-text) and its number of whole
  /// blocks under `options`, or the one-line errors evaluate() names.
  llvm::Expected<std::pair<std::vector<int32_t>, int64_t>>
  evalStream(llvm::StringRef text, const EvalOptions &options) const;
  explicit LanguageModel(Tokenizer tokenizer)
      : tokenizer(std::move(tokenizer)) {}
  Tokenizer tokenizer;
  std::unique_ptr<CALMModel> calm;
  std::unique_ptr<LlamaModel> llama;
  int64_t contextChunks = 0;
};

} // namespace calm::runtime

#endif // CALM_RUNTIME_MODELS_LANGUAGEMODEL_H
