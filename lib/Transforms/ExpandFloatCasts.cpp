//===- ExpandFloatCasts.cpp - fp8/bf16 casts as integer arith -------------===//
//
// Small-float conversions on bit patterns. Every value is computed in i32
// (one lane width for f32 and the 8-bit formats alike, so vectors keep their
// lane count) and narrowed at the end.
//
//===----------------------------------------------------------------------===//

#include "calm/Transforms/Passes.h"
#include "calm/Utils/IntegerOpBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CALMEXPANDFLOATCASTS
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;
using mlir::calm::IntegerOpBuilder;

namespace {

/// Layout of the 8-bit float formats handled here.
struct F8Format {
  unsigned E, M;
  int bias;
  bool hasInf;
  uint32_t magMask() const { return (1u << (E + M)) - 1; }
  uint32_t infBits() const { return ((1u << E) - 1) << M; }
  uint32_t maxFinite() const { return hasInf ? infBits() - 1 : magMask() - 1; }
  uint32_t quietNaN() const {
    return hasInf ? infBits() | (1u << (M - 1)) : magMask();
  }
};

std::optional<F8Format> getF8Format(Type type) {
  if (isa<Float8E4M3FNType>(type))
    return F8Format{4, 3, 7, false};
  if (isa<Float8E5M2Type>(type))
    return F8Format{5, 2, 15, true};
  return std::nullopt;
}

Type withElement(Type like, Type element) {
  if (auto shaped = dyn_cast<ShapedType>(like))
    return shaped.clone(element);
  return element;
}

using Pred = arith::CmpIPredicate;

/// extf from an 8-bit float to f32 (then to the destination if wider).
struct ExtFromF8 : public OpRewritePattern<arith::ExtFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::ExtFOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<F8Format> f =
        getF8Format(getElementTypeOrSelf(op.getIn().getType()));
    if (!f)
      return failure();
    Location loc = op.getLoc();
    Type inType = op.getIn().getType();
    IntegerOpBuilder i32(rewriter, loc, inType, 32);
    Value raw = arith::BitcastOp::create(
        rewriter, loc, withElement(inType, rewriter.getI8Type()), op.getIn());
    Value w = arith::ExtUIOp::create(rewriter, loc, i32.getType(), raw);

