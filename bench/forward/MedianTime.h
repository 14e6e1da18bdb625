//===- MedianTime.h - the median wall time of repeated runs ---------------===//
//
// Shared by the bench/forward programs: a timing is the median of several
// runs, so one run disturbed by the machine does not set it.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_BENCH_FORWARD_MEDIANTIME_H
#define CALM_BENCH_FORWARD_MEDIANTIME_H

#include <algorithm>
#include <chrono>
#include <vector>

namespace calm::bench {

using Clock = std::chrono::steady_clock;

/// Runs `f` `runs` times and returns the median wall time in seconds.
template <typename F> double medianSeconds(int runs, F &&f) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    f();
    t.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

} // namespace calm::bench

#endif // CALM_BENCH_FORWARD_MEDIANTIME_H
