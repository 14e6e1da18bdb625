//===- KernelsAVX512.cpp - AVX-512 (VNNI, BF16) inner kernels ------------===//
//
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mavx512bf16 and
// called only when the CPU has them (UKernels.cpp checks cpuid). The loop
// is TileLoop.h's; these are its 16-lane operations per form.
//
//===----------------------------------------------------------------------===//

#include "TileLoop.h"

#include <immintrin.h>

using namespace calm::ukernels;
using namespace calm::ukernels::detail;

namespace {

struct F32Ops {
  static constexpr int kStep = 16;
  using Acc = __m512;
  using W = __m512;
  using X = __m512;
  static Acc zero() { return _mm512_setzero_ps(); }
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    return _mm512_loadu_ps(reinterpret_cast<const float *>(c.w) +
                          j * c.l.kPadded + k);
  }
  static X loadX(const Ctx &c, int64_t r, int64_t k) {
    return _mm512_loadu_ps(static_cast<const float *>(c.p.x) +
                          r * c.p.kPadded + k);
  }
  static Acc mac(const Ctx &, Acc a, const X &x, const W &w) {
    return _mm512_fmadd_ps(x, w, a);
  }
  static float finish(const Ctx &, Acc a, float init, int64_t, int64_t) {
    return init + _mm512_reduce_add_ps(a);
  }
};

struct BF16Ops {
  static constexpr int kStep = 32;
  using Acc = __m512;
  using W = __m512bh;
  using X = __m512bh;
  static Acc zero() { return _mm512_setzero_ps(); }
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    return (__m512bh)_mm512_loadu_si512(reinterpret_cast<const uint16_t *>(c.w) +
                                       j * c.l.kPadded + k);
  }
  static X loadX(const Ctx &c, int64_t r, int64_t k) {
    return (__m512bh)_mm512_loadu_si512(static_cast<const uint16_t *>(c.p.x) +
                                       r * c.p.kPadded + k);
  }
  static Acc mac(const Ctx &, Acc a, const X &x, const W &w) {
    return _mm512_dpbf16_ps(a, x, w);
  }
  static float finish(const Ctx &, Acc a, float init, int64_t, int64_t) {
    return init + _mm512_reduce_add_ps(a);
  }
};

/// f16 weights (vcvtph2ps) times f32 activations already rounded to f16.
struct F16Ops : F32Ops {
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(
        reinterpret_cast<const uint16_t *>(c.w) + j * c.l.kPadded + k)));
  }
};

/// fp8 weights through f16 bit patterns and vcvtph2ps (exact): e5m2 is the
/// top byte of an f16; an e4m3 byte shifted into f16 position reads as the
/// value / 256 (normal and subnormal alike), undone in finish().
template <bool E4M3> struct FP8Ops : F32Ops {
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    __m256i b = _mm256_cvtepu8_epi16(_mm_loadu_si128(
        reinterpret_cast<const __m128i *>(c.w + j * c.l.kPadded + k)));
    __m256i h;
    if (E4M3)
      h = _mm256_or_si256(
          _mm256_slli_epi16(_mm256_and_si256(b, _mm256_set1_epi16(0x7F)), 7),
          _mm256_slli_epi16(_mm256_and_si256(b, _mm256_set1_epi16(0x80)), 8));
    else
      h = _mm256_slli_epi16(b, 8);
    return _mm512_cvtph_ps(h);
  }
  static float finish(const Ctx &c, Acc a, float init, int64_t r, int64_t j) {
    float sum = _mm512_reduce_add_ps(a);
    if (E4M3)
      sum *= 256.0f;
    const float *sB = reinterpret_cast<const float *>(c.w + c.l.scalesOffset);
    bool ch = c.p.form.channel;
    return dequantize(init, sum, c.p.scale[ch ? r : 0], sB[ch ? j : 0]);
  }
};

