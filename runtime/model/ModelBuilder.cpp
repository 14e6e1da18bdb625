//===- ModelBuilder.cpp - a CALM checkpoint's shape as an MLIR module -----===//

#include "model/ModelBuilder.h"
#include "model/ModelFunctions.h"

#include "calm/Dialect/CALM/IR/CALMOps.h"
#include "calm/Dialect/CALM/IR/WeightsAtRest.h"
#include "calm/Dialect/CALM/Utils/LinalgLayerBuilder.h"
#include "calm/InitAllCALM.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <limits>

using namespace mlir;
using mlir::calm::LinalgLayerBuilder;
using mlir::calm::Role;
using mlir::calm::RoleAttr;

namespace calm::runtime {

//===----------------------------------------------------------------------===//
// Module construction
//===----------------------------------------------------------------------===//

namespace {

/// Builds one function: memref arguments, tensors inside.
class FunctionEmitter {
public:
  FunctionEmitter(OpBuilder &b, Location loc, Value weights,
                  const FlatLayout &layout)
      : b(b), loc(loc), weights(weights), layout(layout), lb(b, loc) {
    // The weight buffer and its named views are what
    // calm-contractions-to-ukernels re-lays out and packs.
    auto arg = cast<BlockArgument>(weights);
    cast<func::FuncOp>(arg.getOwner()->getParentOp())
        .setArgAttr(arg.getArgNumber(), mlir::calm::kWeightsArgAttrName,
                    b.getStringAttr(layout.getBufferName()));
  }

  /// The named weight as a tensor view of the flat buffer. memref.view on
  /// the byte buffer gives identity-layout memrefs, which the affine
  /// vectorizer handles (it skips strided ones).
  Value weight(llvm::StringRef name) {
    const FlatLayout::Entry *e = layout.find(name);
    assert(e && "weight not in layout");
    auto type = MemRefType::get(e->shape, b.getF32Type());
    Value shift = arith::ConstantIndexOp::create(b, loc, 4 * e->offset);
    auto view =
        memref::ViewOp::create(b, loc, type, weights, shift, ValueRange{});
    view->setAttr(mlir::calm::kWeightAttrName, b.getStringAttr(name));
    return toTensor(view);
  }

  Value toTensor(Value memref) {
    auto type = cast<MemRefType>(memref.getType());
    auto tensorType =
        RankedTensorType::get(type.getShape(), type.getElementType());
    return bufferization::ToTensorOp::create(b, loc, tensorType, memref,
                                             /*restrict=*/true);
  }

  void store(Value tensor, Value memref) {
    bufferization::MaterializeInDestinationOp::create(
        b, loc, Type(), tensor, memref, /*restrict=*/true, /*writable=*/true);
  }

