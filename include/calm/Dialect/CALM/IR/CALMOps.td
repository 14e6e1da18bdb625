//===- CALMOps.td - calm dialect operations ----------------*- tablegen -*-===//

#ifndef CALM_DIALECT_CALM_IR_CALMOPS_TD
#define CALM_DIALECT_CALM_IR_CALMOPS_TD

include "calm/Dialect/CALM/IR/CALMDialect.td"
include "calm/Dialect/CALM/IR/CALMTypes.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/VectorInterfaces.td"

class CALM_Op<string mnemonic, list<Trait> traits = []>
    : Op<CALM_Dialect, mnemonic, traits>;

// The float formats L-Mul is defined on (lmul.md): IEEE-like formats whose
// magnitude bits, read as an integer, grow monotonically with the value.
def CALM_LMulElementType
    : AnyTypeOf<[F32, BF16, F16, F8E4M3FN, F8E5M2],
                "f32, bf16, f16, f8E4M3FN or f8E5M2">;

def CALM_LMulOperandType
    : AnyTypeOf<[CALM_LMulElementType,
                 VectorOfAnyRankOf<[CALM_LMulElementType]>,
                 RankedTensorOf<[CALM_LMulElementType]>],
                "f32, bf16, f16, f8E4M3FN or f8E5M2, or a vector or ranked "
                "tensor of them">;

//===----------------------------------------------------------------------===//
// LMulOp
//===----------------------------------------------------------------------===//

def CALM_LMulOp : CALM_Op<"lmul", [Pure, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<VectorUnrollOpInterface>, Commutative]
    # ElementwiseMappable.traits> {
  let summary = "linear-complexity multiplication (L-Mul)";
  let description = [{
    Multiplies two floats by L-Mul: both magnitudes are truncated to
    `mantissa_bits` (m) mantissa bits and the product is formed by one integer
    addition of their exponent and mantissa fields plus the constant
    `2^-l(m)`, where `l(m) = m` for m <= 3, 3 for m = 4 and 4 for m > 4.
    The carry of the mantissa sum flows into the exponent.

    Edge cases follow calm-mlir's normative semantics (docs/LMUL.md):
    NaN propagates as the quiet NaN; inf times zero is NaN; zero and
    subnormal operands flush to a signed zero; results that underflow flush
    to a signed zero; results that overflow become a signed inf, or for
    `f8E4M3FN` (which has no inf) saturate to +-448.

    `mantissa_bits` ranges from 1 to the element type's mantissa width
    (f32: 23, bf16: 7, f16: 10, f8E4M3FN: 3, f8E5M2: 2).

    Example:

    ```mlir
    %p = calm.lmul %a, %b mantissa_bits(4) : vector<8xf32>
    ```
  }];
  let arguments = (ins CALM_LMulOperandType:$lhs, CALM_LMulOperandType:$rhs,
                       I32Attr:$mantissa_bits);
  let results = (outs CALM_LMulOperandType:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `mantissa_bits` `(` $mantissa_bits `)` attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let extraClassDeclaration = [{
    /// The scalar float type the op computes on.
    ::mlir::FloatType getElementFloatType() {
      return ::llvm::cast<::mlir::FloatType>(
          ::mlir::getElementTypeOrSelf(getResult().getType()));
    }
  }];
}


//===----------------------------------------------------------------------===//
// Chunks and tensors
//===----------------------------------------------------------------------===//

def CALM_F32Tensor : RankedTensorOf<[F32]>;
def CALM_I32Tensor : RankedTensorOf<[I32]>;

