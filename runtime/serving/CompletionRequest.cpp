//===- CompletionRequest.cpp - an OpenAI completion request, checked ------===//

#include "serving/CompletionRequest.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <cmath>
#include <cstdio>

using namespace calm::runtime;
namespace json = llvm::json;

std::string APIError::toJSON() const {
  json::Object error{{"message", message}, {"type", type}};
  error["param"] = param.empty() ? json::Value(nullptr) : json::Value(param);
  error["code"] = code.empty() ? json::Value(nullptr) : json::Value(code);
  std::string out;
  llvm::raw_string_ostream os(out);
  os << json::Value(json::Object{{"error", std::move(error)}});
  return out;
}

namespace {

std::string shortest(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", x);
  return buffer;
}

APIError invalid(llvm::StringRef param, const llvm::Twine &message) {
  APIError e;
  e.param = param.str();
  e.message = message.str();
  return e;
}

/// A field that must keep its neutral value: `isNeutral` says whether it
/// does.
template <typename Pred>
std::optional<APIError> requireNeutral(const json::Object &body,
                                       llvm::StringRef field, Pred isNeutral,
                                       llvm::StringRef why) {
  const json::Value *v = body.get(field);
  if (!v || v->getAsNull() || isNeutral(*v))
    return std::nullopt;
  return invalid(field, llvm::Twine(field) + " is not supported: " + why);
}

} // namespace

