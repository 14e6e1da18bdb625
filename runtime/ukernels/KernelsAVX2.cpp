//===- KernelsAVX2.cpp - AVX2 (FMA, F16C) inner kernels ------------------===//
//
// The path for CPUs without AVX-512 (Zen 3 and older), and the one
// CALM_UKERNEL_ISA=avx2 forces so that tests exercise it on any machine.
// The loop is TileLoop.h's; these are its 8-lane operations per form. bf16
// products are widened to f32 (exact) and fused; i8 products are exact
// 16-bit pairs summed by vpmaddwd.
//
//===----------------------------------------------------------------------===//

#include "TileLoop.h"

#include <immintrin.h>

using namespace calm::ukernels;
using namespace calm::ukernels::detail;

namespace {

float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

int32_t hsum(__m256i v) {
  __m128i s =
      _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

struct F32Ops {
  static constexpr int kStep = 8;
  using Acc = __m256;
  using W = __m256;
  using X = __m256;
  static Acc zero() { return _mm256_setzero_ps(); }
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    return _mm256_loadu_ps(reinterpret_cast<const float *>(c.w) +
                           packedIndex(c.l, j, k));
  }
  static X loadX(const Ctx &c, int64_t r, int64_t k) {
    return _mm256_loadu_ps(static_cast<const float *>(c.p.x) + r * c.p.kPadded +
                           k);
  }
  static Acc mac(const Ctx &, Acc a, const X &x, const W &w) {
    return _mm256_fmadd_ps(x, w, a);
  }
  static float finish(const Ctx &, Acc a, float init, int64_t, int64_t) {
    return init + hsum(a);
  }
};

__m256 widenBF16(const uint16_t *p) {
  __m256i h = _mm256_cvtepu16_epi32(
      _mm_loadu_si128(reinterpret_cast<const __m128i *>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(h, 16));
}

struct BF16Ops : F32Ops {
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    return widenBF16(reinterpret_cast<const uint16_t *>(c.w) +
                     packedIndex(c.l, j, k));
  }
  static X loadX(const Ctx &c, int64_t r, int64_t k) {
    return widenBF16(static_cast<const uint16_t *>(c.p.x) + r * c.p.kPadded +
                     k);
  }
};

struct F16Ops : F32Ops {
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(
        reinterpret_cast<const uint16_t *>(c.w) + packedIndex(c.l, j, k))));
  }
};

/// fp8 through f16 bit patterns, as in KernelsAVX512.cpp.
template <bool E4M3> struct FP8Ops : F32Ops {
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    __m128i b = _mm_cvtepu8_epi16(_mm_loadl_epi64(
        reinterpret_cast<const __m128i *>(c.w + packedIndex(c.l, j, k))));
    __m128i h;
    if (E4M3)
      h = _mm_or_si128(
          _mm_slli_epi16(_mm_and_si128(b, _mm_set1_epi16(0x7F)), 7),
          _mm_slli_epi16(_mm_and_si128(b, _mm_set1_epi16(0x80)), 8));
    else
      h = _mm_slli_epi16(b, 8);
    return _mm256_cvtph_ps(h);
  }
  static float finish(const Ctx &c, Acc a, float init, int64_t r, int64_t j) {
    float sum = hsum(a);
    if (E4M3)
      sum *= 256.0f;
    const float *sB = reinterpret_cast<const float *>(c.w + c.l.scalesOffset);
    bool ch = c.p.form.channel;
    return dequantize(init, sum, c.p.scale[ch ? r : 0], sB[ch ? j : 0]);
  }
};

/// Activations stored as q + 128; here widened to i16 and shifted back, so
/// no row-sum correction is needed.
struct I8Ops {
  static constexpr int kStep = 16;
  using Acc = __m256i;
  using W = __m256i;
  using X = __m256i;
  static Acc zero() { return _mm256_setzero_si256(); }
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    return _mm256_cvtepi8_epi16(_mm_loadu_si128(
        reinterpret_cast<const __m128i *>(c.w + packedIndex(c.l, j, k))));
  }
  static X loadX(const Ctx &c, int64_t r, int64_t k) {
    __m256i u =
        _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(
            static_cast<const uint8_t *>(c.p.x) + r * c.p.kPadded + k)));
    return _mm256_sub_epi16(u, _mm256_set1_epi16(128));
  }
  static Acc mac(const Ctx &, Acc a, const X &x, const W &w) {
    return _mm256_add_epi32(a, _mm256_madd_epi16(x, w));
  }
  static float finish(const Ctx &c, Acc a, float init, int64_t r, int64_t j) {
    const float *sB = reinterpret_cast<const float *>(c.w + c.l.scalesOffset);
    bool ch = c.p.form.channel;
    return dequantize(init, static_cast<float>(hsum(a)), c.p.scale[ch ? r : 0],
                      sB[ch ? j : 0]);
  }
};

