//===- Decompose.cpp - calm stage ops to linalg ---------------------------===//
//
// calm-decompose: the CALM model stages (autoencoder encoder and decoder,
// input compression, energy head) as linalg on tensors, layer by layer as
// the official PyTorch modules compute them.
//
//===----------------------------------------------------------------------===//

#include "calm/Dialect/CALM/IR/CALMOps.h"
#include "calm/Dialect/CALM/Utils/LinalgLayerBuilder.h"
#include "calm/Transforms/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CALMDECOMPOSE
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;
using namespace mlir::calm;

namespace {

/// Latents of a chunk value flattened to [N, latent].
Value flatLatents(PatternRewriter &rewriter, LinalgLayerBuilder &lb,
                  Value chunk, Value &batch, Value &dynamicDim) {
  auto type = cast<ChunkType>(chunk.getType());
  Value latents = ChunkToLatentsOp::create(rewriter, lb.getLoc(),
                                           type.getLatentTensorType(), chunk);
  // The chunk type allows at most one dynamic batch dimension.
  dynamicDim = {};
  for (auto [i, d] : llvm::enumerate(type.getBatchShape()))
    if (ShapedType::isDynamic(d))
      dynamicDim = tensor::DimOp::create(rewriter, lb.getLoc(), latents, i);
  auto latentType = cast<RankedTensorType>(latents.getType());
  int64_t n = 1;
  bool dynamic = false;
  for (int64_t d : type.getBatchShape())
    dynamic |= ShapedType::isDynamic(d), n *= ShapedType::isDynamic(d) ? 1 : d;
  // The batch size as a value, for dynamic reshapes.
  batch = lb.constantIndex(1);
  for (int64_t i = 0, e = type.getBatchShape().size(); i < e; ++i) {
    OpFoldResult d = lb.dim(latents, i);
    Value v = isa<Value>(d) ? cast<Value>(d)
                            : lb.constantIndex(*getConstantIntValue(d));
    batch = arith::MulIOp::create(rewriter, lb.getLoc(), batch, v);
  }
  if (latentType.getRank() == 2)
    return latents;
  return lb.reshape(latents,
                    {dynamic ? ShapedType::kDynamic : n, type.getLatentSize()},
                    batch);
}

/// x + mlp(rmsnorm(x)): one residual MLP layer of the autoencoder.
Value aeLayer(LinalgLayerBuilder &lb, Value x, ValueRange w, double eps) {
  Value h = lb.rmsNorm(x, w[0], eps);
  Value gate = lb.linear(h, w[1], {}, Role::AE);
  Value up = lb.linear(h, w[2], {}, Role::AE);
  return lb.add(x, lb.linear(lb.siluMul(gate, up), w[3], {}, Role::AE));
}

int64_t dimOf(Value v, unsigned d) {
  return cast<RankedTensorType>(v.getType()).getDimSize(d);
}

/// Size of dimension `d` as a Value.
Value dimValue(LinalgLayerBuilder &lb, Value v, unsigned d) {
  OpFoldResult f = lb.dim(v, d);
  return isa<Value>(f) ? cast<Value>(f)
                       : lb.constantIndex(*getConstantIntValue(f));
}

Value mulIndex(LinalgLayerBuilder &lb, Value a, int64_t c) {
  return arith::MulIOp::create(lb.getBuilder(), lb.getLoc(), a,
                               lb.constantIndex(c));
}

struct DecomposeAEEncode : OpRewritePattern<AEEncodeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AEEncodeOp op,
                                PatternRewriter &rewriter) const override {
    LinalgLayerBuilder lb(rewriter, op.getLoc());
    ValueRange w = op.getWeights();
    double eps = op.getRmsNormEps().convertToDouble();
    Value tokens = op.getTokens();
    int64_t n = dimOf(tokens, 0), k = dimOf(tokens, 1);
    int64_t d = dimOf(w[0], 1), layers = (w.size() - 6) / 4;
    int64_t z = op.getMean().getType().getLatentSize();
    Value nValue = dimValue(lb, tokens, 0);
    int64_t nk = ShapedType::isDynamic(n) ? n : n * k;
    Value ids = lb.reshape(tokens, {nk}, mulIndex(lb, nValue, k));
    Value h = lb.gather(w[0], ids); // [N*K, d]
    for (int64_t i = 0; i < layers / 2; ++i)
      h = aeLayer(lb, h, w.slice(1 + 4 * i, 4), eps);
    h = lb.reshape(h, {n, k * d}, nValue);
    h = lb.linear(h, w[1 + 4 * layers], w[2 + 4 * layers], Role::AE);
    for (int64_t i = layers / 2; i < layers; ++i)
      h = aeLayer(lb, h, w.slice(1 + 4 * i, 4), eps);
    h = lb.rmsNorm(h, w[3 + 4 * layers], eps);
    Value latent = lb.linear(h, w[4 + 4 * layers], w[5 + 4 * layers], Role::AE);
    ChunkType type = op.getMean().getType();
    Value mean = LatentsToChunkOp::create(rewriter, op.getLoc(), type,
                                          lb.columns(latent, 0, z));
    Value logStd = LatentsToChunkOp::create(rewriter, op.getLoc(), type,
                                            lb.columns(latent, z, z));
    rewriter.replaceOp(op, {mean, logStd});
    return success();
  }
};

