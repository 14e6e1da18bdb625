//===- CALMOps.cpp - calm dialect operations ------------------------------===//

#include "calm/Dialect/CALM/IR/CALMOps.h"
#include "calm/Dialect/CALM/IR/LMulSemantics.h"

#include "mlir/Dialect/CommonFolders.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::calm;

//===----------------------------------------------------------------------===//
// LMulOp
//===----------------------------------------------------------------------===//

LogicalResult LMulOp::verify() {
  FloatType elementType = getElementFloatType();
  std::optional<LMulFormat> format = getLMulFormat(elementType);
  // The type constraint already restricts the element type; this guards the
  // two lists against drifting apart.
  if (!format)
    return emitOpError("L-Mul is not defined on ") << elementType;
  int64_t bits = getMantissaBits();
  if (bits < 1 || bits > static_cast<int64_t>(format->mantissaBits))
    return emitOpError("mantissa_bits must be in [1, ")
           << format->mantissaBits << "] for " << elementType << ": it has "
           << format->mantissaBits
           << " explicit mantissa bits to keep, and at least one is needed, "
              "but got "
           << bits;
  return success();
}

OpFoldResult LMulOp::fold(FoldAdaptor adaptor) {
  std::optional<LMulFormat> format = getLMulFormat(getElementFloatType());
  if (!format)
    return {};
  unsigned bits = getMantissaBits();
  if (bits < 1 || bits > format->mantissaBits)
    return {};
  // Fold through the host-integer semantics, the same rules the lowering
  // emits, so folded and executed results agree bit for bit.
  return constFoldBinaryOp<FloatAttr, APFloat, void>(
      adaptor.getOperands(),
      [&](const APFloat &lhs, const APFloat &rhs) -> std::optional<APFloat> {
        uint64_t x = lhs.bitcastToAPInt().getZExtValue();
        uint64_t y = rhs.bitcastToAPInt().getZExtValue();
        uint64_t r = lmulBits(*format, x, y, bits);
        return APFloat(lhs.getSemantics(), APInt(format->width(), r));
      });
}

#define GET_OP_CLASSES
#include "calm/Dialect/CALM/IR/CALMOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Chunks and tensors
//===----------------------------------------------------------------------===//

static LogicalResult verifyChunkLatents(Operation *op, ChunkType chunk,
                                        RankedTensorType latents) {
  if (chunk.getLatentTensorType() != latents)
    return op->emitOpError("latents of ")
           << chunk << " are " << chunk.getLatentTensorType() << ", not "
           << latents;
  return success();
}

LogicalResult LatentsToChunkOp::verify() {
  return verifyChunkLatents(*this, getChunk().getType(),
                            getLatents().getType());
}

OpFoldResult LatentsToChunkOp::fold(FoldAdaptor) {
  if (auto inverse = getLatents().getDefiningOp<ChunkToLatentsOp>())
    if (inverse.getChunk().getType() == getType())
      return inverse.getChunk();
  return {};
}

LogicalResult ChunkToLatentsOp::verify() {
  return verifyChunkLatents(*this, getChunk().getType(),
                            getLatents().getType());
}

OpFoldResult ChunkToLatentsOp::fold(FoldAdaptor) {
  if (auto inverse = getChunk().getDefiningOp<LatentsToChunkOp>())
    return inverse.getLatents();
  return {};
}

//===----------------------------------------------------------------------===//
// Model stages
//===----------------------------------------------------------------------===//

static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleave(
      shape, os, [&](int64_t d) { os << (ShapedType::isDynamic(d) ? "?" : std::to_string(d)); },
      "x");
  return s;
}

/// Checks every weight operand against `specs` by checkpoint name.
static LogicalResult verifyWeights(Operation *op, ValueRange weights,
                                   ArrayRef<WeightSpec> specs) {
  if (weights.size() != specs.size())
    return op->emitOpError("expects ")
           << specs.size() << " weights, got " << weights.size();
  for (auto [i, w, spec] : llvm::enumerate(weights, specs)) {
    auto type = cast<RankedTensorType>(w.getType());
    if (type.getShape() != ArrayRef<int64_t>(spec.shape))
      return op->emitOpError("weight #")
             << i << " '" << spec.name << "' must be " << shapeStr(spec.shape)
             << ", got " << shapeStr(type.getShape());
  }
  return success();
}

/// Static sizes the verifier reads off operands; a dynamic one is an error
/// since weights define the model's shape.
static FailureOr<int64_t> staticDim(Operation *op, Value v, unsigned dim,
                                    StringRef what) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() <= dim) {
    op->emitOpError() << what << " must have rank at least " << dim + 1
                      << ", got " << type;
    return failure();
  }
  if (type.isDynamicDim(dim)) {
    op->emitOpError() << what << " must have a static size in dimension "
                      << dim;
    return failure();
  }
  return type.getDimSize(dim);
}