std::variant<CompletionRequest, APIError>
calm::runtime::parseCompletionRequest(llvm::StringRef body,
                                      const CompletionLimits &limits) {
  auto parsed = json::parse(body);
  if (!parsed)
    return invalid("", "the body is not valid JSON: " +
                           llvm::toString(parsed.takeError()));
  const json::Object *object = parsed->getAsObject();
  if (!object)
    return invalid("", "the body must be a JSON object");
  const json::Object &o = *object;

  static const llvm::StringSet<> known = {
      "model",      "prompt",  "max_tokens",       "temperature",
      "seed",       "stop",    "stream",           "stream_options",
      "n",          "best_of", "logprobs",         "echo",
      "logit_bias", "top_p",   "presence_penalty", "frequency_penalty",
      "suffix",     "user",    "samples",          "ignore_eos"};
  for (const auto &kv : o)
    if (!known.contains(kv.first))
      return invalid(
          kv.first.str(),
          llvm::formatv("unrecognized request argument: {0}", kv.first.str()));

  CompletionRequest r;
  if (const json::Value *v = o.get("model"); v && !v->getAsNull()) {
    auto model = v->getAsString();
    if (!model)
      return invalid("model", "model must be a string");
    if (*model != limits.modelId) {
      APIError e = invalid("model", llvm::formatv("the model '{0}' does not "
                                                  "exist; this server serves "
                                                  "'{1}'",
                                                  *model, limits.modelId));
      e.status = 404;
      e.code = "model_not_found";
      return e;
    }
  }

  if (const json::Value *v = o.get("prompt"); v && !v->getAsNull()) {
    if (auto s = v->getAsString()) {
      r.prompt = s->str();
    } else if (const json::Array *a = v->getAsArray()) {
      // OpenAI also takes a batch of prompts or token ids; one session
      // generates one text.
      if (a->size() != 1 || !(*a)[0].getAsString())
        return invalid("prompt", "prompt must be a string (or an array of "
                                 "exactly one string); batches and token-id "
                                 "prompts are not supported");
      r.prompt = (*a)[0].getAsString()->str();
    } else {
      return invalid("prompt", "prompt must be a string");
    }
  }

  if (const json::Value *v = o.get("max_tokens"); v && !v->getAsNull()) {
    auto n = v->getAsInteger();
    if (!n)
      return invalid("max_tokens", "max_tokens must be an integer");
    if (*n < 1)
      return invalid(
          "max_tokens",
          llvm::formatv("max_tokens must be at least 1, got {0}", *n));
    if (*n > limits.contextTokens)
      return invalid("max_tokens",
                     llvm::formatv("max_tokens {0} exceeds the context of {1} "
                                   "tokens",
                                   *n, limits.contextTokens));
    r.maxTokens = *n;
  }

  if (const json::Value *v = o.get("temperature"); v && !v->getAsNull()) {
    auto t = v->getAsNumber();
    if (!t)
      return invalid("temperature", "temperature must be a number");
    // Greedy decoding (0) needs likelihoods a CALM does not have, and its
    // sampler can sharpen (T < 1) but not flatten (T > 1).
    if (!(*t > 0.0 && *t <= 1.0))
      return invalid("temperature",
                     llvm::formatv("temperature must be in (0, 1], got {0}: "
                                   "a CALM samples below T = 1 by rejection "
                                   "and has no likelihoods for T = 0",
                                   shortest(*t)));
    r.temperature = *t;
  }

  if (const json::Value *v = o.get("seed"); v && !v->getAsNull()) {
    auto s = v->getAsInteger();
    if (!s)
      return invalid("seed", "seed must be an integer");
    r.seed = static_cast<uint64_t>(*s);
  }

  if (const json::Value *v = o.get("stop"); v && !v->getAsNull()) {
    if (auto s = v->getAsString()) {
      r.stop.push_back(s->str());
    } else if (const json::Array *a = v->getAsArray()) {
      if (a->size() > 4)
        return invalid("stop", "stop takes at most 4 sequences");
      for (const json::Value &e : *a) {
        auto s = e.getAsString();
        if (!s)
          return invalid("stop", "stop must be a string or an array of "
                                 "strings");
        r.stop.push_back(s->str());
      }
    } else {
      return invalid("stop", "stop must be a string or an array of strings");
    }
    for (const std::string &s : r.stop)
      if (s.empty())
        return invalid("stop", "stop sequences must not be empty");
  }

  if (const json::Value *v = o.get("stream"); v && !v->getAsNull()) {
    auto b = v->getAsBoolean();
    if (!b)
      return invalid("stream", "stream must be a boolean");
    r.stream = *b;
  }
  if (const json::Value *v = o.get("stream_options"); v && !v->getAsNull()) {
    const json::Object *so = v->getAsObject();
    if (!so)
      return invalid("stream_options", "stream_options must be an object");
    for (const auto &kv : *so)
      if (kv.first != "include_usage")
        return invalid("stream_options",
                       "stream_options takes only include_usage");
    if (const json::Value *u = so->get("include_usage"); u && !u->getAsNull()) {
      auto b = u->getAsBoolean();
      if (!b)
        return invalid("stream_options",
                       "stream_options.include_usage must be a boolean");
      r.includeUsage = *b;
    }
    if (!r.stream)
      return invalid("stream_options",
                     "stream_options is only allowed with stream: true");
  }

  if (const json::Value *v = o.get("ignore_eos"); v && !v->getAsNull()) {
    auto b = v->getAsBoolean();
    if (!b)
      return invalid("ignore_eos", "ignore_eos must be a boolean");
    r.ignoreEOS = *b;
  }

  if (const json::Value *v = o.get("user");
      v && !v->getAsNull() && !v->getAsString())
    return invalid("user", "user must be a string");

  if (const json::Value *v = o.get("samples"); v && !v->getAsNull()) {
    auto n = v->getAsInteger();
    if (!n)
      return invalid("samples", "samples must be an integer");
    if (!limits.isCALM && *n != 0)
      return invalid("samples", "samples is the CALM batch approximation; a "
                                "token-level model samples its softmax "
                                "exactly");
    if (*n < 0 || *n > limits.maxSamples)
      return invalid("samples",
                     llvm::formatv("samples must be in [0, {0}], got {1}",
                                   limits.maxSamples, *n));
    r.samples = *n;
    if (r.samples > 0 && std::round(1.0 / r.temperature) > r.samples)
      return invalid("samples",
                     llvm::formatv("samples {0} is fewer than 1/T = {1}: the "
                                   "batch approximation needs at least n "
                                   "draws",
                                   r.samples, shortest(1.0 / r.temperature)));
  }

  auto isOne = [](const json::Value &v) {
    auto n = v.getAsNumber();
    return n && *n == 1.0;
  };
  auto isZero = [](const json::Value &v) {
    auto n = v.getAsNumber();
    return n && *n == 0.0;
  };
  auto isFalse = [](const json::Value &v) {
    auto b = v.getAsBoolean();
    return b && !*b;
  };
  auto isEmptyObject = [](const json::Value &v) {
    const json::Object *o = v.getAsObject();
    return o && o->empty();
  };
  auto never = [](const json::Value &) { return false; };
  const char *likelihoodFree =
      "a CALM is likelihood-free: it has no token probabilities";
  for (auto check : {
           requireNeutral(o, "n", isOne, "one completion per request"),
           requireNeutral(o, "best_of", isOne, "one completion per request"),
           requireNeutral(o, "logprobs", never, likelihoodFree),
           requireNeutral(o, "echo", isFalse, "the prompt is not repeated"),
           requireNeutral(o, "logit_bias", isEmptyObject, likelihoodFree),
           requireNeutral(o, "top_p", isOne, likelihoodFree),
           requireNeutral(o, "presence_penalty", isZero, likelihoodFree),
           requireNeutral(o, "frequency_penalty", isZero, likelihoodFree),
           requireNeutral(
               o, "suffix",
               [](const json::Value &v) {
                 auto s = v.getAsString();
                 return s && s->empty();
               },
               "insertion is not supported"),
       })
    if (check)
      return *check;
  return r;
}