  OpBuilder &b;
  Location loc;
  Value weights;
  const FlatLayout &layout;
  LinalgLayerBuilder lb;
};

MemRefType memref(ArrayRef<int64_t> shape, Type element) {
  return MemRefType::get(shape, element);
}

/// Whether `type` is what `arg` of a ModelFunctions signature says.
bool matches(Type type, const FunctionArg &arg) {
  using Arg = FunctionArg;
  if (arg.kind == Arg::Index)
    return type.isIndex();
  auto memref = dyn_cast<MemRefType>(type);
  if (!memref || memref.getRank() != arg.rank)
    return false;
  Type element = memref.getElementType();
  switch (arg.kind) {
  case Arg::Bytes:
    return element.isInteger(8);
  case Arg::I32:
    return element.isInteger(32);
  default:
    return element.isF32();
  }
}

/// A function of runtime/model/ModelFunctions.h with argument types `args`
/// (shapes from the config); types that disagree with its signature are a
/// builder bug, reported in every build.
func::FuncOp createFunction(OpBuilder &b, ModuleOp module, llvm::StringRef name,
                            ArrayRef<Type> args) {
  const FunctionSignature *signature = findFunction(name);
  if (!signature)
    llvm::report_fatal_error("model builder: " + name +
                             " is not in ModelFunctions.h");
  if (signature->args.size() != args.size())
    llvm::report_fatal_error("model builder: " + name + " takes " +
                             llvm::Twine(signature->args.size()) +
                             " arguments in ModelFunctions.h");
  for (auto [type, arg] : llvm::zip_equal(args, signature->args))
    if (!matches(type, arg))
      llvm::report_fatal_error("model builder: argument '" +
                               llvm::Twine(arg.name) + "' of " + name +
                               " disagrees with ModelFunctions.h");
  b.setInsertionPointToEnd(module.getBody());
  auto fn = func::FuncOp::create(b, module.getLoc(), name,
                                 b.getFunctionType(args, {}));
  fn->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  b.setInsertionPointToStart(fn.addEntryBlock());
  return fn;
}

SmallVector<Value> weightsOf(FunctionEmitter &fe,
                             ArrayRef<mlir::calm::WeightSpec> specs) {
  SmallVector<Value> values;
  for (const mlir::calm::WeightSpec &s : specs)
    values.push_back(fe.weight(s.name));
  return values;
}

/// The rows of the decoder stack's input: a static 1 (a decode step) or a
/// dynamic count (prefill and teacher-forced passes).
struct Rows {
  Value count;   // index
  int64_t shape; // 1 or ShapedType::kDynamic
};

/// [M, d] -> [M, H, hd].
Value splitHeads(FunctionEmitter &fe, Value x, Rows rows, int64_t heads,
                 int64_t hd) {
  auto type = RankedTensorType::get({rows.shape, heads, hd}, fe.b.getF32Type());
  SmallVector<OpFoldResult> shape = {
      rows.shape == 1 ? OpFoldResult(fe.b.getIndexAttr(1))
                      : OpFoldResult(rows.count),
      fe.b.getIndexAttr(heads), fe.b.getIndexAttr(hd)};
  return tensor::ExpandShapeOp::create(
      fe.b, fe.loc, type, x, ArrayRef<ReassociationIndices>{{0}, {1, 2}},
      shape);
}

/// cos and sin [M, hd/2] of the rotary angles of rows at positions pos..:
/// computed once per function and shared by every layer's q and k (an
/// angle depends only on the position and the frequency index).
struct RopeTable {
  Value cos, sin;
};
RopeTable ropeTable(FunctionEmitter &fe, Rows rows, Value pos, int64_t hd,
                    double theta, const RopeScaling &scaling) {
  OpBuilder &b = fe.b;
  Location loc = fe.loc;
  int64_t half = hd / 2;
  std::vector<float> invFreq = ropeInverseFrequencies(hd, theta, scaling);
  auto freqType = RankedTensorType::get({half}, b.getF32Type());
  Value freqs = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(freqType, ArrayRef<float>(invFreq)));
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  SmallVector<OpFoldResult> sizes = {rows.shape == 1
                                         ? OpFoldResult(b.getIndexAttr(1))
                                         : OpFoldResult(rows.count),
                                     b.getIndexAttr(half)};
  auto type = RankedTensorType::get({rows.shape, half}, b.getF32Type());
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{type, type}, ValueRange{},
      ValueRange{fe.lb.empty(sizes), fe.lb.empty(sizes)}, {id, id},
      SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange) {
        Value row = linalg::IndexOp::create(nb, nl, 0);
        Value col = linalg::IndexOp::create(nb, nl, 1);
        Value position = arith::AddIOp::create(nb, nl, pos, row);
        Value posF = arith::SIToFPOp::create(
            nb, nl, nb.getF32Type(),
            arith::IndexCastOp::create(nb, nl, nb.getI64Type(), position));
        Value freq = tensor::ExtractOp::create(nb, nl, freqs, col);
        Value angle = arith::MulFOp::create(nb, nl, posF, freq);
        linalg::YieldOp::create(nb, nl,
                                ValueRange{math::CosOp::create(nb, nl, angle),
                                           math::SinOp::create(nb, nl, angle)});
      });
  return {op.getResult(0), op.getResult(1)};
}

