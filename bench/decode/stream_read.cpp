//===- stream_read.cpp - streaming read bandwidth, the decode roofline ----===//
//
// Reads a buffer far larger than the caches with T threads (each a
// contiguous slice, 8 independent vector accumulators), best of 5 passes,
// and prints {"threads": T, "gb_per_s": X} per thread count. A decode step
// streams its weights once, so this bounds tokens/s from above.
//
//   stream_read [--mb 1024] [--threads 1,2]
//
//===----------------------------------------------------------------------===//

#include <immintrin.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

static float sumSlice(const float *p, size_t n) {
  __m256 acc[8];
  for (__m256 &a : acc)
    a = _mm256_setzero_ps();
  for (size_t i = 0; i + 64 <= n; i += 64)
    for (int j = 0; j < 8; ++j)
      acc[j] = _mm256_add_ps(acc[j], _mm256_loadu_ps(p + i + 8 * j));
  for (int j = 1; j < 8; ++j)
    acc[0] = _mm256_add_ps(acc[0], acc[j]);
  float out[8];
  _mm256_storeu_ps(out, acc[0]);
  return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

int main(int argc, char **argv) {
  size_t mb = 1024;
  std::vector<int> counts = {1, 2};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--mb"))
      mb = std::strtoul(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--threads")) {
      counts.clear();
      for (char *s = argv[i + 1]; *s;) {
        counts.push_back(std::strtol(s, &s, 10));
        if (*s == ',')
          ++s;
      }
    }
  }
  size_t n = mb * (1 << 20) / 4;
  std::vector<float> data(n, 1.0f);
  volatile float sink = 0;
  for (int t : counts) {
    double best = 0;
    for (int pass = 0; pass < 5; ++pass) {
      std::vector<std::thread> threads;
      std::vector<float> sums(t);
      auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < t; ++i)
        threads.emplace_back([&, i] {
          size_t per = n / t;
          sums[i] = sumSlice(data.data() + i * per, per);
        });
      for (std::thread &th : threads)
        th.join();
      double s = std::chrono::duration<double>(
                     std::chrono::steady_clock::now() - start)
                     .count();
      for (float v : sums)
        sink = sink + v;
      best = std::max(best, n * 4.0 / s / 1e9);
    }
    std::printf("{\"threads\": %d, \"gb_per_s\": %.2f}\n", t, best);
  }
  return 0;
}
