//===- LinalgLayerBuilder.cpp - neural-network layers as linalg -----------===//

#include "calm/Dialect/CALM/Utils/LinalgLayerBuilder.h"
#include "calm/Dialect/CALM/IR/CALMAttrs.h"
#include "calm/Dialect/CALM/IR/CALMDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace mlir::calm;

using utils::IteratorType;

static RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

Value LinalgLayerBuilder::empty(ArrayRef<OpFoldResult> sizes, Type element) {
  if (!element)
    element = b.getF32Type();
  return tensor::EmptyOp::create(b, loc, sizes, element);
}

OpFoldResult LinalgLayerBuilder::dim(Value tensor, int64_t d) {
  RankedTensorType type = tensorType(tensor);
  if (!type.isDynamicDim(d))
    return b.getIndexAttr(type.getDimSize(d));
  return tensor::DimOp::create(b, loc, tensor, d).getResult();
}

Value LinalgLayerBuilder::constantF32(double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

Value LinalgLayerBuilder::constantIndex(int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value LinalgLayerBuilder::linear(Value x, Value w, Value bias, Role role) {
  MLIRContext *ctx = b.getContext();
  OpFoldResult rows = dim(x, 0), outs = dim(w, 0);
  Value init = empty({rows, outs});
  if (bias) {
    // C starts as the broadcast bias, so the contraction adds onto it.
    AffineExpr m, j;
    bindDims(ctx, m, j);
    init = linalg::GenericOp::create(
               b, loc, init.getType(), ValueRange{bias}, ValueRange{init},
               {AffineMap::get(2, 0, {j}, ctx), AffineMap::get(2, 0, {m, j}, ctx)},
               {IteratorType::parallel, IteratorType::parallel},
               [](OpBuilder &nb, Location nl, ValueRange a) {
                 linalg::YieldOp::create(nb, nl, a[0]);
               })
               .getResult(0);
  } else {
    init = linalg::FillOp::create(b, loc, constantF32(0.0), init).getResult(0);
  }
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {m, k}, ctx),
                                 AffineMap::get(3, 0, {n, k}, ctx),
                                 AffineMap::get(3, 0, {m, n}, ctx)};
  auto op = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{x, w}, ValueRange{init}, maps,
      {IteratorType::parallel, IteratorType::parallel,
       IteratorType::reduction},
      [](OpBuilder &nb, Location nl, ValueRange a) {
        Value p = arith::MulFOp::create(nb, nl, a[0], a[1]);
        Value s = arith::AddFOp::create(nb, nl, a[2], p);
        linalg::YieldOp::create(nb, nl, s);
      });
  op->setAttr(kRoleAttrName, RoleAttr::get(b.getContext(), role));
  return op.getResult(0);
}

Value LinalgLayerBuilder::elementwise(
    ArrayRef<std::pair<Value, Broadcast>> ins,
    function_ref<Value(OpBuilder &, Location, ValueRange)> fn) {
  MLIRContext *ctx = b.getContext();
  Value first = ins.front().first;
  assert(ins.front().second == Broadcast::None && tensorType(first).getRank() == 2);
  AffineExpr m, j;
  bindDims(ctx, m, j);
  SmallVector<AffineMap> maps;
  SmallVector<Value> operands;
  for (auto [v, how] : ins) {
    operands.push_back(v);
    switch (how) {
    case Broadcast::None:
      maps.push_back(AffineMap::get(2, 0, {m, j}, ctx));
      break;
    case Broadcast::PerColumn:
      maps.push_back(AffineMap::get(2, 0, {j}, ctx));
      break;
    case Broadcast::PerRow:
      maps.push_back(AffineMap::get(2, 0, {m}, ctx));
      break;
    }
  }
  maps.push_back(AffineMap::get(2, 0, {m, j}, ctx));
  Value init = empty({dim(first, 0), dim(first, 1)});
  return linalg::GenericOp::create(
             b, loc, init.getType(), operands, ValueRange{init}, maps,
             {IteratorType::parallel, IteratorType::parallel},
             [&](OpBuilder &nb, Location nl, ValueRange a) {
               linalg::YieldOp::create(nb, nl, fn(nb, nl, a.drop_back()));
             })
      .getResult(0);
}

