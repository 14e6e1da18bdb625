//===- KernelsAVX512.cpp - AVX-512 (VNNI, BF16) inner kernels ------------===//
//
// Compiled with -mavx512{f,bw,vl,vnni,bf16,vbmi} and
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
                           packedIndex(c.l, j, k));
  }
  static X loadX(const Ctx &c, int64_t r, int64_t k) {
    return _mm512_loadu_ps(static_cast<const float *>(c.p.x) + r * c.p.kPadded +
                           k);
  }
  static Acc mac(const Ctx &, Acc a, const X &x, const W &w) {
    return _mm512_fmadd_ps(x, w, a);
  }
  static float finish(const Ctx &, Acc a, float init, int64_t, int64_t) {
    return init + _mm512_reduce_add_ps(a);
  }
};

/// Two accumulators per (row, column), one per half of each 64-element
/// step: vdpbf16ps has a long latency, and one chain per column would bound
/// a GEMV by it rather than by memory.
struct Acc2 {
  __m512 a, b;
};

struct BF16Ops {
  static constexpr int kStep = 64;
  // 4 rows x 2 columns x 2 accumulators: 16 registers (4 x 4 would spill).
  static constexpr int kColumns = 2;
  using Acc = Acc2;
  struct W {
    __m512bh lo, hi;
  };
  using X = W;
  static Acc zero() { return {_mm512_setzero_ps(), _mm512_setzero_ps()}; }
  static W load(const uint16_t *p) {
    return {(__m512bh)_mm512_loadu_si512(p),
            (__m512bh)_mm512_loadu_si512(p + 32)};
  }
  static W loadW(const Ctx &c, int64_t j, int64_t k) {
    return load(reinterpret_cast<const uint16_t *>(c.w) +
                packedIndex(c.l, j, k));
  }
  static X loadX(const Ctx &c, int64_t r, int64_t k) {
    return load(static_cast<const uint16_t *>(c.p.x) + r * c.p.kPadded + k);
  }
  static Acc mac(const Ctx &, Acc a, const X &x, const W &w) {
    return {_mm512_dpbf16_ps(a.a, x.lo, w.lo),
            _mm512_dpbf16_ps(a.b, x.hi, w.hi)};
  }
  static float sum(Acc a) {
    return _mm512_reduce_add_ps(_mm512_add_ps(a.a, a.b));
  }
  static float finish(const Ctx &, Acc a, float init, int64_t, int64_t) {
    return init + sum(a);
  }
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
template <bool E4M3> struct FP8Ops {
  static constexpr int kStep = 64;
  static constexpr int kColumns = 2;
  using Acc = Acc2;
  using W = BF16Ops::W;
  using X = W;
  static Acc zero() { return BF16Ops::zero(); }
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
    return BF16Ops::load(c.p.xBF16 + r * c.p.kPadded + k);
  }
  static Acc mac(const Ctx &c, Acc a, const X &x, const W &w) {
    return BF16Ops::mac(c, a, x, w);
  }
  static float finish(const Ctx &c, Acc a, float init, int64_t r, int64_t j) {
    const float *sB = reinterpret_cast<const float *>(c.w + c.l.scalesOffset);
    bool ch = c.p.form.channel;
    return dequantize(init, BF16Ops::sum(a), c.p.scale[ch ? r : 0],
                      sB[ch ? j : 0]);
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
};

/// L-Mul products as integer adds (docs/LMUL.md; NaN/inf rows go to the
/// scalar path): s = |x|t + |w|t; zero where an operand is not normal or s
/// underflows; else sign | min(s + offset, inf). Products accumulate in f32.
struct LMulOps {
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
  static float finish(const Ctx &, Acc a, float init, int64_t, int64_t) {
    return init + _mm512_reduce_add_ps(a);
  }

  /// The integer-add form (TileLoop.h, lmulTileForm): one add per product;
  /// Masked, products are zeroed where an operand is not normal (with an
  /// and: masked forms compile to add + blend).
  template <bool Masked> struct AddOnlyOps {
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
      return {b, _mm512_maskz_mov_epi32(
                             static_cast<__mmask16>(c.p.normal[at / 16]),
                             _mm512_set1_epi32(-1))};
    }
    static Acc mac(const Ctx &, Acc a, const X &x, const W &w) {
      __m512i product = _mm512_add_epi32(x.bits, w.bits);
      if (Masked) // live in both: ternary (x & w) & product
        product = _mm512_ternarylogic_epi32(product, x.live, w.live, 0x80);
      return _mm512_add_ps(a, _mm512_castsi512_ps(product));
    }
    static float finish(const Ctx &, Acc a, float init, int64_t, int64_t) {
      return init + _mm512_reduce_add_ps(a);
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
