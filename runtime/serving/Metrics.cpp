//===- Metrics.cpp - the server's counters, in Prometheus text ------------===//

#include "serving/Metrics.h"

#include "llvm/Support/FormatVariadic.h"

#include <cstdio>

using namespace calm::runtime;

/// Prometheus labels want the bound as written ("0.0005"), not rounded.
static std::string shortest(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", x);
  return buffer;
}

void Histogram::observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i])
    ++i;
  std::lock_guard<std::mutex> lock(mutex);
  ++counts[i];
  sum += seconds;
}

void Histogram::render(std::string &out, const std::string &name,
                       const std::string &help) const {
  std::lock_guard<std::mutex> lock(mutex);
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += counts[i];
    out += llvm::formatv("{0}_bucket{{le=\"{1}\"} {2}\n", name,
                         shortest(kBounds[i]), cumulative)
               .str();
  }
  cumulative += counts.back();
  out += llvm::formatv("{0}_bucket{{le=\"+Inf\"} {1}\n{0}_sum {2}\n{0}_count "
                       "{1}\n",
                       name, cumulative, shortest(sum))
             .str();
}

void Metrics::countRequest(const std::string &path, int status) {
  std::lock_guard<std::mutex> lock(mutex);
  ++requests[{path, status}];
}

std::string Metrics::render() const {
  std::string out;
  auto counter = [&](const char *name, const char *help, uint64_t value,
                     const char *type = "counter") {
    out += llvm::formatv("# HELP {0} {1}\n# TYPE {0} {3}\n{0} {2}\n", name,
                         help, value, type)
               .str();
  };
  {
    std::lock_guard<std::mutex> lock(mutex);
    out += "# HELP calm_requests_total HTTP requests answered, by path and "
           "status.\n# TYPE calm_requests_total counter\n";
    for (const auto &[key, count] : requests)
      out += llvm::formatv("calm_requests_total{{path=\"{0}\",status=\"{1}\"} "
                           "{2}\n",
                           key.first, key.second, count)
                 .str();
  }
  counter("calm_prompt_tokens_total", "Prompt tokens of completions.",
          promptTokens);
  counter("calm_completion_tokens_total", "Tokens generated.",
          completionTokens);
  counter("calm_client_disconnects_total",
          "Streams ended early because the client went away.", disconnects);
  counter("calm_sessions_active", "Sessions generating now.",
          static_cast<uint64_t>(active.load()), "gauge");
  counter("calm_sessions_max",
          "Sessions that may generate at once "
          "(--parallel).",
          static_cast<uint64_t>(parallel), "gauge");
  counter("calm_queue_depth", "Requests waiting for a session.",
          static_cast<uint64_t>(queued.load()), "gauge");
  firstChunk.render(out, "calm_time_to_first_chunk_seconds",
                    "From a completion's arrival to its first text.");
  betweenChunks.render(out, "calm_chunk_seconds",
                       "Time between consecutive pieces of text of a "
                       "completion (one decoded chunk each).");
  return out;
}
