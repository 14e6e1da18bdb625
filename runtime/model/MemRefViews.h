//===- MemRefViews.h - memref descriptors over runtime buffers --*- C++ -*-===//
//
// The compiled functions take memref descriptors (llvm.emit_c_interface);
// these build them over memory the runtime owns: row-major, contiguous.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_MODEL_MEMREFVIEWS_H
#define CALM_RUNTIME_MODEL_MEMREFVIEWS_H

#include "mlir/ExecutionEngine/CRunnerUtils.h"

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace calm::runtime {

template <typename T, int N>
StridedMemRefType<T, N> view(T *data, std::array<int64_t, N> shape) {
  StridedMemRefType<T, N> m;
  m.basePtr = data;
  m.data = data;
  m.offset = 0;
  int64_t stride = 1;
  for (int i = N - 1; i >= 0; --i) {
    m.sizes[i] = shape[i];
    m.strides[i] = stride;
    stride *= shape[i];
  }
  return m;
}

/// Inputs are never written by the compiled code; descriptors have no const.
template <typename T, int N>
StridedMemRefType<T, N> view(const T *data, std::array<int64_t, N> shape) {
  return view<T, N>(const_cast<T *>(data), shape);
}

using ByteBuffer = StridedMemRefType<uint8_t, 1>;

/// The byte-buffer descriptor of f32 storage (flat weights, KV caches), as
/// the modules take them (see ModelBuilder.h).
inline ByteBuffer bytes(const std::vector<float> &v) {
  return view<uint8_t, 1>(
      reinterpret_cast<uint8_t *>(const_cast<float *>(v.data())),
      {static_cast<int64_t>(v.size() * 4)});
}

/// Page-aligned, zero-filled weight storage (anonymous mmap: pages that are
/// never written never become resident).
class WeightBuffer {
public:
  WeightBuffer() = default;
  explicit WeightBuffer(uint64_t bytes);
  WeightBuffer(WeightBuffer &&other) noexcept { *this = std::move(other); }
  WeightBuffer &operator=(WeightBuffer &&other) noexcept;
  ~WeightBuffer();
  uint8_t *data() const { return bytes; }
  uint64_t size() const { return length; }
  /// Whether some packed layer has one activation scale per call (i8/tensor,
  /// fp8/tensor): then the rows of a call depend on each other, and a
  /// function over this buffer must not be split into row ranges.
  bool hasPerCallScales() const { return perCallScales; }
  void setPerCallScales() { perCallScales = true; }

private:
  uint8_t *bytes = nullptr;
  uint64_t length = 0;
  bool perCallScales = false;
};

inline ByteBuffer bytes(const WeightBuffer &w) {
  return view<uint8_t, 1>(w.data(), {static_cast<int64_t>(w.size())});
}

/// Zero-filled GPU memory (runtime/cuda's calmCudaAlloc), freed with the
/// object: the weights, KV caches and call arguments of a model compiled
/// for --device cuda. data() is null when the allocation failed (the
/// reason is in this thread's calmCudaLastError()).
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(uint64_t bytes);
  DeviceBuffer(DeviceBuffer &&other) noexcept { *this = std::move(other); }
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept;
  ~DeviceBuffer() { release(); }
  uint8_t *data() const { return bytes; }
  uint64_t size() const { return length; }

private:
  void release();
  uint8_t *bytes = nullptr;
  uint64_t length = 0;
};

inline ByteBuffer bytes(const DeviceBuffer &d) {
  return view<uint8_t, 1>(d.data(), {static_cast<int64_t>(d.size())});
}

} // namespace calm::runtime

#endif // CALM_RUNTIME_MODEL_MEMREFVIEWS_H
