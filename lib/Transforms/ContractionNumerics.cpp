//===- ContractionNumerics.cpp - contractions in quantized and L-Mul forms ===//
//
// The rewrite calm-quantize-contractions, calm-lmul-contractions and
// calm-apply-numerics share: applyNumerics(op, form). For the scaled forms the
// contraction C += A.B becomes, on tensors,
//
//   sA = scale(A)      amax / QMAX per tensor or per row; compile time for
//   sB = scale(B)      constants, else an amax reduction at run time
//   qA = quantize(A, sA), qB = quantize(B, sB)        i8 storage
//   acc = sum_k qA * qB                               f32 (fp8) or i32 (i8)
//   C = init + sA * sB * acc                          NaN if a scale is not
//   finite
//
// each step a linalg.generic over the operand's own dims or the original
// loops, so everything downstream (bufferization, vectorization) applies.
//
//===----------------------------------------------------------------------===//

#include "calm/Transforms/ContractionNumerics.h"
#include "calm/Dialect/CALM/IR/CALMAttrs.h"
#include "calm/Dialect/CALM/IR/CALMOps.h"
#include "calm/Dialect/CALM/IR/Numerics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/Support/Regex.h"

#include <cmath>

using namespace mlir;
using namespace mlir::calm;

namespace {

using utils::IteratorType;

/// The parts of a two-input contraction.
struct Contraction {
  // Op handles are value types with non-const accessors.
  mutable linalg::LinalgOp op;
  Value lhs, rhs, init;
  AffineMap lhsMap, rhsMap, initMap;
};

FailureOr<Contraction> matchContraction(linalg::LinalgOp op, std::string &why) {
  if (!linalg::isaContractionOpInterface(op) || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1) {
    why = "not a two-operand linalg contraction";
    return failure();
  }
  if (!op.hasPureTensorSemantics()) {
    why = "operates on memrefs: apply numerics before bufferization";
    return failure();
  }
  Contraction c{op,
                op.getDpsInputOperand(0)->get(),
                op.getDpsInputOperand(1)->get(),
                op.getDpsInitOperand(0)->get(),
                op.getMatchingIndexingMap(op.getDpsInputOperand(0)),
                op.getMatchingIndexingMap(op.getDpsInputOperand(1)),
                op.getMatchingIndexingMap(op.getDpsInitOperand(0))};
  for (Value v : {c.lhs, c.rhs, c.init})
    if (!getElementTypeOrSelf(v.getType()).isF32()) {
      why = "only f32 contractions are rewritten";
      return failure();
    }
  for (AffineMap m : {c.lhsMap, c.rhsMap, c.initMap})
    if (!m.isProjectedPermutation()) {
      why = "indexing maps must be projected permutations";
      return failure();
    }
  return c;
}

/// Builds the generics of the rewrite at one location.
class Builder {
public:
  Builder(RewriterBase &rewriter, Location loc) : r(rewriter), loc(loc) {}

  /// tensor.empty shaped like dims `keep` of `like`, with element `element`.
  Value empty(Value like, ArrayRef<unsigned> keep, Type element) {
    auto type = cast<RankedTensorType>(like.getType());
    SmallVector<OpFoldResult> sizes;
    for (unsigned d : keep) {
      if (type.isDynamicDim(d))
        sizes.push_back(tensor::DimOp::create(r, loc, like, d).getResult());
      else
        sizes.push_back(r.getIndexAttr(type.getDimSize(d)));
    }
    return tensor::EmptyOp::create(r, loc, sizes, element);
  }

  Value fill(Value tensor, Attribute value) {
    Value v = arith::ConstantOp::create(r, loc, cast<TypedAttr>(value));
    return linalg::FillOp::create(r, loc, v, tensor).getResult(0);
  }

  Value generic(TypeRange results, ValueRange ins, ValueRange outs,
                ArrayRef<AffineMap> maps, ArrayRef<IteratorType> iterators,
                function_ref<void(OpBuilder &, Location, ValueRange)> body) {
    return linalg::GenericOp::create(r, loc, results, ins, outs, maps,
                                     iterators, body)
        .getResult(0);
  }

