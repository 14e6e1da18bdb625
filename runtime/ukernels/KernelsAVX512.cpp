//===- KernelsAVX512.cpp - AVX-512 (VNNI, BF16) inner kernels ------------===//
//
// Compiled with -mavx512{f,bw,vl,vnni,bf16,vbmi} and
// called only when the CPU has them (UKernels.cpp checks cpuid). The loop
// is TileLoop.h's; these are its 16-lane operations per form.
//
//===----------------------------------------------------------------------===//

#include "TileLoop.h"

#include <cmath>
#include <immintrin.h>

using namespace calm::ukernels;
using namespace calm::ukernels::detail;

namespace {

/// The horizontal sum of v in a fixed pairing: lanes (i, i + 8), then
/// (i, i + 4), (i, i + 2), (i, i + 1). tileSums pairs the same way, so an
/// output finished alone or with its tile is the same float.
float hsum(__m512 v) {
  __m256 s8 = _mm256_add_ps(
      _mm512_castps512_ps256(v),
      _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  __m128 s =
      _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <bool Integer> __m512 add(__m512 a, __m512 b) {
  if constexpr (Integer)
    return _mm512_castsi512_ps(
        _mm512_add_epi32(_mm512_castps_si512(a), _mm512_castps_si512(b)));
  else
    return _mm512_add_ps(a, b);
}

/// The horizontal sums of n = 8 or 16 vectors at once, v[4c + r] -> lane
/// 4r + c (a 4 x 4 or 4 x 2 tile's outputs, row-major). Each level halves
/// the vectors and the lanes per output, as hsum: 15 adds and 30 shuffles
/// for 16 sums instead of 16 reductions of 4 adds and 4 shuffles each.
template <bool Integer> __m512 tileSums(const __m512 *v, int n) {
  __m512 u[8], w[4], x[2];
  for (int p = 0; p < n / 2; ++p) // (i, i + 8)
    u[p] = add<Integer>(_mm512_shuffle_f32x4(v[2 * p], v[2 * p + 1], 0x44),
                        _mm512_shuffle_f32x4(v[2 * p], v[2 * p + 1], 0xEE));
  for (int q = 0; q < n / 4; ++q) // (i, i + 4)
    w[q] = add<Integer>(_mm512_shuffle_f32x4(u[2 * q], u[2 * q + 1], 0x88),
                        _mm512_shuffle_f32x4(u[2 * q], u[2 * q + 1], 0xDD));
  for (int r = 0; r < n / 8; ++r) { // (i, i + 2)
    __m512d a = _mm512_castps_pd(w[2 * r]), b = _mm512_castps_pd(w[2 * r + 1]);
    x[r] = add<Integer>(_mm512_castpd_ps(_mm512_unpacklo_pd(a, b)),
                        _mm512_castpd_ps(_mm512_unpackhi_pd(a, b)));
  }
  __m512 x1 = n == 16 ? x[1] : x[0]; // (i, i + 1)
  return add<Integer>(_mm512_shuffle_ps(x[0], x1, 0x88),
                      _mm512_shuffle_ps(x[0], x1, 0xDD));
}

/// dequantize() on a tile's outputs (lane 4r + c).
__m512 dequantizeTile(const Ctx &c, __m512 sum, __m512 init, int64_t r0,
                      int64_t j, __mmask8 columns) {
  const float *sB = reinterpret_cast<const float *>(c.w + c.l.scalesOffset);
  __m512 a, b;
  if (c.p.form.channel) {
    a = _mm512_permutexvar_ps(
        _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0),
        _mm512_castps128_ps512(_mm_loadu_ps(c.p.scale + r0)));
    b = _mm512_broadcast_f32x4(_mm_maskz_loadu_ps(columns, sB + j));
  } else {
    a = _mm512_set1_ps(c.p.scale[0]);
    b = _mm512_set1_ps(sB[0]);
  }
  __m512 s = _mm512_mul_ps(a, b);
  __mmask16 finite =
      _mm512_cmp_ps_mask(_mm512_sub_ps(s, s), _mm512_setzero_ps(), _CMP_EQ_OQ);
  return _mm512_mask_mov_ps(_mm512_set1_ps(__builtin_nanf("")), finite,
                            _mm512_fmadd_ps(sum, s, init));
}

/// TileLoop.h's vector finish of a 4-row tile: Ops gives toVector (the
/// vector whose horizontal sum is an output), kIntegerSums and finishVec.
struct TileFinish {
  template <class Ops, int C>
  static void finishTile(const Ctx &ctx, const typename Ops::Acc (&acc)[4][C],
                         int64_t r0, int64_t j, const Columns &cols) {
    __m512 v[16];
    for (int c = 0; c < C; ++c)
      for (int r = 0; r < 4; ++r)
        v[4 * c + r] = Ops::toVector(acc[r][c]);
    __m512 sums = tileSums<Ops::kIntegerSums>(v, 4 * C);
    // Columns past N (padding) are neither read nor stored.
    int64_t live = std::min<int64_t>(C, cols.j1 - j);
    __mmask8 columns = static_cast<__mmask8>((1u << live) - 1u);
    auto initRow = [&](int r) {
      return _mm_maskz_loadu_ps(columns,
                                cols.init + (r0 + r) * cols.initStride + j);
    };
    __m512 init = _mm512_castps128_ps512(initRow(0));
    init = _mm512_insertf32x4(init, initRow(1), 1);
    init = _mm512_insertf32x4(init, initRow(2), 2);
    init = _mm512_insertf32x4(init, initRow(3), 3);
    __m512 out = Ops::finishVec(ctx, sums, init, r0, j, columns);
    alignas(64) float rows[16];
    _mm512_store_ps(rows, out);
    for (int r = 0; r < 4; ++r)
      if (!(ctx.p.special && ctx.p.special[r0 + r]))
        _mm_mask_storeu_ps(cols.out + (r0 + r) * cols.outStride + j, columns,
                           _mm_load_ps(rows + 4 * r));
  }
};

/// The finish of the forms that accumulate one f32 vector per output:
/// init + its horizontal sum, alone or a tile at a time.
struct FloatSums : TileFinish {
  static float finish(const Ctx &, __m512 a, float init, int64_t, int64_t) {
    return init + hsum(a);
  }
  static constexpr bool kIntegerSums = false;
  static __m512 toVector(__m512 a) { return a; }
  static __m512 finishVec(const Ctx &, __m512 sum, __m512 init, int64_t,
                          int64_t, __mmask8) {
    return _mm512_add_ps(init, sum);
  }
};

struct F32Ops : FloatSums {
  static constexpr int kStep = 16;
  using Acc = __m512;
  using W = __m512;
  using X = __m512;
  static Acc zero() { return _mm512_setzero_ps(); }
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    return _mm512_loadu_ps(reinterpret_cast<const float *>(c.w) +
                           packedIndex(c.l, j, k));
  }
  static X loadX(const Ctx &c, int64_t r, int64_t k) {
    return _mm512_loadu_ps(static_cast<const float *>(c.p.x) + r * c.p.kPadded +
                           k);
  }
  static Acc mac(const Ctx &, Acc a, const X &x, const W &w) {
    return _mm512_fmadd_ps(x, w, a);
  }
};

/// bf16 weights and activations, one vdpbf16ps per 32 elements. 4 x 4 tiles
/// with one accumulator each: 8 loads per 16 vdpbf16ps (2 x 2 accumulators
/// per output in 4 x 2 tiles needed 12, and the kernel was bound by them);
/// a GEMV tile still has 4 independent chains to hide the latency.
struct BF16Ops : FloatSums {
  static constexpr int kStep = 32;
  using Acc = __m512;
  using W = __m512bh;
  using X = __m512bh;
  static Acc zero() { return _mm512_setzero_ps(); }
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    return (__m512bh)_mm512_loadu_si512(
        reinterpret_cast<const uint16_t *>(c.w) + packedIndex(c.l, j, k));
  }
  static X loadX(const Ctx &c, int64_t r, int64_t k) {
    return (__m512bh)_mm512_loadu_si512(static_cast<const uint16_t *>(c.p.x) +
                                        r * c.p.kPadded + k);
  }
  static Acc mac(const Ctx &, Acc a, const X &x, const W &w) {
    return _mm512_dpbf16_ps(a, x, w);
  }
};