/// Layers from the weight count: `fixed` weights plus 4 per layer, an even
/// number of layers (half before, half after the K <-> 1 reshape).
static FailureOr<int64_t> aeLayers(Operation *op, size_t count, size_t fixed) {
  if (count < fixed || (count - fixed) % 4 != 0 ||
      ((count - fixed) / 4) % 2 != 0) {
    op->emitOpError("expects ")
        << fixed << " weights plus 4 per layer for an even number of layers, "
        << "got " << count << " weights";
    return failure();
  }
  return static_cast<int64_t>((count - fixed) / 4);
}

static FailureOr<AutoencoderSizes> aeSizes(Operation *op, ValueRange weights,
                                           bool encoder) {
  FailureOr<int64_t> layers = aeLayers(op, weights.size(), encoder ? 6 : 6);
  if (failed(layers))
    return failure();
  AutoencoderSizes s{};
  s.layers = *layers;
  if (encoder) {
    FailureOr<int64_t> v = staticDim(op, weights[0], 0, "embed_tokens");
    FailureOr<int64_t> d = staticDim(op, weights[0], 1, "embed_tokens");
    FailureOr<int64_t> z2 = staticDim(op, weights.back(), 0,
                                      "hidden_to_latent.bias");
    if (failed(v) || failed(d) || failed(z2))
      return failure();
    s.vocab = *v, s.hidden = *d, s.latent = *z2 / 2;
  } else {
    FailureOr<int64_t> d = staticDim(op, weights[0], 0, "latent_to_hidden");
    FailureOr<int64_t> z = staticDim(op, weights[0], 1, "latent_to_hidden");
    FailureOr<int64_t> v = staticDim(op, weights.back(), 0, "output matrix");
    if (failed(v) || failed(d) || failed(z))
      return failure();
    s.vocab = *v, s.hidden = *d, s.latent = *z;
  }
  s.intermediate = 0;
  if (s.layers > 0) {
    FailureOr<int64_t> inter =
        staticDim(op, weights[encoder ? 2 : 3], 0, "gate_proj");
    if (failed(inter))
      return failure();
    s.intermediate = *inter;
  }
  return s;
}

/// Checks that `chunk` is a batch of N (the leading dims of `batch`) chunks
/// of K tokens and latent Z.
static LogicalResult verifyChunk(Operation *op, StringRef what,
                                 ChunkType chunk, ArrayRef<int64_t> batch,
                                 int64_t patch, int64_t latent) {
  if (chunk.getBatchShape() != batch)
    return op->emitOpError() << what << " batch shape must be "
                             << shapeStr(batch) << " (from the operands), got "
                             << shapeStr(chunk.getBatchShape());
  if (chunk.getPatchSize() != patch)
    return op->emitOpError() << what << " must be chunks of K = " << patch
                             << " tokens, got K = " << chunk.getPatchSize();
  if (chunk.getLatentSize() != latent)
    return op->emitOpError()
           << what << " latent size must be " << latent
           << " (from the weights), got " << chunk.getLatentSize();
  if (!chunk.getElementType().isF32())
    return op->emitOpError() << what << " must hold f32, got "
                             << chunk.getElementType();
  return success();
}

static LogicalResult verifyTokens(Operation *op, Value tokens, int64_t &patch) {
  auto type = cast<RankedTensorType>(tokens.getType());
  if (type.getRank() != 2)
    return op->emitOpError("tokens must be N x K token ids, got ") << type;
  if (type.isDynamicDim(1))
    return op->emitOpError("K (tokens dimension 1) must be static");
  patch = type.getDimSize(1);
  return success();
}

SmallVector<WeightSpec> AEEncodeOp::getWeightSpecs() {
  FailureOr<AutoencoderSizes> s = aeSizes(*this, getWeights(), true);
  if (failed(s))
    return {};
  s->patch = cast<RankedTensorType>(getTokens().getType()).getDimSize(1);
  return getAEEncoderWeights(*s);
}

LogicalResult AEEncodeOp::verify() {
  int64_t patch;
  if (failed(verifyTokens(*this, getTokens(), patch)))
    return failure();
  FailureOr<AutoencoderSizes> s = aeSizes(*this, getWeights(), true);
  if (failed(s))
    return failure();
  s->patch = patch;
  if (failed(verifyWeights(*this, getWeights(), getAEEncoderWeights(*s))))
    return failure();
  if (getMean().getType() != getLogStd().getType())
    return emitOpError("mean and log_std must have the same type");
  return verifyChunk(*this, "result", getMean().getType(),
                     cast<RankedTensorType>(getTokens().getType())
                         .getShape()
                         .take_front(),
                     patch, s->latent);
}

SmallVector<WeightSpec> AEDecodeOp::getWeightSpecs() {
  FailureOr<AutoencoderSizes> s = aeSizes(*this, getWeights(), false);
  if (failed(s))
    return {};
  s->patch = getLatents().getType().getPatchSize();
  return getAEDecoderWeights(*s);
}

