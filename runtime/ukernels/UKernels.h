//===- UKernels.h - weight-at-rest contraction microkernels ------*- C++
//-*-===//
//
// The linear layers of a compiled model (y = init + x . W^T, x [M, K] f32,
// W [N, K] at rest in a numerics form) run in these microkernels, called from
// the generated code (calm-contractions-to-ukernels) as IREE calls its
// ukernels. Codegen through MLIR 22's vector dialect reaches neither
// vpdpbusd/vdpbf16ps with run-time activation quantization nor a register
// tile held across K with a thread split; see docs/UKERNELS.md.
//
// Everything here is plain C++ (no LLVM/MLIR): a weight is packed once, at
// load, by calmUKPack into the form's storage (rows padded to a multiple of
// 64 elements, then scales, then i8 column sums); calmUKLinear quantizes the
// activations at run time by docs/QUANT.md's rules and computes the
// contraction on AVX-512 (VNNI, BF16) when the CPU has it, else on AVX2.
// Output columns are split across the pool's threads; every column is
// computed by the same instruction sequence whatever the split, so results
// are byte-identical for any thread count.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_UKERNELS_UKERNELS_H
#define CALM_RUNTIME_UKERNELS_UKERNELS_H

#include <cstdint>
#include <string>
#include <type_traits>

namespace calm::ukernels {

/// A numerics form as one integer (also the i32 the generated code passes):
/// kind | channel << 4 | lmul mantissa bits << 8.
enum class Kind : int32_t { F32 = 0, BF16, F16, E4M3, E5M2, I8, LMul };

struct Form {
  Kind kind = Kind::F32;
  bool channel = false;
  int mantissaBits = 0; // lmul only

  int32_t encode() const {
    return static_cast<int32_t>(kind) | (channel ? 1 << 4 : 0) |
           (mantissaBits << 8);
  }
  static Form decode(int32_t code) {
    Form f;
    f.kind = static_cast<Kind>(code & 15);
    f.channel = (code >> 4) & 1;
    f.mantissaBits = (code >> 8) & 255;
    return f;
  }
  bool scaled() const {
    return kind == Kind::E4M3 || kind == Kind::E5M2 || kind == Kind::I8;
  }
  /// Bytes of one stored weight element.
  int elementBytes() const;
  float qmax() const;
};

/// The packed layout of an [N, K] weight in `form`: rows padded with zeros
/// to kPadded elements, N padded with zero rows to a multiple of 4 (the
/// kernels' tile width). A panel layout (4 rows interleaved per 64-element
/// block, one sequential stream per tile) was measured and was slower: 1.15x
/// for f32 and 1.8x for L-Mul on bench/matmul's GEMV, no gain on decode.
struct PackedLayout {
  int64_t n = 0, k = 0, kPadded = 0;
  int64_t dataBytes = 0;    // roundUp(N, 4) rows of kPadded elements
  int64_t scalesOffset = 0; // f32 [N] (channel) or [1]; scaled forms
  int64_t sumsOffset = 0;   // i32 [N] row sums of the int8 weights
  /// L-Mul: u32 [roundUp(N, 4)][4]: the least and greatest truncated
  /// magnitude of each row's normal weights (a row with inf or NaN: 0 and
  /// ~0u), and 1 where all K weights of the row are normal; they tell the
  /// kernel where L-Mul is one integer add.
  int64_t rangesOffset = 0;
  int64_t totalBytes = 0; // a multiple of 64
};
PackedLayout getPackedLayout(Form form, int64_t n, int64_t k);

/// Element index of W[j, i] in the packed data.
inline int64_t packedIndex(const PackedLayout &l, int64_t j, int64_t i) {
  return j * l.kPadded + i;
}

/// Packs w [N, K] (row-major f32, finite) into `dst` (getPackedLayout(..)
/// .totalBytes bytes, 64-byte aligned). Same rounding rules as run-time
/// quantization (docs/QUANT.md), so packed and run-time results agree.
void pack(Form form, const float *w, int64_t n, int64_t k, void *dst);

/// out[m, j] = init[m, j] + sum_k x[m, k] * W[j, k] in `form`, W packed by
/// pack(). Row strides in elements; init may alias out, and null is +0.
void linear(Form form, const float *x, int64_t m, int64_t xStride,
            const void *packed, int64_t n, int64_t k, const float *init,
            int64_t initStride, float *out, int64_t outStride);

/// Index of the first maximum of row[0, n) (n >= 1), NaN counting as the
/// maximum, as torch.argmax; -0 and +0 are equal. Vectorized on both ISAs.
int32_t argmax(const float *row, int64_t n);

/// Instruction set used by linear(): "avx512" (F, BW, VL, VNNI, BF16, VBMI) or
/// "avx2" (AVX2, FMA, F16C). CALM_UKERNEL_ISA=avx2 forces the AVX2 path.
const char *isa();
/// Forces an instruction set ("avx512", "avx2"); false if the CPU lacks it.
bool setISA(const std::string &name);

/// Worker threads of linear() (1 = the calling thread only; 0 = all cores).
void setThreads(int threads);
int getThreads();
/// Callers that run linear layers at once (a server's generating
/// sessions; default 1). While they are at least as many as the pool's
/// threads, each runs on its own thread instead of leasing the pool:
/// sharing it would put more threads than cores to work (bench/serve).
/// The output is the same either way.
void setConcurrentCallers(int callers);

/// Runs fn(ctx, begin, end) over [0, n) split into one contiguous range per
/// pool thread (the calling thread takes the first), for other row-parallel
/// work of the runtime (a compiled function over ranges of rows, the
/// decoder's argmax) on the same threads. Inside fn, linear() and nested
/// parallelFor calls run on the calling thread alone.
void parallelRanges(int64_t n, void (*fn)(void *ctx, int64_t, int64_t),
                    void *ctx);
template <typename Fn> void parallelFor(int64_t n, Fn &&fn) {
  using F = std::remove_reference_t<Fn>;
  parallelRanges(
      n, [](void *c, int64_t b, int64_t e) { (*static_cast<F *>(c))(b, e); },
      const_cast<void *>(static_cast<const void *>(&fn)));
}

/// Scalar L-Mul of two f32 values (docs/LMUL.md, all eight steps).
float lmulF32(float x, float y, int mantissaBits);

} // namespace calm::ukernels

/// The entry point the generated code calls (CInterface.cpp); declared here
/// so that a JIT can bind it by address. Arguments are memref descriptors.
extern "C" void _mlir_ciface_calm_uk_linear(void *x, void *weights,
                                            int64_t offset, int64_t n,
                                            int64_t k, int32_t form, void *init,
                                            void *out);

#endif // CALM_RUNTIME_UKERNELS_UKERNELS_H