struct DecomposeAEDecode : OpRewritePattern<AEDecodeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AEDecodeOp op,
                                PatternRewriter &rewriter) const override {
    LinalgLayerBuilder lb(rewriter, op.getLoc());
    ValueRange w = op.getWeights();
    double eps = op.getRmsNormEps().convertToDouble();
    ChunkType type = op.getLatents().getType();
    int64_t k = type.getPatchSize(), layers = (w.size() - 6) / 4;
    int64_t d = dimOf(w[0], 0);
    Value batch, dynamicDim;
    Value z = flatLatents(rewriter, lb, op.getLatents(), batch, dynamicDim);
    int64_t n = dimOf(z, 0);
    Value h = lb.linear(z, w[0], w[1], Role::AE);
    for (int64_t i = 0; i < layers / 2; ++i)
      h = aeLayer(lb, h, w.slice(2 + 4 * i, 4), eps);
    h = lb.linear(h, w[2 + 4 * layers], w[3 + 4 * layers], Role::AE);
    int64_t nk = ShapedType::isDynamic(n) ? n : n * k;
    h = lb.reshape(h, {nk, d}, mulIndex(lb, batch, k));
    for (int64_t i = layers / 2; i < layers; ++i)
      h = aeLayer(lb, h, w.slice(2 + 4 * i, 4), eps);
    h = lb.rmsNorm(h, w[4 + 4 * layers], eps);
    Value logits = lb.linear(h, w[5 + 4 * layers], {}, Role::AE); // [N*K, V]
    auto resultType = cast<RankedTensorType>(op.getLogits().getType());
    // Back to batch... x K x V; a single dynamic batch dim is `batch`.
    Value result = lb.reshape(logits, resultType.getShape(), dynamicDim);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct DecomposeInputCompress : OpRewritePattern<InputCompressOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(InputCompressOp op,
                                PatternRewriter &rewriter) const override {
    LinalgLayerBuilder lb(rewriter, op.getLoc());
    ValueRange w = op.getWeights();
    double eps = op.getLayerNormEps().convertToDouble();
    Value tokens = op.getTokens();
    int64_t n = dimOf(tokens, 0), k = dimOf(tokens, 1), d = dimOf(w[0], 1);
    Value nValue = dimValue(lb, tokens, 0);
    int64_t nk = ShapedType::isDynamic(n) ? n : n * k;
    Value ids = lb.reshape(tokens, {nk}, mulIndex(lb, nValue, k));
    Value e = lb.reshape(lb.gather(w[0], ids), {n, k * d}, nValue);
    Value h = lb.silu(lb.linear(e, w[1], w[2], Role::Compress));
    h = lb.linear(h, w[3], w[4], Role::Compress);
    rewriter.replaceOp(op, lb.layerNorm(h, w[5], w[6], eps));
    return success();
  }
};