/// Two bf16 accumulators per (row, column), one per half of each 64-element
/// step, for the fp8 kernel, whose byte decoding yields 64 elements at a
/// time.
struct Acc2 {
  __m512 a, b;
};
struct BF16PairOps {
  struct W {
    __m512bh lo, hi;
  };
  static Acc2 zero() { return {_mm512_setzero_ps(), _mm512_setzero_ps()}; }
  static W load(const uint16_t *p) {
    return {(__m512bh)_mm512_loadu_si512(p),
            (__m512bh)_mm512_loadu_si512(p + 32)};
  }
  static Acc2 mac(Acc2 a, const W &x, const W &w) {
    return {_mm512_dpbf16_ps(a.a, x.lo, w.lo),
            _mm512_dpbf16_ps(a.b, x.hi, w.hi)};
  }
  static __m512 toVector(Acc2 a) { return _mm512_add_ps(a.a, a.b); }
};

/// f16 weights (vcvtph2ps) times f32 activations already rounded to f16.
struct F16Ops : F32Ops {
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(
        reinterpret_cast<const uint16_t *>(c.w) + packedIndex(c.l, j, k))));
  }
};

/// bf16 bytes of |fp8| for each 7-bit magnitude pattern (all exact in
/// bf16, subnormals included): [0] low bytes, [1] high bytes. Built at
/// compile time: this file is compiled for AVX-512, and a run-time static
/// initializer here would execute AVX-512 code on every CPU.
struct FP8Tables {
  alignas(64) uint8_t bytes[2][128] = {};
  constexpr explicit FP8Tables(bool e4m3) {
    int mant = e4m3 ? 3 : 2, bias = e4m3 ? 7 : 15, expMax = e4m3 ? 15 : 31;
    for (int b = 0; b < 128; ++b) {
      int e = b >> mant, m = b & ((1 << mant) - 1);
      uint16_t h = 0;
      if (e == 0 && m != 0) { // subnormal: m * 2^(1 - bias - mant), normalized
        int p = m >= 4 ? 2 : (m >= 2 ? 1 : 0);
        h = static_cast<uint16_t>(((p + 1 - bias - mant + 127) << 7) |
                                  ((m << (7 - p)) & 0x7F));
      } else if (e != 0 && !(e == expMax && (e4m3 ? m == 7 : true))) {
        h = static_cast<uint16_t>(((e - bias + 127) << 7) | (m << (7 - mant)));
      } else if (e != 0) { // e4m3 S.1111.111 is NaN; e5m2 exponent 31 inf/NaN
        h = e4m3 || m != 0 ? 0x7FC0 : 0x7F80;
      }
      bytes[0][b] = static_cast<uint8_t>(h);
      bytes[1][b] = static_cast<uint8_t>(h >> 8);
    }
  }
};
constexpr FP8Tables kE4M3Tables(true), kE5M2Tables(false);

