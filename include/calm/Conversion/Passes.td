//===- Passes.td - calm conversion passes ------------------*- tablegen -*-===//

#ifndef CALM_CONVERSION_PASSES_TD
#define CALM_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertCALMToArith : Pass<"convert-calm-to-arith"> {
  let summary = "Lower calm.lmul to integer arith operations";
  let description = [{
    Expands each `calm.lmul` into integer `arith` operations on the bit
    patterns of its operands, implementing every step of the normative
    semantics (NaN, inf, flush of zero and subnormal inputs, truncation to m
    mantissa bits, the single integer add, underflow to a signed zero,
    overflow to inf or, for f8E4M3FN, saturation to +-448).

    Works on scalars, vectors and ranked tensors of every supported type,
    computing at the format's own width (i32, i16, i8) with unsigned compares,
    so a vector of f32 stays a vector of i32 and vectorizes at full width.
    No f8 arithmetic and no APFloat runtime calls are emitted: fp8 values
    only pass through `arith.bitcast`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

#endif // CALM_CONVERSION_PASSES_TD