Value LinalgLayerBuilder::reduceRows(
    Value x, double init,
    function_ref<Value(OpBuilder &, Location, Value, Value)> fn) {
  MLIRContext *ctx = b.getContext();
  Value acc = empty({dim(x, 0)});
  acc = linalg::FillOp::create(b, loc, constantF32(init), acc).getResult(0);
  AffineExpr m, j;
  bindDims(ctx, m, j);
  return linalg::GenericOp::create(
             b, loc, acc.getType(), ValueRange{x}, ValueRange{acc},
             {AffineMap::get(2, 0, {m, j}, ctx), AffineMap::get(2, 0, {m}, ctx)},
             {IteratorType::parallel, IteratorType::reduction},
             [&](OpBuilder &nb, Location nl, ValueRange a) {
               linalg::YieldOp::create(nb, nl, fn(nb, nl, a[0], a[1]));
             })
      .getResult(0);
}

Value LinalgLayerBuilder::sumOfSquares(Value x) {
  return reduceRows(x, 0.0, [](OpBuilder &nb, Location nl, Value v, Value acc) {
    Value sq = arith::MulFOp::create(nb, nl, v, v);
    return arith::AddFOp::create(nb, nl, acc, sq).getResult();
  });
}

Value LinalgLayerBuilder::rmsNorm(Value x, Value w, double eps) {
  int64_t d = tensorType(x).getDimSize(1);
  Value sumSquares = sumOfSquares(x);
  return elementwise(
      {{x, Broadcast::None}, {sumSquares, Broadcast::PerRow},
       {w, Broadcast::PerColumn}},
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value n = arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(d));
        Value e = arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(eps));
        Value mean = arith::DivFOp::create(nb, nl, a[1], n);
        Value r = math::RsqrtOp::create(nb, nl,
                                        arith::AddFOp::create(nb, nl, mean, e));
        Value normed = arith::MulFOp::create(nb, nl, a[0], r);
        return arith::MulFOp::create(nb, nl, a[2], normed);
      });
}

Value LinalgLayerBuilder::layerNorm(Value x, Value w, Value bias, double eps) {
  int64_t d = tensorType(x).getDimSize(1);
  auto addTo = [](OpBuilder &nb, Location nl, Value v, Value acc) {
    return arith::AddFOp::create(nb, nl, acc, v).getResult();
  };
  Value sum = reduceRows(x, 0.0, addTo);
  Value centered = elementwise(
      {{x, Broadcast::None}, {sum, Broadcast::PerRow}},
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value n = arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(d));
        Value mean = arith::DivFOp::create(nb, nl, a[1], n);
        return arith::SubFOp::create(nb, nl, a[0], mean);
      });
  Value sumSquares = sumOfSquares(centered);
  return elementwise(
      {{centered, Broadcast::None}, {sumSquares, Broadcast::PerRow},
       {w, Broadcast::PerColumn}, {bias, Broadcast::PerColumn}},
      [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
        Value n = arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(d));
        Value e = arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(eps));
        Value var = arith::DivFOp::create(nb, nl, a[1], n);
        Value r = math::RsqrtOp::create(nb, nl,
                                        arith::AddFOp::create(nb, nl, var, e));
        Value normed = arith::MulFOp::create(nb, nl, a[0], r);
        Value scaled = arith::MulFOp::create(nb, nl, normed, a[2]);
        return arith::AddFOp::create(nb, nl, scaled, a[3]);
      });
}

/// x * sigmoid(x) = x / (1 + exp(-x)).
static Value buildSilu(OpBuilder &nb, Location nl, Value x) {
  Value one = arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(1.0));
  Value neg = arith::NegFOp::create(nb, nl, x);
  Value den = arith::AddFOp::create(nb, nl, one, math::ExpOp::create(nb, nl, neg));
  return arith::DivFOp::create(nb, nl, x, den);
}

Value LinalgLayerBuilder::silu(Value x) {
  return elementwise({{x, Broadcast::None}},
                     [](OpBuilder &nb, Location nl, ValueRange a) {
                       return buildSilu(nb, nl, a[0]);
                     });
}

Value LinalgLayerBuilder::siluMul(Value gate, Value up) {
  return elementwise({{gate, Broadcast::None}, {up, Broadcast::None}},
                     [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                       return arith::MulFOp::create(
                           nb, nl, buildSilu(nb, nl, a[0]), a[1]);
                     });
}

Value LinalgLayerBuilder::add(Value lhs, Value rhs) {
  return elementwise({{lhs, Broadcast::None}, {rhs, Broadcast::None}},
                     [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                       return arith::AddFOp::create(nb, nl, a[0], a[1]);
                     });
}