/// Rotary embedding of x [M, H, hd] (rotate-half layout) with the angles of
/// `table`.
Value rope(FunctionEmitter &fe, Value x, const RopeTable &table) {
  OpBuilder &b = fe.b;
  Location loc = fe.loc;
  auto type = cast<RankedTensorType>(x.getType());
  int64_t hd = type.getDimSize(2), half = hd / 2;
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(3, ctx);
  Value init =
      fe.lb.empty({fe.lb.dim(x, 0), fe.lb.dim(x, 1), b.getIndexAttr(hd)});
  return linalg::GenericOp::create(
             b, loc, type, ValueRange{x}, ValueRange{init}, {id, id},
             SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange a) {
               Value row = linalg::IndexOp::create(nb, nl, 0);
               Value head = linalg::IndexOp::create(nb, nl, 1);
               Value col = linalg::IndexOp::create(nb, nl, 2);
               Value halfV = arith::ConstantIndexOp::create(nb, nl, half);
               Value lower = arith::CmpIOp::create(
                   nb, nl, arith::CmpIPredicate::ult, col, halfV);
               Value base = arith::RemUIOp::create(nb, nl, col, halfV);
               Value c = tensor::ExtractOp::create(nb, nl, table.cos,
                                                   ValueRange{row, base});
               Value s = tensor::ExtractOp::create(nb, nl, table.sin,
                                                   ValueRange{row, base});
               Value partnerCol = arith::SelectOp::create(
                   nb, nl, lower, arith::AddIOp::create(nb, nl, col, halfV),
                   base);
               Value partner = tensor::ExtractOp::create(
                   nb, nl, x, ValueRange{row, head, partnerCol});
               Value rotated = arith::SelectOp::create(
                   nb, nl, lower, arith::NegFOp::create(nb, nl, partner),
                   partner);
               Value out = arith::AddFOp::create(
                   nb, nl, arith::MulFOp::create(nb, nl, a[0], c),
                   arith::MulFOp::create(nb, nl, rotated, s));
               linalg::YieldOp::create(nb, nl, out);
             })
      .getResult(0);
}

/// The [count, H, hd] view of positions [start, start + count) of a cache
/// layer. The cache is bytes holding f32 [layers, max_chunks, H, hd], so the
/// view is contiguous and gets an identity layout.
Value cacheView(OpBuilder &b, Location loc, Value cache, int64_t layer,
                int64_t maxChunks, int64_t heads, int64_t hd, Value start,
                Rows count) {
  int64_t slot = heads * hd * 4;
  Value shift = arith::AddIOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, layer * maxChunks * slot),
      arith::MulIOp::create(b, loc, start,
                            arith::ConstantIndexOp::create(b, loc, slot)));
  SmallVector<Value> sizes;
  if (count.shape != 1)
    sizes.push_back(count.count);
  return memref::ViewOp::create(
      b, loc, MemRefType::get({count.shape, heads, hd}, b.getF32Type()), cache,
      shift, sizes);
}

/// A contraction generic over `dims` loops (the last a reduction) with a
/// zero-filled output of `sizes`, tagged as attention.
Value attentionContraction(FunctionEmitter &fe, Value lhs, Value rhs,
                           ArrayRef<AffineMap> maps,
                           ArrayRef<OpFoldResult> sizes) {
  OpBuilder &b = fe.b;
  Value init = fe.lb.empty(sizes);
  init = linalg::FillOp::create(b, fe.loc, fe.lb.constantF32(0.0), init)
             .getResult(0);
  SmallVector<utils::IteratorType> iterators(maps[0].getNumDims() - 1,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  auto op = linalg::GenericOp::create(
      b, fe.loc, init.getType(), ValueRange{lhs, rhs}, ValueRange{init}, maps,
      iterators, [](OpBuilder &nb, Location nl, ValueRange a) {
        Value p = arith::MulFOp::create(nb, nl, a[0], a[1]);
        linalg::YieldOp::create(
            nb, nl, arith::AddFOp::create(nb, nl, a[2], p).getResult());
      });
  op->setAttr(mlir::calm::kRoleAttrName,
              RoleAttr::get(b.getContext(), Role::Attention));
  return op.getResult(0);
}

/// Scores (h, m, s) = sum_e q(m, h, e) k(s, h, e) of q [M, H, hd] over
/// keys [S, Hkv, hd]. With grouped-query attention (Hkv < H) query head h
/// reads key head h / G (transformers' repeat_kv): q is seen as
/// [M, Hkv, G, hd], the contraction runs over (hk, g, m, s, e) and its
/// [Hkv, G, M, S] result is [H, M, S] (h = hk * G + g), with no copy of the
/// cache.
Value attentionScores(FunctionEmitter &fe, Value q, Value keys) {
  OpBuilder &b = fe.b;
  MLIRContext *ctx = b.getContext();
  auto qType = cast<RankedTensorType>(q.getType());
  int64_t heads = qType.getDimSize(1), hd = qType.getDimSize(2);
  int64_t kvHeads = cast<RankedTensorType>(keys.getType()).getDimSize(1);
  if (kvHeads == heads) {
    AffineExpr h, m, s, e;
    bindDims(ctx, h, m, s, e);
    return attentionContraction(
        fe, q, keys,
        {AffineMap::get(4, 0, {m, h, e}, ctx),
         AffineMap::get(4, 0, {s, h, e}, ctx),
         AffineMap::get(4, 0, {h, m, s}, ctx)},
        {b.getIndexAttr(heads), fe.lb.dim(q, 0), fe.lb.dim(keys, 0)});
  }
  int64_t group = heads / kvHeads;
  Value grouped = tensor::ExpandShapeOp::create(
      b, fe.loc,
      RankedTensorType::get({qType.getDimSize(0), kvHeads, group, hd},
                            b.getF32Type()),
      q, ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}},
      ArrayRef<OpFoldResult>{fe.lb.dim(q, 0), b.getIndexAttr(kvHeads),
                             b.getIndexAttr(group), b.getIndexAttr(hd)});
  AffineExpr hk, g, m, s, e;
  bindDims(ctx, hk, g, m, s, e);
  Value scores =
      attentionContraction(fe, grouped, keys,
                           {AffineMap::get(5, 0, {m, hk, g, e}, ctx),
                            AffineMap::get(5, 0, {s, hk, e}, ctx),
                            AffineMap::get(5, 0, {hk, g, m, s}, ctx)},
                           {b.getIndexAttr(kvHeads), b.getIndexAttr(group),
                            fe.lb.dim(q, 0), fe.lb.dim(keys, 0)});
  return tensor::CollapseShapeOp::create(
      b, fe.loc, scores, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
}