/// fp8 weights decoded to bf16 by byte table lookups (vpermi2b), 64 at a
/// time, and multiplied by vdpbf16ps with the activations' fp8 values (as
/// bf16, exact); the products are exact in f32. vpunpck{l,h}bw interleave
/// within 128-bit lanes, so UKernels.cpp lays the activations out in that
/// order (kernelAVX512FP8Order).
template <bool E4M3> struct FP8Ops : TileFinish {
  static constexpr int kStep = 64;
  static constexpr int kColumns = 2;
  using Acc = Acc2;
  using W = BF16PairOps::W;
  using X = W;
  static Acc zero() { return BF16PairOps::zero(); }
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    const FP8Tables &t = E4M3 ? kE4M3Tables : kE5M2Tables;
    const uint8_t *p = c.w + packedIndex(c.l, j, k);
    _mm_prefetch(reinterpret_cast<const char *>(p + 2048), _MM_HINT_T0);
    __m512i b = _mm512_loadu_si512(p);
    __m512i lo = _mm512_permutex2var_epi8(_mm512_load_si512(t.bytes[0]), b,
                                          _mm512_load_si512(t.bytes[0] + 64));
    __m512i hi = _mm512_permutex2var_epi8(_mm512_load_si512(t.bytes[1]), b,
                                          _mm512_load_si512(t.bytes[1] + 64));
    // hi | (b & 0x80): the sign.
    hi = _mm512_ternarylogic_epi32(hi, b, _mm512_set1_epi8(char(0x80)), 0xF8);
    return {(__m512bh)_mm512_unpacklo_epi8(lo, hi),
            (__m512bh)_mm512_unpackhi_epi8(lo, hi)};
  }
  static X loadX(const Ctx &c, int64_t r, int64_t k) {
    return BF16PairOps::load(c.p.xBF16 + r * c.p.kPadded + k);
  }
  static Acc mac(const Ctx &c, Acc a, const X &x, const W &w) {
    return BF16PairOps::mac(a, x, w);
  }
  static float finish(const Ctx &c, Acc a, float init, int64_t r, int64_t j) {
    const float *sB = reinterpret_cast<const float *>(c.w + c.l.scalesOffset);
    bool ch = c.p.form.channel;
    return dequantize(init, hsum(toVector(a)), c.p.scale[ch ? r : 0],
                      sB[ch ? j : 0]);
  }
  static constexpr bool kIntegerSums = false;
  static __m512 toVector(Acc a) { return BF16PairOps::toVector(a); }
  static __m512 finishVec(const Ctx &c, __m512 sum, __m512 init, int64_t r0,
                          int64_t j, __mmask8 columns) {
    return dequantizeTile(c, sum, init, r0, j, columns);
  }
};

