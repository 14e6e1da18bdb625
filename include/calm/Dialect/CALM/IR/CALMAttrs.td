//===- CALMAttrs.td - calm dialect attributes --------------*- tablegen -*-===//
//
// The attributes that carry a contraction's numerics and its role in a
// model. Typed, so that their spelling is parsed (and rejected) once, where
// the IR is read, and passes read values instead of strings.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_DIALECT_CALM_IR_CALMATTRS_TD
#define CALM_DIALECT_CALM_IR_CALMATTRS_TD

include "calm/Dialect/CALM/IR/CALMDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def CALM_Role : I32EnumAttr<"Role", "what a contraction is in a model", [
    I32EnumAttrCase<"Attention", 0, "attention">,
    I32EnumAttrCase<"Projection", 1, "projection">,
    I32EnumAttrCase<"MLP", 2, "mlp">,
    I32EnumAttrCase<"Compress", 3, "compress">,
    I32EnumAttrCase<"Head", 4, "head">,
    I32EnumAttrCase<"AE", 5, "ae">,
    I32EnumAttrCase<"LMHead", 6, "lm_head">]> {
  let cppNamespace = "::mlir::calm";
  // The attribute is the EnumAttr below, not a bare integer.
  let genSpecializedAttr = 0;
}

def CALM_RoleAttr : EnumAttr<CALM_Dialect, CALM_Role, "role"> {
  let summary = "a contraction's role in a model";
  let description = [{
    What a linalg contraction computes in a model, set by the model builder
    and read by `calm-assign-numerics` to choose numerics per role:

    ```mlir
    linalg.matmul {calm.role = #calm.role<mlp>} ...
    ```

    Roles: `attention` (scores and weighted values), `projection` (q, k, v,
    o), `mlp`, `compress` (the CALM input compressor), `head` (the energy
    head), `ae` (the autoencoder), `lm_head` (a token model's output layer).
  }];
  // One error naming the roles for an unknown one (the generated parser
  // reports two).
  let assemblyFormat = ?;
  let hasCustomAssemblyFormat = 1;
}

def CALM_NumericsAttr : AttrDef<CALM_Dialect, "Numerics"> {
  let mnemonic = "numerics";
  let summary = "the numerics a contraction computes in";
  let description = [{
    One numerics form (docs/QUANT.md, docs/LMUL.md), spelled as
    `--numerics` spells it:

    ```mlir
    #calm.numerics<f32>
    #calm.numerics<bf16>
    #calm.numerics<i8/channel>      // i8 = i8/tensor
    #calm.numerics<f8e4m3/tensor>
    #calm.numerics<lmul:4>
    ```

    As the discardable attribute `calm.numerics` on a linalg contraction it
    overrides the numerics pass options for that contraction.
  }];
  let parameters = (ins "::mlir::calm::Numerics":$value);
  let hasCustomAssemblyFormat = 1;
}

#endif // CALM_DIALECT_CALM_IR_CALMATTRS_TD
