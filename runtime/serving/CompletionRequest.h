//===- CompletionRequest.h - an OpenAI completion request, checked -*- C++
//-*-===//
//
// The body of `POST /v1/completions` parsed (llvm::json) and checked field
// by field against what a CALM can honour, before any model work: every
// problem is an APIError with the HTTP status and the OpenAI error type
// and a message naming the field, so that a bad request never reaches the
// model and never affects another.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_SERVING_COMPLETIONREQUEST_H
#define CALM_RUNTIME_SERVING_COMPLETIONREQUEST_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace calm::runtime {

/// An OpenAI-style error: `{"error": {"message", "type", "param", "code"}}`
/// with status `status`.
struct APIError {
  int status = 400;
  std::string type = "invalid_request_error";
  std::string message;
  /// The offending field ("" if none).
  std::string param;
  /// A machine-readable code ("" if none), e.g. "model_not_found".
  std::string code;
  /// The error as the JSON body of a response.
  std::string toJSON() const;
};

/// What the server fixes for every request.
struct CompletionLimits {
  /// The id `model` must name (GET /v1/models lists it).
  std::string modelId;
  /// A CALM (samples allowed) or a token model.
  bool isCALM = true;
  /// Upper bound of max_tokens before the prompt is considered (the
  /// context); the prompt's fit is checked after tokenization.
  int64_t contextTokens = 0;
  /// Upper bound of the batch approximation's draws (each a row of the
  /// batched head and decoder pass).
  int64_t maxSamples = 1024;
};

struct CompletionRequest {
  std::string prompt;
  int64_t maxTokens = 16; // OpenAI's default
  double temperature = 1.0;
  /// Absent: the server draws one.
  std::optional<uint64_t> seed;
  /// At most four, none empty: the text ends before the first match.
  std::vector<std::string> stop;
  bool stream = false;
  /// stream_options.include_usage: a last event with the usage.
  bool includeUsage = false;
  /// CALM extra: 0 exact sampling, N the batch approximation with N draws.
  int64_t samples = 0;
  /// Extra (as vLLM's): keep generating past end of text, for benchmarks
  /// that need a fixed number of tokens.
  bool ignoreEOS = false;
};

/// Parses and checks a request body; every field OpenAI defines is either
/// honoured or refused when set to anything but its neutral value (n,
/// best_of, logprobs, echo, logit_bias, top_p, penalties, suffix); unknown
/// fields are refused by name.
std::variant<CompletionRequest, APIError>
parseCompletionRequest(llvm::StringRef body, const CompletionLimits &limits);

} // namespace calm::runtime

#endif // CALM_RUNTIME_SERVING_COMPLETIONREQUEST_H