  RewriterBase &r;
  Location loc;
};

SmallVector<unsigned> allDims(Value v) {
  return llvm::to_vector(
      llvm::seq<unsigned>(0, cast<RankedTensorType>(v.getType()).getRank()));
}

/// The dims of an operand that keep their own scale under `granularity`:
/// none per tensor; per channel, the dims whose loop is parallel (the rows of
/// A, the columns of B, and batch dims).
SmallVector<unsigned> keptDims(const Contraction &c, AffineMap map,
                               Granularity granularity) {
  SmallVector<unsigned> kept;
  if (granularity == Granularity::Tensor)
    return kept;
  auto iterators = c.op.getIteratorTypesArray();
  for (unsigned d = 0; d < map.getNumResults(); ++d)
    if (iterators[map.getDimPosition(d)] == IteratorType::parallel)
      kept.push_back(d);
  return kept;
}

AffineMap projection(MLIRContext *ctx, unsigned rank, ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

/// Converts a finite-or-not f32 to the storage of `n` (RNE, saturated), the
/// compile-time twin of the quantize generic below; returns the bit pattern.
uint8_t quantizeScalar(float x, float scale, const Numerics &n) {
  float q = static_cast<float>(n.maxMagnitude());
  float v = x / scale;
  if (!std::isnan(v))
    v = std::fmin(std::fmax(v, -q), q);
  if (n.kind == NumericsKind::I8) {
    if (std::isnan(v))
      return 0; // the output is NaN through the scale guard
    return static_cast<uint8_t>(static_cast<int8_t>(std::nearbyint(v)));
  }
  APFloat f(v);
  bool lost;
  f.convert(n.kind == NumericsKind::F8E4M3 ? APFloat::Float8E4M3FN()
                                           : APFloat::Float8E5M2(),
            APFloat::rmNearestTiesToEven, &lost);
  return static_cast<uint8_t>(f.bitcastToAPInt().getZExtValue());
}

struct QuantizedOperand {
  Value storage; // tensor of i8 (fp8 bits or int8)
  Value scale;   // f32 tensor over the kept dims (rank 0 per tensor)
  SmallVector<unsigned> kept;
};

/// Scale and quantized storage of a constant operand, at compile time.
std::optional<QuantizedOperand> quantizeConstant(Builder &b, Value operand,
                                                 ArrayRef<unsigned> kept,
                                                 const Numerics &n) {
  DenseElementsAttr dense;
  if (!matchPattern(operand, m_Constant(&dense)))
    return std::nullopt;
  auto type = cast<RankedTensorType>(operand.getType());
  if (!type.hasStaticShape())
    return std::nullopt;
  SmallVector<float> values;
  for (APFloat v : dense.getValues<APFloat>())
    values.push_back(v.convertToFloat());
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int i = int(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  SmallVector<int64_t> keptShape;
  for (unsigned d : kept)
    keptShape.push_back(shape[d]);
  int64_t groups = 1;
  for (int64_t s : keptShape)
    groups *= s;
  auto groupOf = [&](int64_t flat) {
    int64_t g = 0;
    for (unsigned d : kept)
      g = g * shape[d] + (flat / strides[d]) % shape[d];
    return g;
  };
  SmallVector<float> amax(groups, 0.0f);
  for (int64_t i = 0, e = values.size(); i < e; ++i) {
    float a = std::fabs(values[i]);
    float &m = amax[groupOf(i)];
    m = (std::isnan(a) || std::isnan(m)) ? NAN : std::fmax(m, a);
  }
  SmallVector<float> scales(groups);
  float qmax = static_cast<float>(n.maxMagnitude());
  for (int64_t g = 0; g < groups; ++g)
    scales[g] = amax[g] == 0.0f ? 1.0f : amax[g] / qmax;
  SmallVector<int8_t> q(values.size());
  for (int64_t i = 0, e = values.size(); i < e; ++i)
    q[i] =
        static_cast<int8_t>(quantizeScalar(values[i], scales[groupOf(i)], n));

  MLIRContext *ctx = b.r.getContext();
  auto storageType = RankedTensorType::get(shape, IntegerType::get(ctx, 8));
  auto scaleType = RankedTensorType::get(keptShape, Float32Type::get(ctx));
  QuantizedOperand result;
  result.storage = arith::ConstantOp::create(
      b.r, b.loc, DenseElementsAttr::get(storageType, ArrayRef<int8_t>(q)));
  result.scale = arith::ConstantOp::create(
      b.r, b.loc, DenseElementsAttr::get(scaleType, ArrayRef<float>(scales)));
  result.kept = llvm::to_vector(kept);
  return result;
}

/// Scale (amax reduction) and quantized storage of a run-time operand.
QuantizedOperand quantizeDynamic(Builder &b, Value operand,
                                 ArrayRef<unsigned> kept, const Numerics &n) {
  MLIRContext *ctx = b.r.getContext();
  auto type = cast<RankedTensorType>(operand.getType());
  unsigned rank = type.getRank();
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap toKept = projection(ctx, rank, kept);
  SmallVector<IteratorType> reduceIters(rank, IteratorType::reduction);
  for (unsigned d : kept)
    reduceIters[d] = IteratorType::parallel;
  Type f32 = Float32Type::get(ctx);

  Value amaxInit = b.fill(b.empty(operand, kept, f32), b.r.getF32FloatAttr(0));
  Value amax =
      b.generic(amaxInit.getType(), operand, amaxInit, {id, toKept},
                reduceIters, [](OpBuilder &ob, Location loc, ValueRange args) {
                  Value a = math::AbsFOp::create(ob, loc, args[0]);
                  // maximumf propagates NaN, so a NaN operand poisons its
                  // scale.
                  Value m = arith::MaximumFOp::create(ob, loc, args[1], a);
                  linalg::YieldOp::create(ob, loc, m);
                });
  double qmax = n.maxMagnitude();
  unsigned keptRank = kept.size();
  AffineMap keptId = AffineMap::getMultiDimIdentityMap(keptRank, ctx);
  Value scale = b.generic(
      amax.getType(), ValueRange{}, amax, {keptId},
      SmallVector<IteratorType>(keptRank, IteratorType::parallel),
      [&](OpBuilder &ob, Location loc, ValueRange args) {
        Value zero = arith::ConstantOp::create(ob, loc, ob.getF32FloatAttr(0));
        Value one = arith::ConstantOp::create(ob, loc, ob.getF32FloatAttr(1));
        Value q = arith::ConstantOp::create(ob, loc, ob.getF32FloatAttr(qmax));
        Value isZero = arith::CmpFOp::create(ob, loc, arith::CmpFPredicate::OEQ,
                                             args[0], zero);
        Value s = arith::DivFOp::create(ob, loc, args[0], q);
        linalg::YieldOp::create(
            ob, loc, Value(arith::SelectOp::create(ob, loc, isZero, one, s)));
      });

  Type i8 = IntegerType::get(ctx, 8);
  Value storageInit = b.empty(operand, allDims(operand), i8);
  Value storage = b.generic(
      storageInit.getType(), ValueRange{operand, scale}, storageInit,
      {id, toKept, id}, SmallVector<IteratorType>(rank, IteratorType::parallel),
      [&](OpBuilder &ob, Location loc, ValueRange args) {
        Value q = arith::ConstantOp::create(ob, loc, ob.getF32FloatAttr(qmax));
        Value nq =
            arith::ConstantOp::create(ob, loc, ob.getF32FloatAttr(-qmax));
        Value v = arith::DivFOp::create(ob, loc, args[0], args[1]);
        v = arith::MaximumFOp::create(ob, loc, v, nq);
        v = arith::MinimumFOp::create(ob, loc, v, q);
        Value bits;
        if (n.kind == NumericsKind::I8) {
          Value r = math::RoundEvenOp::create(ob, loc, v);
          bits = arith::FPToSIOp::create(ob, loc, ob.getI8Type(), r);
        } else {
          Value t = arith::TruncFOp::create(
              ob, loc, n.getStorageType(ob.getContext()), v);
          bits = arith::BitcastOp::create(ob, loc, ob.getI8Type(), t);
        }
        linalg::YieldOp::create(ob, loc, bits);
      });
  return {storage, scale, llvm::to_vector(kept)};
}

QuantizedOperand quantizeOperand(Builder &b, Value operand,
                                 ArrayRef<unsigned> kept, const Numerics &n) {
  if (std::optional<QuantizedOperand> q = quantizeConstant(b, operand, kept, n))
    return *q;
  return quantizeDynamic(b, operand, kept, n);
}

/// Marks a multiply as part of the requested arithmetic, so that later calm
/// rewrites (calm-mulf-to-lmul) leave it alone.
Value exactMul(OpBuilder &ob, Location loc, Value a, Value b) {
  auto mul = arith::MulFOp::create(ob, loc, a, b);
  mul->setAttr(kExactAttrName, ob.getUnitAttr());
  return mul;
}

/// Maps a scale over `kept` operand dims into the init's dim space.
FailureOr<AffineMap> scaleMapInInit(const Contraction &c, AffineMap operandMap,
                                    ArrayRef<unsigned> kept) {
  MLIRContext *ctx = c.op->getContext();
  SmallVector<AffineExpr> exprs;
  for (unsigned d : kept) {
    unsigned loop = operandMap.getDimPosition(d);
    std::optional<unsigned> pos =
        c.initMap.getResultPosition(getAffineDimExpr(loop, ctx));
    if (!pos)
      return failure();
    exprs.push_back(getAffineDimExpr(*pos, ctx));
  }
  return AffineMap::get(c.initMap.getNumResults(), 0, exprs, ctx);
}

LogicalResult applyScaled(RewriterBase &rewriter, const Contraction &c,
                          const Numerics &n) {
  Builder b(rewriter, c.op.getLoc());
  MLIRContext *ctx = rewriter.getContext();
  SmallVector<unsigned> keptA = keptDims(c, c.lhsMap, n.granularity);
  SmallVector<unsigned> keptB = keptDims(c, c.rhsMap, n.granularity);
  FailureOr<AffineMap> sAMap = scaleMapInInit(c, c.lhsMap, keptA);
  FailureOr<AffineMap> sBMap = scaleMapInInit(c, c.rhsMap, keptB);
  if (failed(sAMap) || failed(sBMap))
    return c.op->emitError("per-channel scales need every parallel dim of "
                           "the operands in the result");
  QuantizedOperand qa = quantizeOperand(b, c.lhs, keptA, n);
  QuantizedOperand qb = quantizeOperand(b, c.rhs, keptB, n);

  bool isInt = n.kind == NumericsKind::I8;
  Type accElement = isInt ? Type(rewriter.getI32Type()) : rewriter.getF32Type();
  Attribute zero = isInt ? Attribute(rewriter.getI32IntegerAttr(0))
                         : Attribute(rewriter.getF32FloatAttr(0));
  Value accInit = b.fill(b.empty(c.init, allDims(c.init), accElement), zero);
  Type storageType = n.getStorageType(ctx);
  Value acc = b.generic(
      accInit.getType(), ValueRange{qa.storage, qb.storage}, accInit,
      {c.lhsMap, c.rhsMap, c.initMap}, c.op.getIteratorTypesArray(),
      [&](OpBuilder &ob, Location loc, ValueRange args) {
        Value sum;
        if (isInt) {
          Value x = arith::ExtSIOp::create(ob, loc, ob.getI32Type(), args[0]);
          Value y = arith::ExtSIOp::create(ob, loc, ob.getI32Type(), args[1]);
          Value p = arith::MulIOp::create(ob, loc, x, y);
          sum = arith::AddIOp::create(ob, loc, args[2], p);
        } else {
          auto widen = [&](Value bits) -> Value {
            Value f8 = arith::BitcastOp::create(ob, loc, storageType, bits);
            return arith::ExtFOp::create(ob, loc, ob.getF32Type(), f8);
          };
          Value p = exactMul(ob, loc, widen(args[0]), widen(args[1]));
          sum = arith::AddFOp::create(ob, loc, args[2], p);
        }
        linalg::YieldOp::create(ob, loc, sum);
      });

  unsigned rank = cast<RankedTensorType>(c.init.getType()).getRank();
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  Value outInit = b.empty(c.init, allDims(c.init), rewriter.getF32Type());
  Value result = b.generic(
      outInit.getType(), ValueRange{acc, qa.scale, qb.scale, c.init}, outInit,
      {id, *sAMap, *sBMap, id, id},
      SmallVector<IteratorType>(rank, IteratorType::parallel),
      [&](OpBuilder &ob, Location loc, ValueRange args) {
        Value s = exactMul(ob, loc, args[1], args[2]);
        Value sum = isInt ? Value(arith::SIToFPOp::create(
                                ob, loc, ob.getF32Type(), args[0]))
                          : args[0];
        Value r =
            arith::AddFOp::create(ob, loc, args[3], exactMul(ob, loc, sum, s));
        // A non-finite scale means a NaN or inf operand: NaN, never a
        // silent finite value ((s - s) == 0 exactly when s is finite).
        Value diff = arith::SubFOp::create(ob, loc, s, s);
        Value zeroF = arith::ConstantOp::create(ob, loc, ob.getF32FloatAttr(0));
        Value finite = arith::CmpFOp::create(ob, loc, arith::CmpFPredicate::OEQ,
                                             diff, zeroF);
        Value nan = arith::ConstantOp::create(
            ob, loc,
            ob.getF32FloatAttr(std::numeric_limits<float>::quiet_NaN()));
        linalg::YieldOp::create(
            ob, loc, Value(arith::SelectOp::create(ob, loc, finite, r, nan)));
      });
  rewriter.replaceOp(c.op, result);
  return success();
}

/// bf16 / f16: round both operands, then products exact in f32. The rounded
/// operands are stored as i16 bit patterns: LLVM's x86 backend promotes
/// bfloat loads and stores through library conversions (__truncsfbf2) that
/// need not exist at run time.
LogicalResult applyHalf(RewriterBase &rewriter, const Contraction &c,
                        const Numerics &n) {
  Builder b(rewriter, c.op.getLoc());
  MLIRContext *ctx = rewriter.getContext();
  Type half = n.getStorageType(ctx);
  Type i16 = IntegerType::get(ctx, 16);
  double limit = n.maxMagnitude();
  auto convert = [&](Value operand) -> Value {
    DenseElementsAttr dense;
    auto type = cast<RankedTensorType>(operand.getType());
    if (matchPattern(operand, m_Constant(&dense)) && type.hasStaticShape()) {
      SmallVector<APInt> out;
      for (APFloat v : dense.getValues<APFloat>()) {
        if (v.isInfinity())
          v = APFloat::getNaN(v.getSemantics());
        else if (!v.isNaN() && std::fabs(v.convertToFloat()) > limit)
          v = APFloat(static_cast<float>(v.isNegative() ? -limit : limit));
        bool lost;
        v.convert(half.isBF16() ? APFloat::BFloat() : APFloat::IEEEhalf(),
                  APFloat::rmNearestTiesToEven, &lost);
        out.push_back(v.bitcastToAPInt());
      }
      return arith::ConstantOp::create(
          rewriter, b.loc, DenseElementsAttr::get(type.clone(i16), out));
    }
    unsigned rank = type.getRank();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    Value init = b.empty(operand, allDims(operand), i16);
    return b.generic(
        init.getType(), operand, init, {id, id},
        SmallVector<IteratorType>(rank, IteratorType::parallel),
        [&](OpBuilder &ob, Location loc, ValueRange args) {
          Value x = args[0];
          Value ax = math::AbsFOp::create(ob, loc, x);
          Value inf = arith::ConstantOp::create(
              ob, loc,
              ob.getF32FloatAttr(std::numeric_limits<float>::infinity()));
          Value isInf = arith::CmpFOp::create(
              ob, loc, arith::CmpFPredicate::OEQ, ax, inf);
          Value nan = arith::ConstantOp::create(
              ob, loc,
              ob.getF32FloatAttr(std::numeric_limits<float>::quiet_NaN()));
          Value lim =
              arith::ConstantOp::create(ob, loc, ob.getF32FloatAttr(limit));
          Value nlim =
              arith::ConstantOp::create(ob, loc, ob.getF32FloatAttr(-limit));
          Value v = arith::MinimumFOp::create(ob, loc, x, lim);
          v = arith::MaximumFOp::create(ob, loc, v, nlim);
          v = arith::SelectOp::create(ob, loc, isInf, nan, v);
          Value h = arith::TruncFOp::create(ob, loc, half, v);
          linalg::YieldOp::create(
              ob, loc, Value(arith::BitcastOp::create(ob, loc, i16, h)));
        });
  };
  Value qa = convert(c.lhs), qb = convert(c.rhs);
  Value result =
      b.generic(c.init.getType(), ValueRange{qa, qb}, c.init,
                {c.lhsMap, c.rhsMap, c.initMap}, c.op.getIteratorTypesArray(),
                [&](OpBuilder &ob, Location loc, ValueRange args) {
                  auto widen = [&](Value bits) -> Value {
                    Value h = arith::BitcastOp::create(ob, loc, half, bits);
                    return arith::ExtFOp::create(ob, loc, ob.getF32Type(), h);
                  };
                  Value s = arith::AddFOp::create(
                      ob, loc, args[2],
                      exactMul(ob, loc, widen(args[0]), widen(args[1])));
                  linalg::YieldOp::create(ob, loc, s);
                });
  rewriter.replaceOp(c.op, result);
  return success();
}

/// L-Matmul: the contraction's own multiply becomes calm.lmul.
LogicalResult applyLMul(RewriterBase &rewriter, const Contraction &c,
                        const Numerics &n) {
  linalg::LinalgOp op = c.op;
  if (!isa<linalg::GenericOp>(op.getOperation())) {
    rewriter.setInsertionPoint(op);
    FailureOr<linalg::GenericOp> generic =
        linalg::generalizeNamedOp(rewriter, op);
    if (failed(generic))
      return op->emitError("cannot generalize this contraction for L-Mul");
    op = *generic;
  }
  op->removeAttr(kNumericsAttrName);
  SmallVector<arith::MulFOp> muls;
  for (arith::MulFOp mul : op.getBlock()->getOps<arith::MulFOp>())
    muls.push_back(mul);
  for (arith::MulFOp mul : muls) {
    rewriter.setInsertionPoint(mul);
    rewriter.replaceOpWithNewOp<LMulOp>(
        mul, mul.getLhs(), mul.getRhs(),
        rewriter.getI32IntegerAttr(n.mantissaBits));
  }
  return success();
}

} // namespace

LogicalResult mlir::calm::applyNumerics(RewriterBase &rewriter,
                                        linalg::LinalgOp op,
                                        const Numerics &n) {
  std::string why;
  FailureOr<Contraction> c = matchContraction(op, why);
  if (failed(c))
    return op->emitError("cannot compute this op in ")
           << n.str() << ": " << why;
  rewriter.setInsertionPoint(op);
  switch (n.kind) {
  case NumericsKind::F32:
    op->removeAttr(kNumericsAttrName);
    return success();
  case NumericsKind::LMul:
    return applyLMul(rewriter, *c, n);
  case NumericsKind::BF16:
  case NumericsKind::F16:
    return applyHalf(rewriter, *c, n);
  default:
    return applyScaled(rewriter, *c, n);
  }
}

LogicalResult mlir::calm::rewriteContractions(Operation *root,
                                              std::optional<Numerics> defaults,
                                              StringRef funcFilter) {
  llvm::Regex filter(funcFilter);
  SmallVector<std::pair<linalg::LinalgOp, Numerics>> work;
  root->walk([&](linalg::LinalgOp op) {
    if (auto attr = op->getAttrOfType<NumericsAttr>(kNumericsAttrName)) {
      work.push_back({op, attr.getValue()});
      return;
    }
    if (!defaults || !linalg::isaContractionOpInterface(op))
      return;
    if (!funcFilter.empty()) {
      auto func = op->getParentOfType<FunctionOpInterface>();
      if (!func || !filter.match(func.getName()))
        return;
    }
    std::string why;
    // Untagged contractions the forms do not apply to (f64, memrefs) are
    // left alone, as calm-mulf-to-lmul leaves f64 multiplies.
    if (succeeded(matchContraction(op, why)))
      work.push_back({op, *defaults});
  });
  IRRewriter rewriter(root->getContext());
  bool ok = true;
  for (auto &[op, n] : work)
    ok &= succeeded(applyNumerics(rewriter, op, n));
  return success(ok);
}

LogicalResult mlir::calm::checkFuncFilter(MLIRContext *ctx, StringRef pass,
                                          StringRef filter) {
  std::string error;
  if (!filter.empty() && !llvm::Regex(filter).isValid(error))
    return emitError(UnknownLoc::get(ctx))
           << pass << ": func-filter='" << filter
           << "' is not a valid regex: " << error;
  return success();
}
