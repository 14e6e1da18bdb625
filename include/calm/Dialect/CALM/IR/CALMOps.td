//===- CALMOps.td - calm dialect operations ----------------*- tablegen -*-===//

#ifndef CALM_DIALECT_CALM_IR_CALMOPS_TD
#define CALM_DIALECT_CALM_IR_CALMOPS_TD

include "calm/Dialect/CALM/IR/CALMDialect.td"
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

#endif // CALM_DIALECT_CALM_IR_CALMOPS_TD