/// vpdpbusd: activations as q + 128 (u8), weights s8; the +128 is taken back
/// with the weights' row sums.
struct I8Ops : TileFinish {
  static constexpr int kStep = 64;
  using Acc = __m512i;
  using W = __m512i;
  using X = __m512i;
  static Acc zero() { return _mm512_setzero_si512(); }
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    return _mm512_loadu_si512(c.w + packedIndex(c.l, j, k));
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
  static constexpr bool kIntegerSums = true;
  static __m512 toVector(Acc a) { return _mm512_castsi512_ps(a); }
  static __m512 finishVec(const Ctx &c, __m512 sum, __m512 init, int64_t r0,
                          int64_t j, __mmask8 columns) {
    const int32_t *sums =
        reinterpret_cast<const int32_t *>(c.w + c.l.sumsOffset);
    __m512i colSums =
        _mm512_broadcast_i32x4(_mm_maskz_loadu_epi32(columns, sums + j));
    __m512i dot = _mm512_sub_epi32(_mm512_castps_si512(sum),
                                   _mm512_slli_epi32(colSums, 7));
    return dequantizeTile(c, _mm512_cvtepi32_ps(dot), init, r0, j, columns);
  }
};

/// L-Mul products as integer adds (docs/LMUL.md; NaN/inf rows go to the
/// scalar path): s = |x|t + |w|t; zero where an operand is not normal or s
/// underflows; else sign | min(s + offset, inf). Products accumulate in f32.
struct LMulOps : FloatSums {
  static constexpr int kStep = 16;
  using Acc = __m512;
  // The weight's sign and magnitude are split once per column; the rows of
  // a tile then pay 7 operations per product.
  struct W {
    __m512i sign, mag;
  };
  struct X {
    __m512i mag, sign;
    __mmask16 normal;
  };
  static Acc zero() { return _mm512_setzero_ps(); }
  /// The packed weight patterns at (j, k). Several operations per loaded
  /// vector leave few loads in flight: fetch 2 KB ahead in this row (a hint;
  /// past the row's end it is harmless).
  static __m512i loadBits(const Ctx &c, int64_t j, int64_t k) {
    const uint32_t *p =
        reinterpret_cast<const uint32_t *>(c.w) + packedIndex(c.l, j, k);
    _mm_prefetch(reinterpret_cast<const char *>(p + 512), _MM_HINT_T0);
    return _mm512_loadu_si512(p);
  }
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    __m512i b = loadBits(c, j, k);
    __m512i signBit = _mm512_set1_epi32(static_cast<int>(0x80000000u));
    return {_mm512_and_si512(b, signBit), _mm512_andnot_si512(signBit, b)};
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
    // r | (x.sign ^ w.sign): both signs hold bit 31 only, r never does.
    __m512i product = _mm512_ternarylogic_epi32(r, x.sign, w.sign, 0xF6);
    return _mm512_mask_add_ps(a, live, a, _mm512_castsi512_ps(product));
  }

  /// The integer-add form (TileLoop.h, lmulTileForm): one add per product;
  /// Masked, products are zeroed where an operand is not normal (with an
  /// and: masked forms compile to add + blend).
  template <bool Masked> struct AddOnlyOps : FloatSums {
    static constexpr int kStep = 16;
    using Acc = __m512;
    struct W {
      __m512i bits, live;
    };
    struct X {
      __m512i bits, live;
    };
    static Acc zero() { return _mm512_setzero_ps(); }
    static W loadW(const Ctx &c, int64_t j, int64_t k) {
      __m512i b = LMulOps::loadBits(c, j, k);
      if (!Masked)
        return {b, b};
      __mmask16 live = _mm512_test_epi32_mask(b, _mm512_set1_epi32(0x7FFFFFFF));
      return {b, _mm512_maskz_mov_epi32(live, _mm512_set1_epi32(-1))};
    }
    static X loadX(const Ctx &c, int64_t r, int64_t k) {
      int64_t at = r * c.p.kPadded + k;
      __m512i b = _mm512_loadu_si512(c.p.lmulFast + at);
      if (!Masked)
        return {b, b};
      return {
          b, _mm512_maskz_mov_epi32(static_cast<__mmask16>(c.p.normal[at / 16]),
                                    _mm512_set1_epi32(-1))};
    }
    static Acc mac(const Ctx &, Acc a, const X &x, const W &w) {
      __m512i product = _mm512_add_epi32(x.bits, w.bits);
      if (Masked) // live in both: ternary (x & w) & product
        product = _mm512_ternarylogic_epi32(product, x.live, w.live, 0x80);
      return _mm512_add_ps(a, _mm512_castsi512_ps(product));
    }
  };
  using AddOnly = AddOnlyOps<false>;
  using AddOnlyMasked = AddOnlyOps<true>;
};

} // namespace

