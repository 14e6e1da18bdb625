//===- CALMDialect.td - calm dialect definition ------------*- tablegen -*-===//
//
// The calm dialect: operations of Continuous Autoregressive Language Models
// and of the cheap-arithmetic forms (L-Mul, quantization) used to run them.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_DIALECT_CALM_IR_CALMDIALECT_TD
#define CALM_DIALECT_CALM_IR_CALMDIALECT_TD

include "mlir/IR/OpBase.td"

def CALM_Dialect : Dialect {
  let name = "calm";
  let cppNamespace = "::mlir::calm";
  let summary = "Continuous autoregressive LM inference and cheap arithmetic";
  let description = [{
    The `calm` dialect models the stages of a Continuous Autoregressive
    Language Model (autoencoder, energy head, sampling) and the arithmetic
    forms that make inference cheaper, starting with L-Mul (Luo & Sun,
    "Addition is All You Need"): a float multiply computed by one integer
    addition of the operands' bit patterns.

    Discardable attributes:
    * `calm.exact` (unit): exempts an `arith.mulf` from every calm rewrite.
    * `calm.numerics = #calm.numerics<FORM>` on a linalg contraction: the
      numerics that contraction computes in, overriding pass options. FORM
      is one of `f32`, `bf16`, `f16`, `f8e4m3[/tensor|/channel]`,
      `f8e5m2[/tensor|/channel]`, `i8[/tensor|/channel]`, `lmul:M`.
    * `calm.role = #calm.role<ROLE>` on a linalg contraction: what the
      contraction is in a model (`attention`, `projection`, `mlp`,
      `compress`, `head`, `ae`, `lm_head`), so that `calm-assign-numerics`
      can choose numerics per role.
  }];
  let hasConstantMaterializer = 1;
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerTypes();
    void registerAttributes();
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

#endif // CALM_DIALECT_CALM_IR_CALMDIALECT_TD