/// out (m, h, e) = sum_s p(h, m, s) v(s, h / G, e) of probabilities
/// [H, M, S] and values [S, Hkv, hd] (grouped as in attentionScores).
Value attentionValues(FunctionEmitter &fe, Value probs, Value values) {
  OpBuilder &b = fe.b;
  MLIRContext *ctx = b.getContext();
  auto pType = cast<RankedTensorType>(probs.getType());
  auto vType = cast<RankedTensorType>(values.getType());
  int64_t heads = pType.getDimSize(0), kvHeads = vType.getDimSize(1),
          hd = vType.getDimSize(2);
  if (kvHeads == heads) {
    AffineExpr mm, hh, ee, ss;
    bindDims(ctx, mm, hh, ee, ss);
    return attentionContraction(
        fe, probs, values,
        {AffineMap::get(4, 0, {hh, mm, ss}, ctx),
         AffineMap::get(4, 0, {ss, hh, ee}, ctx),
         AffineMap::get(4, 0, {mm, hh, ee}, ctx)},
        {fe.lb.dim(probs, 1), b.getIndexAttr(heads), b.getIndexAttr(hd)});
  }
  int64_t group = heads / kvHeads;
  Value grouped = tensor::ExpandShapeOp::create(
      b, fe.loc,
      RankedTensorType::get(
          {kvHeads, group, pType.getDimSize(1), pType.getDimSize(2)},
          b.getF32Type()),
      probs, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}},
      ArrayRef<OpFoldResult>{b.getIndexAttr(kvHeads), b.getIndexAttr(group),
                             fe.lb.dim(probs, 1), fe.lb.dim(probs, 2)});
  AffineExpr m, hk, g, e, s;
  bindDims(ctx, m, hk, g, e, s);
  Value out =
      attentionContraction(fe, grouped, values,
                           {AffineMap::get(5, 0, {hk, g, m, s}, ctx),
                            AffineMap::get(5, 0, {s, hk, e}, ctx),
                            AffineMap::get(5, 0, {m, hk, g, e}, ctx)},
                           {fe.lb.dim(probs, 1), b.getIndexAttr(kvHeads),
                            b.getIndexAttr(group), b.getIndexAttr(hd)});
  return tensor::CollapseShapeOp::create(
      b, fe.loc, out, ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}});
}

