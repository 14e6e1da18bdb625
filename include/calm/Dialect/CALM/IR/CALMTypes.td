//===- CALMTypes.td - calm dialect types -------------------*- tablegen -*-===//

#ifndef CALM_DIALECT_CALM_IR_CALMTYPES_TD
#define CALM_DIALECT_CALM_IR_CALMTYPES_TD

include "calm/Dialect/CALM/IR/CALMDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

class CALM_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<CALM_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def CALM_ChunkType : CALM_Type<"Chunk", "chunk"> {
  let summary = "continuous vectors that each stand for K tokens";
  let description = [{
    The latent of a chunk of K consecutive tokens: a vector of `latent`
    floats that the autoencoder's decoder turns back into K tokens. Leading
    dimensions batch chunks (N sequences, N noise draws, ...).

    ```mlir
    !calm.chunk<4x64xf32>       // one chunk of K = 4 tokens, latent 64
    !calm.chunk<8x4x64xf32>     // 8 of them
    ```

    A chunk value is, as data, a tensor of shape `batch x latent`; K is the
    type's promise about what the latent encodes, checked where chunks meet
    token ids (`calm.ae_encode`, `calm.ae_decode`).
  }];
  let parameters = (ins ArrayRefParameter<"int64_t">:$shape,
                        "::mlir::Type":$elementType);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The batch dimensions (possibly none).
    ::llvm::ArrayRef<int64_t> getBatchShape() const {
      return getShape().drop_back(2);
    }
    /// K, the number of tokens one chunk stands for.
    int64_t getPatchSize() const { return getShape()[getShape().size() - 2]; }
    int64_t getLatentSize() const { return getShape().back(); }
    /// The tensor that holds the chunks' latents: batch x latent.
    ::mlir::RankedTensorType getLatentTensorType() const;
    /// The chunk type of `latents` (batch x latent) with K = `patchSize`.
    static ChunkType getForLatents(::mlir::RankedTensorType latents,
                                   int64_t patchSize);
  }];
}

#endif // CALM_DIALECT_CALM_IR_CALMTYPES_TD
