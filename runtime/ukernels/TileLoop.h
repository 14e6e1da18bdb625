//===- TileLoop.h - the register-tile loop shared by the kernels -*- C++
//-*-===//
//
// Internal to runtime/ukernels, included by each per-ISA kernel file with
// its own `Ops` (how to load and decode a weight vector, load an activation
// vector, multiply-accumulate, and finish a column). A tile of up to 4 rows
// x 4 output columns keeps its accumulators in registers across the whole K
// loop; each weight vector is loaded (and decoded) once per tile and used by
// every row. One accumulator per (row, column), so a column's arithmetic is
// the same whatever tile or thread computes it.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_UKERNELS_TILELOOP_H
#define CALM_RUNTIME_UKERNELS_TILELOOP_H

#include "Kernels.h"

#include <algorithm>
#include <type_traits>

namespace calm::ukernels::detail {

struct Ctx {
  const Prepared &p;
  const uint8_t *w;
  const PackedLayout &l;
  int32_t lmulUnderflow = 0, lmulOffset = 0;
};

/// Ops that finish a whole 4-row tile with vector operations (Ops::finishVec,
/// AVX-512): the horizontal sums of its accumulators in one pass and the
/// outputs stored a row at a time. At K = 256-512 finishing one output at a
/// time (a reduction, the scale arithmetic and a store each) cost more than
/// the multiply-adds. Ops::finishTile<Ops, C> comes from the kernel file of
/// the ISA.
template <class Ops, class = void> struct HasTileFinish : std::false_type {};
template <class Ops>
struct HasTileFinish<Ops, std::void_t<decltype(&Ops::finishVec)>>
    : std::true_type {};

template <class Ops, int R, int C>
void tileLoop(const Ctx &ctx, int64_t r0, int64_t j, const Columns &cols) {
  typename Ops::Acc acc[R][C];
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c)
      acc[r][c] = Ops::zero();
  for (int64_t k = 0; k < ctx.l.kPadded; k += Ops::kStep) {
    typename Ops::W w[C];
    for (int c = 0; c < C; ++c)
      w[c] = Ops::loadW(ctx, j + c, k);
    for (int r = 0; r < R; ++r) {
      typename Ops::X x = Ops::loadX(ctx, r0 + r, k);
      for (int c = 0; c < C; ++c)
        acc[r][c] = Ops::mac(ctx, acc[r][c], x, w[c]);
    }
  }
  if constexpr (R == 4 && HasTileFinish<Ops>::value) {
    Ops::template finishTile<Ops, C>(ctx, acc, r0, j, cols);
    return;
  }
  for (int r = 0; r < R; ++r) {
    int64_t row = r0 + r;
    if (ctx.p.special && ctx.p.special[row])
      continue;
    for (int c = 0; c < C && j + c < cols.j1; ++c)
      cols.out[row * cols.outStride + j + c] = Ops::finish(
          ctx, acc[r][c], cols.init[row * cols.initStride + j + c], row, j + c);
  }
}

/// An L-Mul tile can take the integer-add form when no product of its rows
/// and columns can underflow or overflow: then sign | min(|x|t + |w|t +
/// offset, inf) is exactly (x't + offset) + w't on the signed patterns (the
/// sign bits add mod 2 and the magnitude sum stays below 2^31). Products
/// with an operand that is not normal must be zero: masked, unless every
/// operand of the tile is normal (padding adds +0: both patterns are 0
/// there). Decided per tile from the rows' and columns' magnitude ranges,
/// so the products are exactly the general form's.
enum class LMulTile { General, AddOnly, AddOnlyMasked };
template <int R, int C>
LMulTile lmulTileForm(const Ctx &ctx, int64_t r0, int64_t j) {
  const uint32_t *rows = ctx.p.lmulRanges + 2 * r0;
  const auto *cols =
      reinterpret_cast<const uint32_t *>(ctx.w + ctx.l.rangesOffset) + 4 * j;
  uint32_t rLo = rows[0], rHi = rows[1], cLo = cols[0], cHi = cols[1];
  bool dense = ctx.p.lmulDense[r0] && cols[2];
  for (int r = 1; r < R; ++r) {
    rLo = std::min(rLo, rows[2 * r]);
    rHi = std::max(rHi, rows[2 * r + 1]);
    dense = dense && ctx.p.lmulDense[r0 + r];
  }
  for (int c = 1; c < C; ++c) {
    cLo = std::min(cLo, cols[4 * c]);
    cHi = std::max(cHi, cols[4 * c + 1]);
    dense = dense && cols[4 * c + 2];
  }
  int64_t offset = static_cast<int32_t>(ctx.lmulOffset);
  bool safe = int64_t(rLo) + cLo >= int64_t(uint32_t(ctx.lmulUnderflow)) &&
              int64_t(rHi) + cHi + offset <= 0x7F800000;
  if (!safe)
    return LMulTile::General;
  return dense ? LMulTile::AddOnly : LMulTile::AddOnlyMasked;
}

template <class Ops, class = void> struct HasAddOnlyForm : std::false_type {};
template <class Ops>
struct HasAddOnlyForm<Ops, std::void_t<typename Ops::AddOnly>>
    : std::true_type {};