/// vpdpbusd: activations as q + 128 (u8), weights s8; the +128 is taken back
/// with the weights' row sums.
struct I8Ops {
  static constexpr int kStep = 64;
  using Acc = __m512i;
  using W = __m512i;
  using X = __m512i;
  static Acc zero() { return _mm512_setzero_si512(); }
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    return _mm512_loadu_si512(c.w + j * c.l.kPadded + k);
  }
  static X loadX(const Ctx &c, int64_t r, int64_t k) {
    return _mm512_loadu_si512(static_cast<const uint8_t *>(c.p.x) +
                             r * c.p.kPadded + k);
  }
  static Acc mac(const Ctx &, Acc a, const X &x, const W &w) {
    return _mm512_dpbusd_epi32(a, x, w);
  }
  static float finish(const Ctx &c, Acc a, float init, int64_t r, int64_t j) {
    const int32_t *sums =
        reinterpret_cast<const int32_t *>(c.w + c.l.sumsOffset);
    int32_t dot = _mm512_reduce_add_epi32(a) - 128 * sums[j];
    const float *sB = reinterpret_cast<const float *>(c.w + c.l.scalesOffset);
    bool ch = c.p.form.channel;
    return dequantize(init, static_cast<float>(dot), c.p.scale[ch ? r : 0],
                      sB[ch ? j : 0]);
  }
};

/// L-Mul products as integer adds (docs/LMUL.md; NaN/inf rows go to the
/// scalar path): s = |x|t + |w|t; zero where an operand is not normal or s
/// underflows; else sign | min(s + offset, inf). Products accumulate in f32.
struct LMulOps {
  static constexpr int kStep = 16;
  using Acc = __m512;
  struct W {
    __m512i bits, mag;
  };
  struct X {
    __m512i mag, sign;
    __mmask16 normal;
  };
  static Acc zero() { return _mm512_setzero_ps(); }
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    __m512i b = _mm512_loadu_si512(reinterpret_cast<const uint32_t *>(c.w) +
                                  j * c.l.kPadded + k);
    return {b, _mm512_and_si512(b, _mm512_set1_epi32(0x7FFFFFFF))};
  }
  static X loadX(const Ctx &c, int64_t r, int64_t k) {
    int64_t at = r * c.p.kPadded + k;
    return {_mm512_loadu_si512(static_cast<const uint32_t *>(c.p.x) + at),
            _mm512_loadu_si512(c.p.sign + at),
            static_cast<__mmask16>(c.p.normal[at / 16])};
  }
  static Acc mac(const Ctx &c, Acc a, const X &x, const W &w) {
    __m512i underflow = _mm512_set1_epi32(c.lmulUnderflow),
            offset = _mm512_set1_epi32(c.lmulOffset);
    __mmask16 live = _mm512_mask_test_epi32_mask(x.normal, w.mag, w.mag);
    __m512i s = _mm512_add_epi32(x.mag, w.mag);
    live = _mm512_mask_cmpge_epu32_mask(live, s, underflow);
    __m512i r = _mm512_min_epu32(_mm512_add_epi32(s, offset),
                                 _mm512_set1_epi32(0x7F800000));
    __m512i sign = _mm512_ternarylogic_epi32(
        x.sign, w.bits, _mm512_set1_epi32(static_cast<int>(0x80000000u)),
        0x28);
    return _mm512_mask_add_ps(a, live, a,
                              _mm512_castsi512_ps(_mm512_or_si512(r, sign)));
  }
  static float finish(const Ctx &, Acc a, float init, int64_t, int64_t) {
    return init + _mm512_reduce_add_ps(a);
  }
};

} // namespace

void calm::ukernels::detail::kernelAVX512(const Prepared &p,
                                          const uint8_t *packed,
                                          const PackedLayout &l,
                                          const Columns &c) {
  dispatch<F32Ops, BF16Ops, F16Ops, FP8Ops<true>, FP8Ops<false>, I8Ops,
           LMulOps>(p, packed, l, c);
}