Value LinalgLayerBuilder::gather(Value table, Value ids) {
  MLIRContext *ctx = b.getContext();
  int64_t vocab = tensorType(table).getDimSize(0);
  Value init = empty({dim(ids, 0), dim(table, 1)});
  AffineExpr m, j;
  bindDims(ctx, m, j);
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{ids}, ValueRange{init},
             {AffineMap::get(2, 0, {m}, ctx), AffineMap::get(2, 0, {m, j}, ctx)},
             {IteratorType::parallel, IteratorType::parallel},
             [&](OpBuilder &nb, Location nl, ValueRange a) {
               Value id = arith::IndexCastOp::create(nb, nl, nb.getIndexType(),
                                                     a[0]);
               Value zero = arith::ConstantIndexOp::create(nb, nl, 0);
               Value last = arith::ConstantIndexOp::create(nb, nl, vocab - 1);
               id = arith::MaxSIOp::create(nb, nl, id, zero);
               id = arith::MinSIOp::create(nb, nl, id, last);
               Value col = linalg::IndexOp::create(nb, nl, 1);
               Value v = tensor::ExtractOp::create(nb, nl, table,
                                                   ValueRange{id, col});
               linalg::YieldOp::create(nb, nl, v);
             })
      .getResult(0);
}

Value LinalgLayerBuilder::softmax(Value x) {
  Value max = reduceRows(
      x, -std::numeric_limits<double>::infinity(),
      [](OpBuilder &nb, Location nl, Value v, Value acc) {
        return arith::MaximumFOp::create(nb, nl, acc, v).getResult();
      });
  Value e = elementwise({{x, Broadcast::None}, {max, Broadcast::PerRow}},
                        [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                          Value d = arith::SubFOp::create(nb, nl, a[0], a[1]);
                          return math::ExpOp::create(nb, nl, d);
                        });
  Value sum = reduceRows(e, 0.0, [](OpBuilder &nb, Location nl, Value v, Value acc) {
    return arith::AddFOp::create(nb, nl, acc, v).getResult();
  });
  return elementwise({{e, Broadcast::None}, {sum, Broadcast::PerRow}},
                     [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                       return arith::DivFOp::create(nb, nl, a[0], a[1]);
                     });
}

Value LinalgLayerBuilder::columns(Value x, int64_t offset, int64_t size) {
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(offset)};
  SmallVector<OpFoldResult> sizes = {dim(x, 0), b.getIndexAttr(size)};
  SmallVector<OpFoldResult> strides = {b.getIndexAttr(1), b.getIndexAttr(1)};
  return tensor::ExtractSliceOp::create(b, loc, x, offsets, sizes, strides);
}

Value LinalgLayerBuilder::concatColumns(Value lhs, Value rhs) {
  int64_t a = tensorType(lhs).getDimSize(1), c = tensorType(rhs).getDimSize(1);
  Value out = empty({dim(lhs, 0), b.getIndexAttr(a + c)});
  SmallVector<OpFoldResult> strides = {b.getIndexAttr(1), b.getIndexAttr(1)};
  out = tensor::InsertSliceOp::create(
      b, loc, lhs, out, ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{dim(lhs, 0), b.getIndexAttr(a)}, strides);
  return tensor::InsertSliceOp::create(
      b, loc, rhs, out, ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(a)},
      ArrayRef<OpFoldResult>{dim(rhs, 0), b.getIndexAttr(c)}, strides);
}

Value LinalgLayerBuilder::reshape(Value x, ArrayRef<int64_t> shape,
                                  Value dynamicSize) {
  RankedTensorType type = tensorType(x);
  Value flat = x;
  if (type.getRank() != 1) {
    ReassociationIndices all = llvm::to_vector(
        llvm::seq<int64_t>(0, type.getRank()));
    flat = tensor::CollapseShapeOp::create(b, loc, x,
                                           ArrayRef<ReassociationIndices>{all});
  }
  if (shape.size() == 1)
    return flat;
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  SmallVector<OpFoldResult> outputShape;
  for (int64_t d : shape)
    outputShape.push_back(ShapedType::isDynamic(d) ? OpFoldResult(dynamicSize)
                                                   : b.getIndexAttr(d));
  ReassociationIndices all = llvm::to_vector(
      llvm::seq<int64_t>(0, static_cast<int64_t>(shape.size())));
  return tensor::ExpandShapeOp::create(b, loc, resultType, flat,
                                       ArrayRef<ReassociationIndices>{all},
                                       outputShape);
}