struct DecomposeEnergyHead : OpRewritePattern<EnergyHeadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EnergyHeadOp op,
                                PatternRewriter &rewriter) const override {
    LinalgLayerBuilder lb(rewriter, op.getLoc());
    ValueRange w = op.getWeights();
    double eps = op.getLayerNormEps().convertToDouble();
    Value hidden = op.getHidden(), noise = op.getNoise();
    int64_t n = dimOf(noise, 0), s = dimOf(noise, 1), e = dimOf(noise, 2);
    int64_t d = dimOf(w[0], 0), blocks = (w.size() - 14) / 10;
    Location loc = op.getLoc();
    Value nValue = dimValue(lb, noise, 0), sValue = dimValue(lb, noise, 1);
    Value rows = arith::MulIOp::create(rewriter, loc, nValue, sValue);
    bool dynamic = ShapedType::isDynamic(n) || ShapedType::isDynamic(s);
    int64_t m = dynamic ? ShapedType::kDynamic : n * s;

    Value x = lb.reshape(noise, {m, e}, rows);
    x = lb.layerNorm(lb.linear(x, w[0], w[1], Role::Head), w[6], w[7], eps);
    Value y = lb.layerNorm(lb.linear(hidden, w[2], w[3], Role::Head), w[4], w[5],
                           eps); // [N, d]
    // Each hidden state conditions all S samples drawn for it.
    Value ySamples = y;
    if (s != 1 || n != 1 || dynamic) {
      MLIRContext *ctx = rewriter.getContext();
      AffineExpr i, j, c;
      bindDims(ctx, i, j, c);
      Value init = lb.empty({lb.dim(noise, 0), lb.dim(noise, 1),
                             rewriter.getIndexAttr(d)});
      Value b3 = linalg::GenericOp::create(
                     rewriter, loc, init.getType(), ValueRange{y},
                     ValueRange{init},
                     {AffineMap::get(3, 0, {i, c}, ctx),
                      AffineMap::get(3, 0, {i, j, c}, ctx)},
                     {utils::IteratorType::parallel,
                      utils::IteratorType::parallel,
                      utils::IteratorType::parallel},
                     [](OpBuilder &nb, Location nl, ValueRange a) {
                       linalg::YieldOp::create(nb, nl, a[0]);
                     })
                     .getResult(0);
      ySamples = lb.reshape(b3, {m, d}, rows);
    }
    for (int64_t j = 0; j < blocks; ++j) {
      ValueRange bw = w.slice(8 + 10 * j, 10);
      Value t = lb.concatColumns(lb.layerNorm(x, bw[0], bw[1], eps), ySamples);
      t = lb.silu(lb.linear(t, bw[2], bw[3], Role::Head));
      t = lb.silu(lb.linear(t, bw[4], bw[5], Role::Head));
      t = lb.linear(t, bw[6], bw[7], Role::Head); // [M, 2d]
      Value gated = lb.siluMul(lb.columns(t, 0, d), lb.columns(t, d, d));
      x = lb.add(x, lb.linear(gated, bw[8], bw[9], Role::Head));
    }
    ValueRange fw = w.take_back(6);
    Value t = lb.layerNorm(x, fw[0], fw[1], eps);
    t = lb.silu(lb.linear(t, fw[2], fw[3], Role::Head));
    t = lb.linear(t, fw[4], fw[5], Role::Head); // [M, Z]
    ChunkType type = op.getLatents().getType();
    RankedTensorType latentType = type.getLatentTensorType();
    Value latents = lb.reshape(t, latentType.getShape(),
                               ShapedType::isDynamic(n) ? nValue : sValue);
    rewriter.replaceOpWithNewOp<LatentsToChunkOp>(op, type, latents);
    return success();
  }
};

struct CALMDecomposePass
    : public calm::impl::CALMDecomposeBase<CALMDecomposePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposeAEEncode, DecomposeAEDecode, DecomposeInputCompress,
                 DecomposeEnergyHead>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