/// Causal attention of q [M, H, hd] (rows at positions pos..pos+M-1) over
/// keys and values [S, Hkv, hd] (positions 0..S-1, S = pos + M): [M, H, hd].
Value causalAttention(FunctionEmitter &fe, Value q, Value keys, Value values,
                      Value pos, double scaleValue) {
  OpBuilder &b = fe.b;
  Location loc = fe.loc;
  MLIRContext *ctx = b.getContext();
  int64_t heads = cast<RankedTensorType>(q.getType()).getDimSize(1);
  Value scores = attentionScores(fe, q, keys);
  // PyTorch divides the scores by sqrt(hd) (not a multiply by 1/sqrt); a
  // row sees the positions up to its own.
  Value scale = fe.lb.constantF32(scaleValue);
  Value minusInf = fe.lb.constantF32(-std::numeric_limits<double>::infinity());
  AffineMap id = AffineMap::getMultiDimIdentityMap(3, ctx);
  auto scoresType = cast<RankedTensorType>(scores.getType());
  scores =
      linalg::GenericOp::create(
          b, loc, scoresType, ValueRange{scores},
          ValueRange{fe.lb.empty({b.getIndexAttr(heads), fe.lb.dim(scores, 1),
                                  fe.lb.dim(scores, 2)})},
          {id, id},
          SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            Value row = linalg::IndexOp::create(nb, nl, 1);
            Value key = linalg::IndexOp::create(nb, nl, 2);
            Value visible =
                arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ule, key,
                                      arith::AddIOp::create(nb, nl, pos, row));
            Value scaled = arith::DivFOp::create(nb, nl, a[0], scale);
            linalg::YieldOp::create(
                nb, nl,
                arith::SelectOp::create(nb, nl, visible, scaled, minusInf)
                    .getResult());
          })
          .getResult(0);
  // Softmax over the keys, rows (h, m) collapsed.
  Value flat = tensor::CollapseShapeOp::create(
      b, loc, scores, ArrayRef<ReassociationIndices>{{0, 1}, {2}});
  Value probs = fe.lb.softmax(flat);
  probs = tensor::ExpandShapeOp::create(
      b, loc, scoresType, probs, ArrayRef<ReassociationIndices>{{0, 1}, {2}},
      ArrayRef<OpFoldResult>{b.getIndexAttr(heads), fe.lb.dim(scores, 1),
                             fe.lb.dim(scores, 2)});
  return attentionValues(fe, probs, values);
}

/// The shape of a Llama-style decoder stack (the CALM backbone and the token
/// twin share it): weights under `prefix` ("transformer." or "model.").
struct DecoderStack {
  std::string prefix;
  int64_t layers, hidden, heads, kvHeads, maxPositions;
  double rmsEps, ropeTheta;
  RopeScaling ropeScaling;
};

/// Runs the decoder layers and the final norm on x [M, d], rows at
/// positions pos..pos+M-1: writes those positions of the KV caches, and
/// each row attends over positions 0 up to its own.
Value emitDecoderStack(FunctionEmitter &fe, const DecoderStack &s, Value x,
                       Value pos, Rows rows, Value kCache, Value vCache) {
  OpBuilder &b = fe.b;
  Location loc = fe.loc;
  int64_t d = s.hidden, heads = s.heads, hd = d / heads;
  Value zero = fe.lb.constantIndex(0);
  Value length = arith::AddIOp::create(b, loc, pos, rows.count);
  RopeTable angles = ropeTable(fe, rows, pos, hd, s.ropeTheta, s.ropeScaling);
  for (int64_t l = 0; l < s.layers; ++l) {
    std::string p = llvm::formatv("{0}layers.{1}.", s.prefix, l).str();
    Value h =
        fe.lb.rmsNorm(x, fe.weight(p + "input_layernorm.weight"), s.rmsEps);
    auto proj = [&](llvm::StringRef name, int64_t projHeads) {
      Value y =
          fe.lb.linear(h, fe.weight(p + "self_attn." + name.str() + ".weight"),
                       {}, Role::Projection);
      return splitHeads(fe, y, rows, projHeads, hd);
    };
    Value q = rope(fe, proj("q_proj", heads), angles);
    Value kNew = rope(fe, proj("k_proj", s.kvHeads), angles);
    Value vNew = proj("v_proj", s.kvHeads);
    auto view = [&](Value cache, Value start, Rows count) {
      return cacheView(b, loc, cache, l, s.maxPositions, s.kvHeads, hd, start,
                       count);
    };
    fe.store(kNew, view(kCache, pos, rows));
    fe.store(vNew, view(vCache, pos, rows));
    Rows all{length, ShapedType::kDynamic};
    Value keys = fe.toTensor(view(kCache, zero, all));
    Value values = fe.toTensor(view(vCache, zero, all));
    Value attn = causalAttention(fe, q, keys, values, pos,
                                 std::sqrt(static_cast<double>(hd)));
    attn = tensor::CollapseShapeOp::create(
        b, loc, attn, ArrayRef<ReassociationIndices>{{0}, {1, 2}});
    attn = fe.lb.linear(attn, fe.weight(p + "self_attn.o_proj.weight"), {},
                        Role::Projection);
    x = fe.lb.add(x, attn);
    h = fe.lb.rmsNorm(x, fe.weight(p + "post_attention_layernorm.weight"),
                      s.rmsEps);
    Value gate =
        fe.lb.linear(h, fe.weight(p + "mlp.gate_proj.weight"), {}, Role::MLP);
    Value up =
        fe.lb.linear(h, fe.weight(p + "mlp.up_proj.weight"), {}, Role::MLP);
    x = fe.lb.add(x, fe.lb.linear(fe.lb.siluMul(gate, up),
                                  fe.weight(p + "mlp.down_proj.weight"), {},
                                  Role::MLP));
  }
  return fe.lb.rmsNorm(x, fe.weight(s.prefix + "norm.weight"), s.rmsEps);
}

