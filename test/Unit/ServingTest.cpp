//===- ServingTest.cpp - calm-run serve's request checks and stop logic ---===//

#include "serving/CompletionRequest.h"
#include "serving/Metrics.h"
#include "serving/StopSequences.h"

#include "llvm/Support/JSON.h"

#include <gtest/gtest.h>

#include <random>

using namespace calm::runtime;

namespace {

CompletionLimits limits() {
  CompletionLimits l;
  l.modelId = "calm-tiny";
  l.isCALM = true;
  l.contextTokens = 2048;
  l.maxSamples = 64;
  return l;
}

CompletionRequest accepted(llvm::StringRef body,
                           CompletionLimits l = limits()) {
  auto r = parseCompletionRequest(body, l);
  if (auto *e = std::get_if<APIError>(&r)) {
    ADD_FAILURE() << body.str() << " refused: " << e->message;
    return {};
  }
  return std::get<CompletionRequest>(r);
}

APIError refused(llvm::StringRef body, CompletionLimits l = limits()) {
  auto r = parseCompletionRequest(body, l);
  if (auto *e = std::get_if<APIError>(&r))
    return *e;
  ADD_FAILURE() << body.str() << " accepted";
  return {};
}

TEST(CompletionRequest, Defaults) {
  CompletionRequest r = accepted("{}");
  EXPECT_EQ(r.prompt, "");
  EXPECT_EQ(r.maxTokens, 16);
  EXPECT_EQ(r.temperature, 1.0);
  EXPECT_FALSE(r.seed.has_value());
  EXPECT_TRUE(r.stop.empty());
  EXPECT_FALSE(r.stream);
  EXPECT_EQ(r.samples, 0);
}

TEST(CompletionRequest, Fields) {
  CompletionRequest r = accepted(
      R"({"model": "calm-tiny", "prompt": ["Call me"], "max_tokens": 40,
          "temperature": 0.5, "seed": 7, "stop": ["\n", "."], "stream": true,
          "stream_options": {"include_usage": true}, "samples": 8,
          "n": 1, "top_p": 1, "logprobs": null, "echo": false,
          "logit_bias": {}, "presence_penalty": 0, "frequency_penalty": 0.0,
          "suffix": "", "user": "u", "ignore_eos": true})");
  EXPECT_EQ(r.prompt, "Call me");
  EXPECT_EQ(r.maxTokens, 40);
  EXPECT_EQ(r.temperature, 0.5);
  EXPECT_EQ(r.seed, 7u);
  EXPECT_EQ(r.stop, (std::vector<std::string>{"\n", "."}));
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.includeUsage);
  EXPECT_EQ(r.samples, 8);
  EXPECT_TRUE(r.ignoreEOS);
  EXPECT_EQ(accepted(R"({"stop": "END"})").stop,
            std::vector<std::string>{"END"});
}

TEST(CompletionRequest, RefusedFieldsNameThemselves) {
  struct Case {
    const char *body, *param;
    int status;
  } cases[] = {
      {R"({"temperature": 0})", "temperature", 400},
      {R"({"temperature": 1.01})", "temperature", 400},
      {R"({"temperature": "1"})", "temperature", 400},
      {R"({"max_tokens": 0})", "max_tokens", 400},
      {R"({"max_tokens": 2049})", "max_tokens", 400},
      {R"({"max_tokens": 1.5})", "max_tokens", 400},
      {R"({"prompt": ["a", "b"]})", "prompt", 400},
      {R"({"prompt": [1, 2]})", "prompt", 400},
      {R"({"prompt": {}})", "prompt", 400},
      {R"({"stop": ["a", "b", "c", "d", "e"]})", "stop", 400},
      {R"({"stop": [""]})", "stop", 400},
      {R"({"stop": 3})", "stop", 400},
      {R"({"seed": "7"})", "seed", 400},
      {R"({"stream": 1})", "stream", 400},
      {R"({"stream_options": {"include_usage": true}})", "stream_options",
       400},
      {R"({"stream": true, "stream_options": {"other": 1}})",
       "stream_options", 400},
      {R"({"samples": -1})", "samples", 400},
      {R"({"samples": 65})", "samples", 400},
      {R"({"temperature": 0.25, "samples": 3})", "samples", 400},
      {R"({"n": 2})", "n", 400},
      {R"({"best_of": 3})", "best_of", 400},
      {R"({"logprobs": 0})", "logprobs", 400},
      {R"({"echo": true})", "echo", 400},
      {R"({"logit_bias": {"1": 5}})", "logit_bias", 400},
      {R"({"top_p": 0.5})", "top_p", 400},
      {R"({"presence_penalty": 0.1})", "presence_penalty", 400},
      {R"({"frequency_penalty": -1})", "frequency_penalty", 400},
      {R"({"suffix": "end"})", "suffix", 400},
      {R"({"user": 5})", "user", 400},
      {R"({"ignore_eos": "yes"})", "ignore_eos", 400},
      {R"({"temprature": 0.5})", "temprature", 400},
      {R"({"model": "gpt-4o"})", "model", 404},
      {R"({"model": 4})", "model", 400},
  };
  for (const Case &c : cases) {
    APIError e = refused(c.body);
    EXPECT_EQ(e.param, c.param) << c.body;
    EXPECT_EQ(e.status, c.status) << c.body;
    EXPECT_FALSE(e.message.empty()) << c.body;
  }
  EXPECT_EQ(refused(R"({"model": "gpt-4o"})").code, "model_not_found");
}