void calm::ukernels::detail::kernelAVX512(const Prepared &p,
                                          const uint8_t *packed,
                                          const PackedLayout &l,
                                          const Columns &c) {
  dispatch<F32Ops, BF16Ops, F16Ops, FP8Ops<true>, FP8Ops<false>, I8Ops,
           LMulOps>(p, packed, l, c);
}

// As argmaxAVX2; the tail is a masked load padded with -inf, its compares
// masked too.
int32_t calm::ukernels::detail::argmaxAVX512(const float *row, int64_t n) {
  __m512 best = _mm512_set1_ps(-INFINITY);
  __mmask16 nan = 0;
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 live = n - i >= 16 ? 0xFFFF : (1u << (n - i)) - 1u;
    __m512 v = _mm512_mask_loadu_ps(best, live, row + i);
    nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    best = _mm512_max_ps(v, best); // a NaN v leaves best as it was
  }
  float m = _mm512_reduce_max_ps(best);
  __m512 target = _mm512_set1_ps(m);
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 live = n - i >= 16 ? 0xFFFF : (1u << (n - i)) - 1u;
    __m512 v = _mm512_maskz_loadu_ps(live, row + i);
    __mmask16 hits = nan ? _mm512_mask_cmp_ps_mask(live, v, v, _CMP_UNORD_Q)
                         : _mm512_mask_cmp_ps_mask(live, v, target, _CMP_EQ_OQ);
    if (hits)
      return static_cast<int32_t>(i + __builtin_ctz(hits));
  }
  return 0;
}