MemRefType cacheType(OpBuilder &b, const DecoderStack &s) {
  int64_t kvWidth = s.kvHeads * (s.hidden / s.heads);
  return memref({s.layers * s.maxPositions * kvWidth * 4}, b.getI8Type());
}

/// calm_backbone_step (one chunk, static shapes: the decode path) or
/// calm_backbone_prefill (any number of chunks in one pass).
void buildBackbone(OpBuilder &b, ModuleOp module, const CALMConfig &c,
                   const FlatLayout &layout, const ModelBuildOptions &o,
                   const mlir::calm::CALMStageSizes &sizes, bool prefill) {
  Type f32 = b.getF32Type(), i32 = b.getI32Type(), i8 = b.getI8Type();
  DecoderStack stack{"transformer.",      c.numHiddenLayers,  c.hiddenSize,
                     c.numAttentionHeads, c.numKeyValueHeads, o.maxChunks,
                     c.rmsNormEps,        c.ropeTheta,        RopeScaling()};
  int64_t d = c.hiddenSize, k = c.patchSize;
  int64_t m = prefill ? ShapedType::kDynamic : 1;
  func::FuncOp fn = createFunction(
      b, module, prefill ? "calm_backbone_prefill" : "calm_backbone_step",
      {memref({layout.size() * 4}, i8), memref({m, k}, i32), b.getIndexType(),
       cacheType(b, stack), cacheType(b, stack), memref({m, d}, f32)});
  Location loc = fn.getLoc();
  FunctionEmitter fe(b, loc, fn.getArgument(0), layout);
  Value ids = fe.toTensor(fn.getArgument(1));
  Rows rows{prefill ? Value(tensor::DimOp::create(b, loc, ids, 0))
                    : fe.lb.constantIndex(1),
            m};
  Value x = mlir::calm::InputCompressOp::create(
      b, loc, RankedTensorType::get({m, d}, f32), ids,
      weightsOf(fe, mlir::calm::getInputCompressWeights(sizes)),
      b.getF64FloatAttr(1e-6));
  x = emitDecoderStack(fe, stack, x, fn.getArgument(2), rows, fn.getArgument(3),
                       fn.getArgument(4));
  fe.store(x, fn.getArgument(5));
  func::ReturnOp::create(b, loc);
}

void loadModelDialects(MLIRContext &context) {
  context.loadDialect<mlir::calm::CALMDialect, arith::ArithDialect,
                      bufferization::BufferizationDialect, func::FuncDialect,
                      linalg::LinalgDialect, math::MathDialect,
                      memref::MemRefDialect, tensor::TensorDialect>();
}

} // namespace

