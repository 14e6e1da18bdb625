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

#include <cmath>
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

template <bool Integer> __m256 add(__m256 a, __m256 b) {
  if constexpr (Integer)
    return _mm256_castsi256_ps(
        _mm256_add_epi32(_mm256_castps_si256(a), _mm256_castps_si256(b)));
  else
    return _mm256_add_ps(a, b);
}

/// The horizontal sums of 8 vectors at once in hsum's pairing (lanes
/// (i, i + 4), (i, i + 2), (i, i + 1)), so each is bit for bit hsum's:
/// v[2c + h] -> lane 4h + c (two rows h of a 4-column tile, row-major).
template <bool Integer> __m256 tileSums(const __m256 *v) {
  __m256 u[4], w[2];
  for (int p = 0; p < 4; ++p)
    u[p] = add<Integer>(_mm256_permute2f128_ps(v[2 * p], v[2 * p + 1], 0x20),
                        _mm256_permute2f128_ps(v[2 * p], v[2 * p + 1], 0x31));
  for (int q = 0; q < 2; ++q) {
    __m256d a = _mm256_castps_pd(u[2 * q]), b = _mm256_castps_pd(u[2 * q + 1]);
    w[q] = add<Integer>(_mm256_castpd_ps(_mm256_unpacklo_pd(a, b)),
                        _mm256_castpd_ps(_mm256_unpackhi_pd(a, b)));
  }
  return add<Integer>(_mm256_shuffle_ps(w[0], w[1], 0x88),
                      _mm256_shuffle_ps(w[0], w[1], 0xDD));
}

/// dequantize() on two rows (r, r + 1) of a tile's outputs (lane 4h + c).
__m256 dequantizeRows(const Ctx &c, __m256 sum, __m256 init, int64_t r,
                      int64_t j, __m128i columns) {
  const float *sB = reinterpret_cast<const float *>(c.w + c.l.scalesOffset);
  __m256 a, b;
  if (c.p.form.channel) {
    a = _mm256_set_m128(_mm_set1_ps(c.p.scale[r + 1]),
                        _mm_set1_ps(c.p.scale[r]));
    __m128 cols = _mm_maskload_ps(sB + j, columns);
    b = _mm256_set_m128(cols, cols);
  } else {
    a = _mm256_set1_ps(c.p.scale[0]);
    b = _mm256_set1_ps(sB[0]);
  }
  __m256 s = _mm256_mul_ps(a, b);
  __m256 finite =
      _mm256_cmp_ps(_mm256_sub_ps(s, s), _mm256_setzero_ps(), _CMP_EQ_OQ);
  return _mm256_blendv_ps(_mm256_set1_ps(__builtin_nanf("")),
                          _mm256_fmadd_ps(sum, s, init), finite);
}

/// TileLoop.h's vector finish of a 4-row tile, two rows at a time: Ops
/// gives toVector (the vector whose horizontal sum is an output),
/// kIntegerSums and finishVec.
struct TileFinish {
  template <class Ops, int C>
  static void finishTile(const Ctx &ctx, const typename Ops::Acc (&acc)[4][C],
                         int64_t r0, int64_t j, const Columns &cols) {
    static_assert(C == 4, "the AVX2 tiles are 4 columns wide");
    // Columns past N (padding) are neither read nor stored.
    int64_t live = std::min<int64_t>(4, cols.j1 - j);
    __m128i columns = _mm_cmpgt_epi32(_mm_set1_epi32(static_cast<int>(live)),
                                      _mm_setr_epi32(0, 1, 2, 3));
    for (int r = 0; r < 4; r += 2) {
      __m256 v[8];
      for (int c = 0; c < 4; ++c)
        for (int h = 0; h < 2; ++h)
          v[2 * c + h] = Ops::toVector(acc[r + h][c]);
      __m256 sums = tileSums<Ops::kIntegerSums>(v);
      // vmaskmov is slow on Zen: masked only at the last column tile.
      auto load = [&](const float *p) {
        return live == 4 ? _mm_loadu_ps(p) : _mm_maskload_ps(p, columns);
      };
      const float *in = cols.init + (r0 + r) * cols.initStride + j;
      __m256 init = _mm256_set_m128(load(in + cols.initStride), load(in));
      __m256 out = Ops::finishVec(ctx, sums, init, r0 + r, j, columns);
      for (int h = 0; h < 2; ++h) {
        if (ctx.p.special && ctx.p.special[r0 + r + h])
          continue;
        float *o = cols.out + (r0 + r + h) * cols.outStride + j;
        __m128 row =
            h ? _mm256_extractf128_ps(out, 1) : _mm256_castps256_ps128(out);
        if (live == 4)
          _mm_storeu_ps(o, row);
        else
          _mm_maskstore_ps(o, columns, row);
      }
    }
  }
};