LogicalResult AEDecodeOp::verify() {
  FailureOr<AutoencoderSizes> s = aeSizes(*this, getWeights(), false);
  if (failed(s))
    return failure();
  ChunkType chunk = getLatents().getType();
  s->patch = chunk.getPatchSize();
  if (failed(verifyWeights(*this, getWeights(), getAEDecoderWeights(*s))) ||
      failed(verifyChunk(*this, "latents", chunk, chunk.getBatchShape(),
                         s->patch, s->latent)))
    return failure();
  SmallVector<int64_t> expected(chunk.getBatchShape());
  expected.append({s->patch, s->vocab});
  auto logits = cast<RankedTensorType>(getLogits().getType());
  if (logits.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("logits must be batch x K x V = ")
           << shapeStr(expected) << ", got " << shapeStr(logits.getShape());
  return success();
}

static FailureOr<CALMStageSizes> compressSizes(Operation *op, Value tokens,
                                               ValueRange weights) {
  CALMStageSizes s{};
  if (failed(verifyTokens(op, tokens, s.patch)))
    return failure();
  if (weights.size() != 7) {
    op->emitOpError("expects 7 weights, got ") << weights.size();
    return failure();
  }
  FailureOr<int64_t> v = staticDim(op, weights[0], 0, "embed_tokens");
  FailureOr<int64_t> d = staticDim(op, weights[0], 1, "embed_tokens");
  if (failed(v) || failed(d))
    return failure();
  s.vocab = *v, s.hidden = *d;
  return s;
}

SmallVector<WeightSpec> InputCompressOp::getWeightSpecs() {
  FailureOr<CALMStageSizes> s =
      compressSizes(*this, getTokens(), getWeights());
  return failed(s) ? SmallVector<WeightSpec>() : getInputCompressWeights(*s);
}

LogicalResult InputCompressOp::verify() {
  FailureOr<CALMStageSizes> s =
      compressSizes(*this, getTokens(), getWeights());
  if (failed(s) ||
      failed(verifyWeights(*this, getWeights(), getInputCompressWeights(*s))))
    return failure();
  auto tokens = cast<RankedTensorType>(getTokens().getType());
  auto hidden = cast<RankedTensorType>(getHidden().getType());
  SmallVector<int64_t> expected = {tokens.getDimSize(0), s->hidden};
  if (hidden.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result must be N x d = ")
           << shapeStr(expected) << ", got " << shapeStr(hidden.getShape());
  return success();
}

static FailureOr<CALMStageSizes> headSizes(Operation *op, Value hidden,
                                           Value noise, ValueRange weights,
                                           ChunkType result) {
  CALMStageSizes s{};
  size_t n = weights.size();
  if (n < 14 || (n - 14) % 10 != 0) {
    op->emitOpError("expects 14 weights plus 10 per MLP block, got ") << n;
    return failure();
  }
  s.headBlocks = static_cast<int64_t>((n - 14) / 10);
  FailureOr<int64_t> d = staticDim(op, weights[0], 0, "noise_embd");
  FailureOr<int64_t> e = staticDim(op, weights[0], 1, "noise_embd");
  FailureOr<int64_t> z = staticDim(op, weights.back(), 0, "final_layer bias");
  if (failed(d) || failed(e) || failed(z))
    return failure();
  s.hidden = *d, s.noise = *e, s.latent = *z, s.patch = result.getPatchSize();
  return s;
}

SmallVector<WeightSpec> EnergyHeadOp::getWeightSpecs() {
  FailureOr<CALMStageSizes> s = headSizes(*this, getHidden(), getNoise(),
                                          getWeights(), getLatents().getType());
  return failed(s) ? SmallVector<WeightSpec>() : getEnergyHeadWeights(*s);
}

LogicalResult EnergyHeadOp::verify() {
  FailureOr<CALMStageSizes> s = headSizes(*this, getHidden(), getNoise(),
                                          getWeights(), getLatents().getType());
  if (failed(s) ||
      failed(verifyWeights(*this, getWeights(), getEnergyHeadWeights(*s))))
    return failure();
  auto hidden = cast<RankedTensorType>(getHidden().getType());
  auto noise = cast<RankedTensorType>(getNoise().getType());
  if (hidden.getRank() != 2 || hidden.getDimSize(1) != s->hidden)
    return emitOpError("hidden must be N x d with d = ")
           << s->hidden << " (from the weights), got " << hidden;
  if (noise.getRank() != 3 || noise.getDimSize(0) != hidden.getDimSize(0) ||
      noise.getDimSize(2) != s->noise)
    return emitOpError("noise must be N x S x E = ")
           << shapeStr({hidden.getDimSize(0), ShapedType::kDynamic, s->noise})
           << " (N from hidden, E from noise_embd), got " << noise;
  return verifyChunk(*this, "result", getLatents().getType(),
                     noise.getShape().take_front(2), s->patch, s->latent);
}
