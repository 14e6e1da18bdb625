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

namespace calm::ukernels::detail {

struct Ctx {
  const Prepared &p;
  const uint8_t *w;
  const PackedLayout &l;
  int32_t lmulUnderflow = 0, lmulOffset = 0;
};

template <class Ops, int R, int C>
void tile(const Ctx &ctx, int64_t r0, int64_t j, const Columns &cols) {
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
  for (int r = 0; r < R; ++r) {
    int64_t row = r0 + r;
    if (ctx.p.special && ctx.p.special[row])
      continue;
    for (int c = 0; c < C && j + c < cols.j1; ++c)
      cols.out[row * cols.outStride + j + c] = Ops::finish(
          ctx, acc[r][c], cols.init[row * cols.initStride + j + c], row, j + c);
  }
}

template <class Ops, int C>
void rows(const Ctx &ctx, int64_t j, const Columns &cols) {
  int64_t r0 = 0, m = ctx.p.m;
  for (; r0 + 4 <= m; r0 += 4)
    tile<Ops, 4, C>(ctx, r0, j, cols);
  switch (m - r0) {
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

/// Whole 4-column tiles (packed rows beyond N are zeros, and their results
/// are not stored); j0 is a multiple of 4.
template <class Ops> void run(const Ctx &ctx, const Columns &cols) {
  for (int64_t j = cols.j0; j < cols.j1; j += 4)
    rows<Ops, 4>(ctx, j, cols);
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