/// L-Mul as in KernelsAVX512.cpp, with lane masks as vectors (AVX2 has no
/// mask registers and no unsigned compare: s >= t is max(s, t) == s).
struct LMulOps {
  static constexpr int kStep = 8;
  using Acc = __m256;
  struct W {
    __m256i bits, mag;
  };
  struct X {
    __m256i mag, sign, normal;
  };
  static Acc zero() { return _mm256_setzero_ps(); }
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(
        reinterpret_cast<const uint32_t *>(c.w) + packedIndex(c.l, j, k)));
    return {b, _mm256_and_si256(b, _mm256_set1_epi32(0x7FFFFFFF))};
  }
  static X loadX(const Ctx &c, int64_t r, int64_t k) {
    int64_t at = r * c.p.kPadded + k;
    int bits = (c.p.normal[at / 16] >> (at % 16)) & 0xFF;
    __m256i lanes = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    __m256i normal = _mm256_cmpeq_epi32(
        _mm256_and_si256(_mm256_set1_epi32(bits), lanes), lanes);
    return {
        _mm256_loadu_si256(reinterpret_cast<const __m256i *>(
            static_cast<const uint32_t *>(c.p.x) + at)),
        _mm256_loadu_si256(reinterpret_cast<const __m256i *>(c.p.sign + at)),
        normal};
  }
  static Acc mac(const Ctx &c, Acc a, const X &x, const W &w) {
    __m256i underflow = _mm256_set1_epi32(c.lmulUnderflow);
    __m256i s = _mm256_add_epi32(x.mag, w.mag);
    __m256i live = _mm256_andnot_si256(
        _mm256_cmpeq_epi32(w.mag, _mm256_setzero_si256()), x.normal);
    live = _mm256_and_si256(
        live, _mm256_cmpeq_epi32(_mm256_max_epu32(s, underflow), s));
    __m256i r =
        _mm256_min_epu32(_mm256_add_epi32(s, _mm256_set1_epi32(c.lmulOffset)),
                         _mm256_set1_epi32(0x7F800000));
    __m256i sign =
        _mm256_and_si256(_mm256_xor_si256(x.sign, w.bits),
                         _mm256_set1_epi32(static_cast<int>(0x80000000u)));
    __m256i product = _mm256_and_si256(_mm256_or_si256(r, sign), live);
    return _mm256_add_ps(a, _mm256_castsi256_ps(product));
  }
  static float finish(const Ctx &, Acc a, float init, int64_t, int64_t) {
    return init + hsum(a);
  }

  /// The integer-add form (TileLoop.h, lmulTileForm): one add per product;
  /// Masked, products are zeroed where an operand is not normal, as the
  /// general form does.
  template <bool Masked> struct AddOnlyOps {
    static constexpr int kStep = 8;
    using Acc = __m256;
    struct W {
      __m256i bits, live;
    };
    struct X {
      __m256i bits, normal;
    };
    static Acc zero() { return _mm256_setzero_ps(); }
    static W loadW(const Ctx &c, int64_t j, int64_t k) {
      __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(
          reinterpret_cast<const uint32_t *>(c.w) + packedIndex(c.l, j, k)));
      if (!Masked)
        return {b, b};
      __m256i mag = _mm256_and_si256(b, _mm256_set1_epi32(0x7FFFFFFF));
      // All ones where the weight is normal (its stored magnitude nonzero).
      __m256i dead = _mm256_cmpeq_epi32(mag, _mm256_setzero_si256());
      return {b, _mm256_xor_si256(dead, _mm256_set1_epi32(-1))};
    }
    static X loadX(const Ctx &c, int64_t r, int64_t k) {
      int64_t at = r * c.p.kPadded + k;
      __m256i bits = _mm256_loadu_si256(
          reinterpret_cast<const __m256i *>(c.p.lmulFast + at));
      if (!Masked)
        return {bits, _mm256_set1_epi32(-1)};
      return {bits, LMulOps::loadX(c, r, k).normal};
    }
    static Acc mac(const Ctx &, Acc a, const X &x, const W &w) {
      __m256i product = _mm256_add_epi32(x.bits, w.bits);
      if (Masked)
        product = _mm256_and_si256(_mm256_and_si256(product, w.live), x.normal);
      return _mm256_add_ps(a, _mm256_castsi256_ps(product));
    }
    static float finish(const Ctx &, Acc a, float init, int64_t, int64_t) {
      return init + hsum(a);
    }
  };
  using AddOnly = AddOnlyOps<false>;
  using AddOnlyMasked = AddOnlyOps<true>;
};

} // namespace

void calm::ukernels::detail::kernelAVX2(const Prepared &p,
                                        const uint8_t *packed,
                                        const PackedLayout &l,
                                        const Columns &c) {
  dispatch<F32Ops, BF16Ops, F16Ops, FP8Ops<true>, FP8Ops<false>, I8Ops,
           LMulOps>(p, packed, l, c);
}