    Value sign =
        i32.shl(i32.shrU(w, i32.constant(f->E + f->M)), i32.constant(31));
    Value mag = i32.andI(w, i32.constant(f->magMask()));
    // Normal: move the fields into place and rebias the exponent.
    Value normal = i32.add(i32.shl(mag, i32.constant(23 - f->M)),
                           i32.constant(int64_t(127 - f->bias) << 23));
    // Subnormal: mant * 2^(1-B-M); uitofp(mant) is exact, and lowering its
    // exponent by B+M-1 scales it without a multiply.
    Type f32Like = withElement(inType, rewriter.getF32Type());
    Value mantF = arith::UIToFPOp::create(rewriter, loc, f32Like, mag);
    Value mantBits =
        arith::BitcastOp::create(rewriter, loc, i32.getType(), mantF);
    Value sub =
        i32.sub(mantBits, i32.constant(int64_t(f->bias + f->M - 1) << 23));
    Value isSub = i32.cmp(Pred::ult, mag, i32.constant(1 << f->M));
    Value isZero = i32.cmp(Pred::eq, mag, i32.constant(0));
    Value bits =
        i32.select(isSub, i32.select(isZero, i32.constant(0), sub), normal);
    if (f->hasInf) {
      bits = i32.select(i32.cmp(Pred::eq, mag, i32.constant(f->infBits())),
                        i32.constant(0x7F800000), bits);
      bits = i32.select(i32.cmp(Pred::ugt, mag, i32.constant(f->infBits())),
                        i32.constant(0x7FC00000), bits);
    } else {
      bits = i32.select(i32.cmp(Pred::eq, mag, i32.constant(f->magMask())),
                        i32.constant(0x7FC00000), bits);
    }
    bits = i32.orI(bits, sign);
    Value result = arith::BitcastOp::create(rewriter, loc, f32Like, bits);
    Type outElement = getElementTypeOrSelf(op.getType());
    if (!outElement.isF32()) {
      // f8 values are exact in every float type wider than 8 bits.
      if (outElement.getIntOrFloatBitWidth() > 32)
        result = arith::ExtFOp::create(rewriter, loc, op.getType(), result);
      else
        result = arith::TruncFOp::create(rewriter, loc, op.getType(), result);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// truncf to an 8-bit float, round to nearest even.
struct TruncToF8 : public OpRewritePattern<arith::TruncFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::TruncFOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<F8Format> f = getF8Format(getElementTypeOrSelf(op.getType()));
    if (!f)
      return failure();
    if (op.getRoundingmodeAttr() &&
        op.getRoundingmode() != arith::RoundingMode::to_nearest_even)
      return rewriter.notifyMatchFailure(op, "only to_nearest_even");
    Location loc = op.getLoc();
    Type inType = op.getIn().getType();
    Type inElement = getElementTypeOrSelf(inType);
    Value in = op.getIn();
    Type f32Like = withElement(inType, rewriter.getF32Type());
    if (inElement.getIntOrFloatBitWidth() > 32)
      return rewriter.notifyMatchFailure(op, "source wider than f32");
    if (!inElement.isF32()) // narrower floats widen to f32 exactly
      in = arith::ExtFOp::create(rewriter, loc, f32Like, in);

    IntegerOpBuilder i32(rewriter, loc, inType, 32);
    Value u = arith::BitcastOp::create(rewriter, loc, i32.getType(), in);
    Value sign =
        i32.shl(i32.shrU(u, i32.constant(31)), i32.constant(f->E + f->M));
    Value a = i32.andI(u, i32.constant(0x7FFFFFFF));
    const int shift = 23 - f->M;

    // Normal results: rebias, then round the dropped bits to nearest even.
    Value rebiased = i32.sub(a, i32.constant(int64_t(127 - f->bias) << 23));
    Value odd =
        i32.andI(i32.shrU(rebiased, i32.constant(shift)), i32.constant(1));
    Value rounded =
        i32.add(i32.add(rebiased, i32.constant((1 << (shift - 1)) - 1)), odd);
    Value normal = i32.shrU(rounded, i32.constant(shift));

    // Subnormal results: the 24-bit significand shifted right by
    // s2 = (151 - B - M) - e32, rounded to nearest even. s2 is clamped to
    // 25, where everything rounds to zero (f32 subnormals included).
    Value e32 = i32.shrU(a, i32.constant(23));
    Value m24 =
        i32.orI(i32.andI(a, i32.constant(0x7FFFFF)), i32.constant(0x800000));
    Value s2 = i32.minS(i32.sub(i32.constant(151 - f->bias - f->M), e32),
                        i32.constant(25));
    s2 = i32.maxS(s2, i32.constant(1));
    Value q = i32.shrU(m24, s2);
    Value rem =
        i32.andI(m24, i32.sub(i32.shl(i32.constant(1), s2), i32.constant(1)));
    Value half = i32.shl(i32.constant(1), i32.sub(s2, i32.constant(1)));
    Value up = i32.orI(i32.cmp(Pred::ugt, rem, half),
                       i32.andI(i32.cmp(Pred::eq, rem, half),
                                i32.cmp(Pred::ne, i32.andI(q, i32.constant(1)),
                                        i32.constant(0))));
    Value subnormal =
        i32.add(q, arith::ExtUIOp::create(rewriter, loc, i32.getType(), up));

    Value isSub =
        i32.cmp(Pred::slt, a, i32.constant(int64_t(128 - f->bias) << 23));
    Value mag = i32.select(isSub, subnormal, normal);
    // Overflow (inf inputs too): inf, or NaN for the inf-less format.
    Value overflowTo = i32.constant(f->hasInf ? f->infBits() : f->quietNaN());
    mag = i32.select(i32.cmp(Pred::sgt, mag, i32.constant(f->maxFinite())),
                     overflowTo, mag);
    mag = i32.select(i32.cmp(Pred::sgt, a, i32.constant(0x7F800000)),
                     i32.constant(f->quietNaN()), mag);
    Value bits32 = i32.orI(mag, sign);
    Value bits8 = arith::TruncIOp::create(
        rewriter, loc, withElement(inType, rewriter.getI8Type()), bits32);
    rewriter.replaceOpWithNewOp<arith::BitcastOp>(op, op.getType(), bits8);
    return success();
  }
};

struct ExpandFloatCastsPass
    : public calm::impl::CALMExpandFloatCastsBase<ExpandFloatCastsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExtFromF8, TruncToF8>(&getContext());
    arith::populateExpandBFloat16Patterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    WalkResult left = getOperation()->walk([](Operation *op) {
      if (!isa<arith::ExtFOp, arith::TruncFOp>(op))
        return WalkResult::advance();
      Type in = getElementTypeOrSelf(op->getOperand(0).getType());
      Type out = getElementTypeOrSelf(op->getResult(0).getType());
      if (getF8Format(in) || getF8Format(out)) {
        op->emitError("calm-expand-float-casts: cannot expand this fp8 "
                      "conversion (only round-to-nearest-even truncf from "
                      "types up to f32 is supported)");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