def CALM_LatentsToChunkOp : CALM_Op<"latents_to_chunk", [Pure]> {
  let summary = "view a batch x latent tensor as chunks of K tokens";
  let description = [{
    ```mlir
    %c = calm.latents_to_chunk %z : tensor<8x64xf32> to !calm.chunk<8x4x64xf32>
    ```
  }];
  let arguments = (ins CALM_F32Tensor:$latents);
  let results = (outs CALM_ChunkType:$chunk);
  let assemblyFormat = "$latents attr-dict `:` type($latents) `to` type($chunk)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def CALM_ChunkToLatentsOp : CALM_Op<"chunk_to_latents", [Pure]> {
  let summary = "the batch x latent tensor of chunks";
  let arguments = (ins CALM_ChunkType:$chunk);
  let results = (outs CALM_F32Tensor:$latents);
  let assemblyFormat = "$chunk attr-dict `:` type($chunk) `to` type($latents)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Model stages
//===----------------------------------------------------------------------===//

// Each stage takes its weights as operands, in the order of the official
// checkpoint (docs/ARCHITECTURE.md lists it), so that one compiled module
// serves every checkpoint of the same shape. The verifiers derive the sizes
// (V, d, intermediate, K, latent, layers) from the operands and check every
// weight's shape by its checkpoint name.

class CALM_StageOp<string mnemonic, list<Trait> traits = []>
    : CALM_Op<mnemonic, !listconcat(traits, [Pure])> {
  let hasVerifier = 1;
  code extraStageDeclaration = [{
    /// Name and expected shape of every weight operand, in operand order,
    /// derived from the operands' sizes; empty if they cannot be derived
    /// (the verifier says why).
    ::llvm::SmallVector<::mlir::calm::WeightSpec> getWeightSpecs();
  }];
  let extraClassDeclaration = extraStageDeclaration;
}

def CALM_AEEncodeOp : CALM_StageOp<"ae_encode",
    [AllTypesMatch<["mean", "log_std"]>]> {
  let summary = "autoencoder encoder: K token ids to a posterior chunk";
  let description = [{
    Encodes each row of K token ids into the mean and log-std of the
    posterior chunk (the official `Encoder`): embedding, the first half of
    the residual MLP layers per token, `squeeze_layer` over the K
    concatenated hidden vectors, the second half, RMSNorm,
    `hidden_to_latent` split into mean | log-std.

    Weights (L = encoder layers, even): `embed_tokens` [V, d]; per layer
    `layernorm` [d], `gate_proj` [I, d], `up_proj` [I, d], `down_proj`
    [d, I]; `squeeze_layer` weight [d, K*d] and bias [d]; `norm` [d];
    `hidden_to_latent` weight [2Z, d] and bias [2Z].

    ```mlir
    %mean, %log_std = calm.ae_encode %ids weights(%w0, ..., %w13)
        {rms_norm_eps = 1.0e-6 : f64}
        : tensor<2x4xi32>, (...) -> !calm.chunk<2x4x64xf32>
    ```
  }];
  let arguments = (ins CALM_I32Tensor:$tokens,
                       Variadic<CALM_F32Tensor>:$weights,
                       F64Attr:$rms_norm_eps);
  let results = (outs CALM_ChunkType:$mean, CALM_ChunkType:$log_std);
  let assemblyFormat = [{
    $tokens `weights` `(` $weights `)` attr-dict `:` type($tokens) `,`
    `(` type($weights) `)` `->` type($mean)
  }];
  let builders = [OpBuilder<(ins "::mlir::calm::ChunkType":$type,
      "::mlir::Value":$tokens, "::mlir::ValueRange":$weights,
      "double":$eps), [{
    build($_builder, $_state, type, type, tokens, weights,
          $_builder.getF64FloatAttr(eps));
  }]>];
  let extraClassDeclaration = extraStageDeclaration;
}

def CALM_AEDecodeOp : CALM_StageOp<"ae_decode"> {
  let summary = "autoencoder decoder: chunks to K x V token logits";
  let description = [{
    Decodes each chunk into the logits of its K tokens (the official
    `Decoder`): `latent_to_hidden`, the first half of the residual MLP
    layers, `expand_layer` into K hidden vectors, the second half, RMSNorm,
    and the output matrix (tied to the encoder's embedding unless the
    checkpoint has its own).

    Weights: `latent_to_hidden` weight [d, Z] and bias [d]; per layer
    `layernorm` [d], `gate_proj` [I, d], `up_proj` [I, d], `down_proj`
    [d, I]; `expand_layer` weight [K*d, d] and bias [K*d]; `norm` [d];
    output matrix [V, d].
  }];
  let arguments = (ins CALM_ChunkType:$latents,
                       Variadic<CALM_F32Tensor>:$weights,
                       F64Attr:$rms_norm_eps);
  let results = (outs CALM_F32Tensor:$logits);
  let assemblyFormat = [{
    $latents `weights` `(` $weights `)` attr-dict `:` type($latents) `,`
    `(` type($weights) `)` `->` type($logits)
  }];
  let extraClassDeclaration = extraStageDeclaration;
}

def CALM_InputCompressOp : CALM_StageOp<"input_compress"> {
  let summary = "K token embeddings to one backbone input vector";
  let description = [{
    The CALM's input compression (`embed_proj` of the official code): the K
    token ids of each row are looked up in the backbone's embedding table,
    concatenated, and mapped to one hidden vector by Linear(K*d, 2d), SiLU,
    Linear(2d, d), LayerNorm.

    Weights: `embed_tokens` [V, d]; `embed_proj.0` weight [2d, K*d] and bias
    [2d]; `embed_proj.2` weight [d, 2d] and bias [d]; `embed_proj.3`
    (LayerNorm) weight [d] and bias [d].
  }];
  let arguments = (ins CALM_I32Tensor:$tokens,
                       Variadic<CALM_F32Tensor>:$weights,
                       F64Attr:$layer_norm_eps);
  let results = (outs CALM_F32Tensor:$hidden);
  let assemblyFormat = [{
    $tokens `weights` `(` $weights `)` attr-dict `:` type($tokens) `,`
    `(` type($weights) `)` `->` type($hidden)
  }];
  let extraClassDeclaration = extraStageDeclaration;
}

def CALM_EnergyHeadOp : CALM_StageOp<"energy_head"> {
  let summary = "hidden state and uniform noise to a chunk, in one pass";
  let description = [{
    The CALM's energy-based generative head (`mlp_generator` /
    `generative_head` of the official code): for each of the N hidden states
    and each of its S noise vectors (uniform in [-0.5, 0.5]), one latent
    chunk: LayerNorm(noise_embd(noise)) refined by B residual MLP blocks
    conditioned on LayerNorm(hidden_embd(hidden)), then the final layer.

    Weights: `noise_embd` weight [d, E] and bias [d]; `hidden_embd` weight
    [d, d] and bias [d]; `norm_hidden` and `norm_noise` weight and bias [d];
    per block `in_ln` weight and bias [d], `linears.0` [d, 2d] + [d],
    `linears.2` [d, d] + [d], `linears.4` [2d, d] + [2d], `down_proj` [d, d]
    + [d]; `final_layer` `in_ln` [d] + [d], `linears.0` [d, d] + [d],
    `linears.2` [Z, d] + [Z].

    ```mlir
    %z = calm.energy_head %h, %noise weights(...) {layer_norm_eps = 1.0e-6 : f64}
        : tensor<1x256xf32>, tensor<1x8x64xf32>, (...) -> !calm.chunk<1x8x4x64xf32>
    ```
  }];
  let arguments = (ins CALM_F32Tensor:$hidden, CALM_F32Tensor:$noise,
                       Variadic<CALM_F32Tensor>:$weights,
                       F64Attr:$layer_norm_eps);
  let results = (outs CALM_ChunkType:$latents);
  let assemblyFormat = [{
    $hidden `,` $noise `weights` `(` $weights `)` attr-dict `:` type($hidden)
    `,` type($noise) `,` `(` type($weights) `)` `->` type($latents)
  }];
  let extraClassDeclaration = extraStageDeclaration;
}

#endif // CALM_DIALECT_CALM_IR_CALMOPS_TD