OwningOpRef<ModuleOp> buildCALMModule(MLIRContext &context, const CALMConfig &c,
                                      const AutoencoderConfig &ae,
                                      const ModelBuildOptions &options) {
  loadModelDialects(context);
  OpBuilder b(&context);
  Location loc = NameLoc::get(b.getStringAttr("calm-model"));
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  Type f32 = b.getF32Type(), i32 = b.getI32Type(), i8 = b.getI8Type();
  int64_t dyn = ShapedType::kDynamic;
  FlatLayout calmLayout = getCALMFlatLayout(c), aeLayout = getAEFlatLayout(ae);
  mlir::calm::CALMStageSizes sizes{c.vocabSize,  c.hiddenSize, c.patchSize,
                                   c.latentSize, c.noiseSize,  c.numMLPLayers};
  int64_t d = c.hiddenSize, k = c.patchSize, z = c.latentSize;

  // calm_input_compress(w, ids[N,K], out[N,d]): for tests and batch use.
  {
    func::FuncOp fn =
        createFunction(b, *module, "calm_input_compress",
                       {memref({calmLayout.size() * 4}, i8),
                        memref({dyn, k}, i32), memref({dyn, d}, f32)});
    FunctionEmitter fe(b, fn.getLoc(), fn.getArgument(0), calmLayout);
    Value ids = fe.toTensor(fn.getArgument(1));
    Value h = mlir::calm::InputCompressOp::create(
        b, fn.getLoc(), RankedTensorType::get({dyn, d}, f32), ids,
        weightsOf(fe, mlir::calm::getInputCompressWeights(sizes)),
        b.getF64FloatAttr(1e-6));
    fe.store(h, fn.getArgument(2));
    func::ReturnOp::create(b, fn.getLoc());
  }

  buildBackbone(b, *module, c, calmLayout, options, sizes, /*prefill=*/false);
  buildBackbone(b, *module, c, calmLayout, options, sizes, /*prefill=*/true);

  // calm_energy_head(w, hidden[1,d], noise[1,S,E], out[1,S,Z]): S draws
  // for one hidden state (sampling pools), and
  // calm_energy_head_rows(w, hidden[N,d], noise[N,1,E], out[N,1,Z]): one
  // draw per hidden state (teacher-forced BrierLM).
  for (bool rows : {false, true}) {
    int64_t n = rows ? dyn : 1, s = rows ? 1 : dyn;
    func::FuncOp fn = createFunction(
        b, *module, rows ? "calm_energy_head_rows" : "calm_energy_head",
        {memref({calmLayout.size() * 4}, i8), memref({n, d}, f32),
         memref({n, s, c.noiseSize}, f32), memref({n, s, z}, f32)});
    FunctionEmitter fe(b, fn.getLoc(), fn.getArgument(0), calmLayout);
    Value hidden = fe.toTensor(fn.getArgument(1));
    Value noise = fe.toTensor(fn.getArgument(2));
    auto chunkType = mlir::calm::ChunkType::get(&context, {n, s, k, z}, f32);
    Value chunk = mlir::calm::EnergyHeadOp::create(
        b, fn.getLoc(), chunkType, hidden, noise,
        weightsOf(fe, mlir::calm::getEnergyHeadWeights(sizes)),
        b.getF64FloatAttr(1e-6));
    Value latents = mlir::calm::ChunkToLatentsOp::create(
        b, fn.getLoc(), chunkType.getLatentTensorType(), chunk);
    fe.store(latents, fn.getArgument(3));
    func::ReturnOp::create(b, fn.getLoc());
  }

  mlir::calm::AutoencoderSizes encSizes{
      ae.vocabSize, ae.hiddenSize, ae.intermediateSize,
      ae.patchSize, ae.latentSize, ae.numEncoderLayers};
  mlir::calm::AutoencoderSizes decSizes = encSizes;
  decSizes.layers = ae.numDecoderLayers;
  auto chunkType = mlir::calm::ChunkType::get(
      &context, {dyn, ae.patchSize, ae.latentSize}, f32);
  // ae_encode(aw, ids[N,K], mean[N,Z], log_std[N,Z])
  {
    func::FuncOp fn = createFunction(
        b, *module, "ae_encode",
        {memref({aeLayout.size() * 4}, i8), memref({dyn, ae.patchSize}, i32),
         memref({dyn, ae.latentSize}, f32), memref({dyn, ae.latentSize}, f32)});
    FunctionEmitter fe(b, fn.getLoc(), fn.getArgument(0), aeLayout);
    Value ids = fe.toTensor(fn.getArgument(1));
    auto op = mlir::calm::AEEncodeOp::create(
        b, fn.getLoc(), chunkType, ids,
        weightsOf(fe, mlir::calm::getAEEncoderWeights(encSizes)),
        ae.rmsNormEps);
    for (auto [result, out] :
         llvm::zip(op->getResults(), fn.getArguments().drop_front(2))) {
      Value t = mlir::calm::ChunkToLatentsOp::create(
          b, fn.getLoc(), chunkType.getLatentTensorType(), result);
      fe.store(t, out);
    }
    func::ReturnOp::create(b, fn.getLoc());
  }
  // ae_decode(aw, z[N,Z], logits[N,K,V])
  {
    func::FuncOp fn = createFunction(
        b, *module, "ae_decode",
        {memref({aeLayout.size() * 4}, i8), memref({dyn, ae.latentSize}, f32),
         memref({dyn, ae.patchSize, ae.vocabSize}, f32)});
    FunctionEmitter fe(b, fn.getLoc(), fn.getArgument(0), aeLayout);
    Value latents = fe.toTensor(fn.getArgument(1));
    Value chunk = mlir::calm::LatentsToChunkOp::create(b, fn.getLoc(),
                                                       chunkType, latents);
    Value logits = mlir::calm::AEDecodeOp::create(
        b, fn.getLoc(),
        RankedTensorType::get({dyn, ae.patchSize, ae.vocabSize}, f32), chunk,
        weightsOf(fe, mlir::calm::getAEDecoderWeights(decSizes)),
        b.getF64FloatAttr(ae.rmsNormEps));
    fe.store(logits, fn.getArgument(2));
    func::ReturnOp::create(b, fn.getLoc());
  }
  return module;
}

