//===- Kernels.h - per-ISA inner kernels of the ukernels --------*- C++ -*-===//
//
// Internal to runtime/ukernels. UKernels.cpp quantizes the activations once
// per call into a `Prepared` block; a kernel then computes output columns
// [j0, j1) for every row. The two kernel files are compiled for their ISA
// (AVX-512 with VNNI, BF16 and VBMI; AVX2 with FMA and F16C) and chosen at run
// time.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_UKERNELS_KERNELS_H
#define CALM_RUNTIME_UKERNELS_KERNELS_H

#include "UKernels.h"

namespace calm::ukernels::detail {

/// Activations x [M, K] in the form's kernel representation, rows padded to
/// kPadded elements (the padding contributes nothing: weights are 0 there).
struct Prepared {
  Form form;
  int64_t m = 0, kPadded = 0;
  /// F32, F16 (the f16-rounded value), E4M3/E5M2 (the quantized value in
  /// units of the scale): f32 [M][Kp]. BF16: bf16 bits [M][Kp]. I8: q + 128
  /// as u8 [M][Kp]. LMul: |x| truncated to m bits (0 for zero/subnormal).
  const void *x = nullptr;
  /// LMul: x's sign bits [M][Kp]; a 16-bit mask per 16 elements, set where
  /// x is normal.
  const uint32_t *sign = nullptr;
  const uint16_t *normal = nullptr;
  /// fp8 forms on AVX-512: the quantized values as bf16 bits [M][Kp], each
  /// block of 64 in the order the kernel's byte unpacking produces (see
  /// fp8KernelOrder).
  const uint16_t *xBF16 = nullptr;
  /// Scaled forms: per-row (channel) or one activation scale.
  const float *scale = nullptr;
  /// LMul: rows holding NaN or inf, computed by the scalar path instead.
  const uint8_t *special = nullptr;
  /// LMul, the integer-add form (see lmulAddOnly): x's truncated pattern
  /// with its sign plus the L-Mul offset, mod 2^32 (0 where x is not
  /// normal) [M][Kp]; the least and greatest truncated magnitude of each
  /// row's normal elements [M][2]; rows whose K elements are all normal.
  const uint32_t *lmulFast = nullptr;
  const uint32_t *lmulRanges = nullptr;
  const uint8_t *lmulDense = nullptr;
};

/// The low end of a magnitude range with no normal element: no sum with it
/// can underflow.
constexpr uint32_t kNoNormalLow = 0x7FFFFFFFu;

struct Columns {
  int64_t j0, j1;
  const float *init;
  int64_t initStride;
  float *out;
  int64_t outStride;
};

void kernelAVX512(const Prepared &p, const uint8_t *packed,
                  const PackedLayout &layout, const Columns &c);
void kernelAVX2(const Prepared &p, const uint8_t *packed,
                const PackedLayout &layout, const Columns &c);

/// Position, within its block of 64, of element i (0..63) in the AVX-512
/// fp8 kernel's order: vpunpcklbw/vpunpckhbw interleave within 128-bit lanes,
/// so the first 32 are elements 16l + j and the next 32 elements 16l + 8 + j
/// (l = 0..3, j = 0..7).
int32_t argmaxAVX512(const float *row, int64_t n);
int32_t argmaxAVX2(const float *row, int64_t n);

inline int fp8KernelOrder(int i) {
  int lane = i / 16, j = i % 16;
  return (j < 8 ? 0 : 32) + lane * 8 + (j % 8);
}

/// The output of the scaled forms: init + sum * (sA * sB), NaN where the
/// scale product is not finite (a NaN or inf operand), as docs/QUANT.md.
inline float dequantize(float init, float sum, float sA, float sB) {
  float s = sA * sB;
  // One rounding (fused), as the kernels' vector forms compute it.
  return (s - s) == 0.0f ? __builtin_fmaf(sum, s, init) : __builtin_nanf("");
}

/// L-Mul constants for m mantissa bits on f32 (docs/LMUL.md step 5/6).
struct LMulConstants {
  uint32_t truncMask; // keeps the exponent and m mantissa bits
  uint32_t offset;    // (1 << (23 - l(m))) - (127 << 23), mod 2^32
  uint32_t underflow; // |x| + |y| <u this -> zero
};
inline LMulConstants getLMulConstants(int m) {
  int l = m <= 3 ? m : (m == 4 ? 3 : 4);
  LMulConstants c;
  c.truncMask = 0x7FFFFFFFu & ~((1u << (23 - m)) - 1u);
  c.offset = (1u << (23 - l)) - (127u << 23);
  c.underflow = (127u << 23) - (1u << (23 - l)) + (1u << 23);
  return c;
}

} // namespace calm::ukernels::detail

#endif // CALM_RUNTIME_UKERNELS_KERNELS_H