template <class Ops, int R, int C>
void tile(const Ctx &ctx, int64_t r0, int64_t j, const Columns &cols) {
  if constexpr (HasAddOnlyForm<Ops>::value) {
    switch (lmulTileForm<R, C>(ctx, r0, j)) {
    case LMulTile::AddOnly:
      return tileLoop<typename Ops::AddOnly, R, C>(ctx, r0, j, cols);
    case LMulTile::AddOnlyMasked:
      return tileLoop<typename Ops::AddOnlyMasked, R, C>(ctx, r0, j, cols);
    case LMulTile::General:
      break;
    }
  }
  tileLoop<Ops, R, C>(ctx, r0, j, cols);
}

/// Rows [r0, r1) of column tile j, 4 at a time.
template <class Ops, int C>
void rows(const Ctx &ctx, int64_t j, int64_t r0, int64_t r1,
          const Columns &cols) {
  for (; r0 + 4 <= r1; r0 += 4)
    tile<Ops, 4, C>(ctx, r0, j, cols);
  switch (r1 - r0) {
  case 3:
    tile<Ops, 3, C>(ctx, r0, j, cols);
    break;
  case 2:
    tile<Ops, 2, C>(ctx, r0, j, cols);
    break;
  case 1:
    tile<Ops, 1, C>(ctx, r0, j, cols);
    break;
  default:
    break;
  }
}

/// Output columns per tile: 4, or Ops::kColumns (a divisor of 4) where two
/// accumulators per output would not fit 4 x 4 in the registers.
template <class Ops, class = void> struct TileColumns {
  static constexpr int value = 4;
};
template <class Ops>
struct TileColumns<Ops, std::void_t<decltype(Ops::kColumns)>> {
  static constexpr int value = Ops::kColumns;
};

/// Bytes of one activation row and one packed weight row in the kernel's
/// representation (what the cache blocking sizes by).
inline int64_t activationRowBytes(const Ctx &ctx) {
  switch (ctx.p.form.kind) {
  case Kind::BF16:
    return 2 * ctx.l.kPadded;
  case Kind::I8:
    return ctx.l.kPadded;
  case Kind::LMul:
    return 8 * ctx.l.kPadded; // magnitude and sign
  case Kind::E4M3:
  case Kind::E5M2:
    return (ctx.p.xBF16 ? 2 : 4) * ctx.l.kPadded;
  default:
    return 4 * ctx.l.kPadded;
  }
}
inline int64_t weightRowBytes(const Ctx &ctx) {
  switch (ctx.p.form.kind) {
  case Kind::BF16:
  case Kind::F16:
    return 2 * ctx.l.kPadded;
  case Kind::I8:
  case Kind::E4M3:
  case Kind::E5M2:
    return ctx.l.kPadded;
  default:
    return 4 * ctx.l.kPadded;
  }
}

/// Whole 4-column tiles (packed rows beyond N are zeros, and their results
/// are not stored); j0 is a multiple of 4. A GEMV (few rows) streams each
/// weight tile once. A GEMM is blocked so that both operands come from
/// cache: a panel of weight rows sized for L2 is swept by blocks of
/// activation rows sized for L2 as well, and inside a block each 4-column
/// weight tile (L1) meets every 4-row activation tile. The blocking only
/// reorders tiles: every output's arithmetic stays the same.
template <class Ops> void run(const Ctx &ctx, const Columns &cols) {
  constexpr int64_t kPanelBytes = 384 << 10, kRowBlockBytes = 192 << 10;
  int64_t m = ctx.p.m;
  int64_t panel =
      std::max<int64_t>(4, kPanelBytes / weightRowBytes(ctx) / 4 * 4);
  int64_t block =
      std::max<int64_t>(4, kRowBlockBytes / activationRowBytes(ctx) / 4 * 4);
  for (int64_t jp = cols.j0; jp < cols.j1; jp += panel) {
    int64_t jpEnd = std::min(cols.j1, jp + panel);
    for (int64_t r0 = 0; r0 < m; r0 += block) {
      int64_t r1 = std::min(m, r0 + block);
      for (int64_t j = jp; j < jpEnd; j += TileColumns<Ops>::value)
        rows<Ops, TileColumns<Ops>::value>(ctx, j, r0, r1, cols);
    }
  }
}

/// Runs the kernel of p.form with the given per-form operations.
template <class F32, class BF16, class F16, class E4M3, class E5M2, class I8,
          class LMul>
void dispatch(const Prepared &p, const uint8_t *packed, const PackedLayout &l,
              const Columns &c) {
  Ctx ctx{p, packed, l};
  switch (p.form.kind) {
  case Kind::F32:
    return run<F32>(ctx, c);
  case Kind::BF16:
    return run<BF16>(ctx, c);
  case Kind::F16:
    return run<F16>(ctx, c);
  case Kind::E4M3:
    return run<E4M3>(ctx, c);
  case Kind::E5M2:
    return run<E5M2>(ctx, c);
  case Kind::I8:
    return run<I8>(ctx, c);
  case Kind::LMul: {
    LMulConstants k = getLMulConstants(p.form.mantissaBits);
    ctx.lmulUnderflow = static_cast<int32_t>(k.underflow);
    ctx.lmulOffset = static_cast<int32_t>(k.offset);
    return run<LMul>(ctx, c);
  }
  }
}

} // namespace calm::ukernels::detail

#endif // CALM_RUNTIME_UKERNELS_TILELOOP_H
