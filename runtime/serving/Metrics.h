//===- Metrics.h - the server's counters, in Prometheus text ----*- C++ -*-===//
//
// What GET /metrics reports: requests by status, tokens, sessions busy and
// queued, and histograms of the time to the first chunk and between
// chunks. Updated from every request thread at once.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_SERVING_METRICS_H
#define CALM_RUNTIME_SERVING_METRICS_H

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace calm::runtime {

/// A Prometheus histogram of seconds with fixed buckets.
class Histogram {
public:
  static constexpr std::array<double, 12> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  void observe(double seconds);
  /// `name`'s _bucket, _sum and _count lines.
  void render(std::string &out, const std::string &name,
              const std::string &help) const;

private:
  mutable std::mutex mutex;
  std::array<uint64_t, kBounds.size() + 1> counts{};
  double sum = 0;
};

struct Metrics {
  std::atomic<uint64_t> promptTokens{0}, completionTokens{0};
  std::atomic<uint64_t> disconnects{0};
  std::atomic<int64_t> active{0}, queued{0};
  int64_t parallel = 0;
  Histogram firstChunk, betweenChunks;

  void countRequest(const std::string &path, int status);
  std::string render() const;

private:
  mutable std::mutex mutex;
  std::map<std::pair<std::string, int>, uint64_t> requests;
};

} // namespace calm::runtime

#endif // CALM_RUNTIME_SERVING_METRICS_H