struct F32Ops : TileFinish {
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
  static constexpr bool kIntegerSums = false;
  static __m256 toVector(Acc a) { return a; }
  static __m256 finishVec(const Ctx &, __m256 sum, __m256 init, int64_t,
                          int64_t, __m128i) {
    return _mm256_add_ps(init, sum);
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
  static __m256 finishVec(const Ctx &c, __m256 sum, __m256 init, int64_t r,
                          int64_t j, __m128i columns) {
    if (E4M3)
      sum = _mm256_mul_ps(sum, _mm256_set1_ps(256.0f));
    return dequantizeRows(c, sum, init, r, j, columns);
  }
};

/// Activations stored as q + 128; here widened to i16 and shifted back, so
/// no row-sum correction is needed.
struct I8Ops : TileFinish {
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
  static constexpr bool kIntegerSums = true;
  static __m256 toVector(Acc a) { return _mm256_castsi256_ps(a); }
  static __m256 finishVec(const Ctx &c, __m256 sum, __m256 init, int64_t r,
                          int64_t j, __m128i columns) {
    return dequantizeRows(c, _mm256_cvtepi32_ps(_mm256_castps_si256(sum)), init,
                          r, j, columns);
  }
};

/// L-Mul as in KernelsAVX512.cpp, with lane masks as vectors (AVX2 has no
/// mask registers and no unsigned compare: s >= t is max(s, t) == s). Its
/// outputs are finished one at a time: with the tile's finish its K loop
/// ran 1.4x slower (16 ymm registers do not hold its state and the tile's).
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

// Two passes over a row that is in L1 (the maximum, then its first index):
// cheaper than carrying an index vector through the first.
int32_t calm::ukernels::detail::argmaxAVX2(const float *row, int64_t n) {
  __m256 best = _mm256_set1_ps(-INFINITY), nan = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(row + i);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    best = _mm256_max_ps(v, best); // a NaN v leaves best as it was
  }
  __m128 h =
      _mm_max_ps(_mm256_castps256_ps128(best), _mm256_extractf128_ps(best, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  h = _mm_max_ss(h, _mm_movehdup_ps(h));
  float m = _mm_cvtss_f32(h);
  bool anyNaN = _mm256_movemask_ps(nan) != 0;
  for (int64_t t = i; t < n; ++t) {
    anyNaN |= row[t] != row[t];
    m = row[t] > m ? row[t] : m;
  }
  __m256 target = _mm256_set1_ps(m);
  for (i = 0; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(row + i);
    int hits =
        _mm256_movemask_ps(anyNaN ? _mm256_cmp_ps(v, v, _CMP_UNORD_Q)
                                  : _mm256_cmp_ps(v, target, _CMP_EQ_OQ));
    if (hits)
      return static_cast<int32_t>(i + __builtin_ctz(hits));
  }
  for (; i < n; ++i)
    if (anyNaN ? row[i] != row[i] : row[i] == m)
      return static_cast<int32_t>(i);
  return 0;
}
