//===- CALMToArith.cpp - lower calm.lmul to integer arith -----------------===//
//
// calm.lmul becomes integer arithmetic on the operands' bit patterns at the
// format's own width W (f32: i32, bf16/f16: i16, fp8: i8). Magnitudes are
// below 2^(W-1), so their sum fits W bits unsigned and every range test is an
// unsigned compare: no widening, so vectors keep their full lane count.
//
//   s = trunc(|x|) + trunc(|y|)
//   underflow   <=>  s < (B+1)<<M - 2^(M-l)     (exponent field of r <= 0)
//   r = s - ((B<<M) - 2^(M-l))
//   overflow    <=>  r >= inf            (r > 448 pattern for f8E4M3FN),
//                    i.e. the magnitude is umin(r, inf)
//
// Special operands are resolved afterwards by selects, last one wins:
// zero/subnormal, then inf, then NaN, matching the precedence of the spec.
//
//===----------------------------------------------------------------------===//

#include "calm/Conversion/CALMToArith/CALMToArith.h"
#include "calm/Dialect/CALM/IR/CALMOps.h"
#include "calm/Dialect/CALM/IR/LMulSemantics.h"
#include "calm/Utils/IntegerOpBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CONVERTCALMTOARITH
#include "calm/Conversion/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;
using namespace mlir::calm;

namespace {

struct LMulOpLowering : public OpRewritePattern<LMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LMulOp op,
                                PatternRewriter &rewriter) const override {
    FloatType floatType = op.getElementFloatType();
    std::optional<LMulFormat> format = getLMulFormat(floatType);
    unsigned m = op.getMantissaBits();
    if (!format || m < 1 || m > format->mantissaBits)
      return rewriter.notifyMatchFailure(op, "invalid calm.lmul");

    Location loc = op.getLoc();
    using Pred = arith::CmpIPredicate;
    IntegerOpBuilder b(rewriter, loc, op.getType(), format->width());
    const unsigned M = format->mantissaBits;

    Value x = arith::BitcastOp::create(rewriter, loc, b.getType(), op.getLhs());
    Value y = arith::BitcastOp::create(rewriter, loc, b.getType(), op.getRhs());

    Value magMask = b.constant(format->magnitudeMask());
    Value sign = b.andI(b.xorI(x, y), b.constant(format->signBit()));
    // Truncation to m bits, folded into the magnitude mask.
    Value keepMag = magMask;
    if (m < M)
      keepMag =
          b.constant(~((uint64_t(1) << (M - m)) - 1) & format->magnitudeMask());
    Value xa = b.andI(x, keepMag);
    Value ya = b.andI(y, keepMag);

    // Classification of the operands. Magnitudes are below 2^(W-1), so
    // signed and unsigned orders agree on them; signed predicates and
    // min/max map to single instructions on common SIMD targets (x86 has no
    // unsigned vector compare). One min and one max classify both operands.
    // Truncation keeps the exponent, so zero/subnormal and inf are read off
    // the truncated magnitudes; NaN is not (a NaN whose payload sits in the
    // dropped bits looks like inf), so it is tested before truncation: for
    // f32 with one unordered float compare, else on the full magnitudes.
    Value lo = b.minS(xa, ya), hi = b.maxS(xa, ya);
    Value anyZero = b.cmp(Pred::slt, lo, b.constant(uint64_t(1) << M));
    Value anyNaN, anyInf;
    if (floatType.isF32()) {
      anyNaN = arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::UNO,
                                     op.getLhs(), op.getRhs());
    } else {
      Value fullHi =
          m < M ? b.maxS(b.andI(x, magMask), b.andI(y, magMask)) : hi;
      anyNaN = format->hasInf
                   ? b.cmp(Pred::sgt, fullHi, b.constant(format->infBits()))
                   : b.cmp(Pred::eq, fullHi, magMask);
    }
    if (format->hasInf)
      anyInf = b.cmp(Pred::eq, hi, b.constant(format->infBits()));

    uint64_t offset = getLMulOffset(*format, m);
    Value sum = b.add(xa, ya);
    Value underflow =
        b.cmp(Pred::ult, sum, b.constant(offset + (uint64_t(1) << M)));
    Value r = b.sub(sum, b.constant(offset));

    // Overflow clamps r to inf (or to the largest finite value for
    // f8E4M3FN): an unsigned min, since r may exceed 2^(W-1).
    Value mag = b.minU(r, b.constant(format->hasInf ? format->infBits()
                                                    : format->maxFiniteBits()));
    Value result = b.orI(sign, mag);
    result = b.select(b.orI(underflow, anyZero), sign, result);

    Value qnan = b.constant(format->quietNaNBits());
    if (format->hasInf) {
      Value signedInf = b.orI(sign, b.constant(format->infBits()));
      result = b.select(anyInf, b.select(anyZero, qnan, signedInf), result);
    }
    result = b.select(anyNaN, qnan, result);

    rewriter.replaceOpWithNewOp<arith::BitcastOp>(op, op.getType(), result);
    return success();
  }
};

struct ConvertCALMToArithPass
    : public calm::impl::ConvertCALMToArithBase<ConvertCALMToArithPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateCALMToArithConversionPatterns(patterns);
    // Only calm.lmul is rewritten; folding is left to later canonicalization
    // so that this pass keeps the user's IR otherwise untouched.
    GreedyRewriteConfig config;
    config.enableFolding(false);
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
    // Any calm.lmul left over is invalid (the verifier rejects those).
    WalkResult walk = getOperation()->walk([](LMulOp op) {
      op.emitError("could not lower calm.lmul");
      return WalkResult::interrupt();
    });
    if (walk.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

void mlir::calm::populateCALMToArithConversionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LMulOpLowering>(patterns.getContext());
}