TEST(CompletionRequest, NotJSON) {
  for (const char *body : {"", "{", "[1]", "null", "\"x\"", "{\"a\": }"}) {
    APIError e = refused(body);
    EXPECT_EQ(e.status, 400) << body;
    EXPECT_EQ(e.type, "invalid_request_error") << body;
  }
  // Invalid UTF-8 inside a string.
  EXPECT_EQ(refused("{\"prompt\": \"\xff\"}").status, 400);
}

TEST(CompletionRequest, SamplesOnlyForACALM) {
  CompletionLimits twin = limits();
  twin.isCALM = false;
  EXPECT_EQ(refused(R"({"samples": 4})", twin).param, "samples");
  EXPECT_EQ(accepted(R"({"samples": 0})", twin).samples, 0);
}

TEST(CompletionRequest, ErrorBody) {
  APIError e = refused(R"({"n": 2})");
  auto body = llvm::json::parse(e.toJSON());
  ASSERT_TRUE(bool(body));
  const llvm::json::Object *error = body->getAsObject()->getObject("error");
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->getString("param"), llvm::StringRef("n"));
  EXPECT_EQ(error->getString("type"),
            llvm::StringRef("invalid_request_error"));
  EXPECT_TRUE(error->get("code")->getAsNull().has_value());
}

/// The reference: cut the whole text before the earliest match.
std::string cutAtStop(const std::string &text,
                      const std::vector<std::string> &stops) {
  size_t first = std::string::npos;
  for (const std::string &s : stops)
    first = std::min(first, text.find(s));
  return first == std::string::npos ? text : text.substr(0, first);
}

TEST(StopSequences, SpansPieces) {
  StopSequences s({"END"});
  EXPECT_EQ(s.push("abc E"), "abc ");
  EXPECT_EQ(s.push("N"), "");
  EXPECT_FALSE(s.matched());
  EXPECT_EQ(s.push("Dxyz"), "");
  EXPECT_TRUE(s.matched());
  EXPECT_EQ(s.push("more"), "");
  EXPECT_EQ(s.finish(), "");
}

TEST(StopSequences, FalseStartIsReleased) {
  StopSequences s({"END"});
  EXPECT_EQ(s.push("EN"), "");
  EXPECT_EQ(s.push("x"), "ENx");
  EXPECT_EQ(s.push("E"), "");
  EXPECT_EQ(s.finish(), "E");
  EXPECT_FALSE(s.matched());
}

TEST(StopSequences, EarliestMatchWins) {
  StopSequences s({"world", "lo"});
  EXPECT_EQ(s.push("hello world"), "hel");
  EXPECT_TRUE(s.matched());
}

// Any split of a text into pieces releases exactly the text cut at the
// first stop sequence, whatever the pieces.
TEST(StopSequences, AnySplitEqualsTheWhole) {
  std::mt19937 rng(1);
  const std::string alphabet = "abAB \xc3\xa9";
  for (int trial = 0; trial < 2000; ++trial) {
    std::string text;
    for (int i = 0, n = rng() % 40; i < n; ++i)
      text += alphabet[rng() % alphabet.size()];
    std::vector<std::string> stops;
    for (int i = 0, n = 1 + rng() % 3; i < n; ++i) {
      std::string stop;
      for (int j = 0, m = 1 + rng() % 3; j < m; ++j)
        stop += "abAB "[rng() % 5];
      stops.push_back(stop);
    }
    StopSequences s(stops);
    std::string out;
    for (size_t at = 0; at < text.size() && !s.matched();) {
      size_t len = 1 + rng() % 5;
      out += s.push(llvm::StringRef(text).substr(at, len));
      at += len;
    }
    out += s.finish();
    EXPECT_EQ(out, cutAtStop(text, stops)) << text;
  }
}

TEST(Metrics, HistogramIsCumulative) {
  Metrics m;
  m.firstChunk.observe(0.0001);
  m.firstChunk.observe(0.003);
  m.firstChunk.observe(10);
  m.countRequest("/v1/completions", 200);
  m.countRequest("/v1/completions", 200);
  m.countRequest("/v1/completions", 429);
  std::string text = m.render();
  EXPECT_NE(text.find("calm_time_to_first_chunk_seconds_bucket{le=\"0.0005\"} "
                      "1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("calm_time_to_first_chunk_seconds_bucket{le=\"0.005\"} "
                      "2\n"),
            std::string::npos);
  EXPECT_NE(text.find("calm_time_to_first_chunk_seconds_bucket{le=\"2.5\"} "
                      "2\n"),
            std::string::npos);
  EXPECT_NE(text.find("calm_time_to_first_chunk_seconds_bucket{le=\"+Inf\"} "
                      "3\n"),
            std::string::npos);
  EXPECT_NE(text.find("calm_time_to_first_chunk_seconds_count 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("calm_requests_total{path=\"/v1/completions\","
                      "status=\"200\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("calm_requests_total{path=\"/v1/completions\","
                      "status=\"429\"} 1\n"),
            std::string::npos);
}

} // namespace