OwningOpRef<ModuleOp> buildLlamaModule(MLIRContext &context,
                                       const LlamaConfig &c,
                                       const ModelBuildOptions &options) {
  loadModelDialects(context);
  OpBuilder b(&context);
  Location loc = NameLoc::get(b.getStringAttr("llama-model"));
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  Type f32 = b.getF32Type(), i32 = b.getI32Type(), i8 = b.getI8Type();
  FlatLayout layout = getLlamaFlatLayout(c);
  DecoderStack stack{
      "model.",           c.numHiddenLayers, c.hiddenSize, c.numAttentionHeads,
      c.numKeyValueHeads, options.maxChunks, c.rmsNormEps, c.ropeTheta,
      c.ropeScaling};
  // llama_step(w, ids[1] i32, pos, kcache, vcache, logits[1, V]),
  // llama_prefill(w, ids[M] i32, pos, kcache, vcache, logits[M, V]) and
  // llama_prefill_last(w, ids[M] i32, pos, kcache, vcache, logits[1, V]):
  // a generation's prompt needs only its last row's logits, and for a large
  // vocabulary the LM head is most of a prefill's arithmetic.
  enum class Kind { Step, Prefill, PrefillLast };
  for (Kind kind : {Kind::Step, Kind::Prefill, Kind::PrefillLast}) {
    bool prefill = kind != Kind::Step;
    int64_t m = prefill ? ShapedType::kDynamic : 1;
    int64_t outRows = kind == Kind::Prefill ? m : 1;
    func::FuncOp fn = createFunction(
        b, *module,
        kind == Kind::Step      ? "llama_step"
        : kind == Kind::Prefill ? "llama_prefill"
                                : "llama_prefill_last",
        {memref({layout.size() * 4}, i8), memref({m}, i32), b.getIndexType(),
         cacheType(b, stack), cacheType(b, stack),
         memref({outRows, c.vocabSize}, f32)});
    FunctionEmitter fe(b, fn.getLoc(), fn.getArgument(0), layout);
    Value ids = fe.toTensor(fn.getArgument(1));
    Rows rows{prefill ? Value(tensor::DimOp::create(b, fn.getLoc(), ids, 0))
                      : fe.lb.constantIndex(1),
              m};
    Value x = fe.lb.gather(fe.weight("model.embed_tokens.weight"), ids);
    x = emitDecoderStack(fe, stack, x, fn.getArgument(2), rows,
                         fn.getArgument(3), fn.getArgument(4));
    if (kind == Kind::PrefillLast) {
      // The last row [M-1, :] of the normalized hidden states.
      Location l = fn.getLoc();
      Value last = arith::SubIOp::create(b, l, rows.count, fe.lb.constantIndex(1));
      x = tensor::ExtractSliceOp::create(
          b, l, RankedTensorType::get({1, c.hiddenSize}, f32), x,
          ValueRange{last}, ValueRange{}, ValueRange{},
          b.getDenseI64ArrayAttr({ShapedType::kDynamic, 0}),
          b.getDenseI64ArrayAttr({1, c.hiddenSize}),
          b.getDenseI64ArrayAttr({1, 1}));
    }
    Value logits =
        fe.lb.linear(x,
                     fe.weight(c.tieWordEmbeddings ? "model.embed_tokens.weight"
                                                   : "lm_head.weight"),
                     {}, Role::LMHead);
    fe.store(logits, fn.getArgument(5));
    func::ReturnOp::create(b, fn.getLoc());
  }
  return module;
}

} // namespace calm::runtime
