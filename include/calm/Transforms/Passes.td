//===- Passes.td - calm rewrite passes ---------------------*- tablegen -*-===//

#ifndef CALM_TRANSFORMS_PASSES_TD
#define CALM_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CALMMulfToLMul : Pass<"calm-mulf-to-lmul"> {
  let summary = "Rewrite arith.mulf into calm.lmul";
  let description = [{
    Replaces every `arith.mulf` on f32, bf16, f16, f8E4M3FN or f8E5M2
    (scalars, vectors, ranked tensors), including those inside
    `linalg.generic` bodies and other regions, by `calm.lmul`.

    * `mantissa-bits=m` keeps m mantissa bits; 0 (the default) keeps the
      element type's full width. m above a type's width is an error on the
      offending op, not a silent clamp.
    * `func-filter=REGEX` restricts the rewrite to functions whose symbol
      name matches (llvm::Regex, unanchored: use `^name$` for one function).
    * Named linalg ops whose implicit body multiplies (`linalg.matmul`, ...)
      are generalized to `linalg.generic` first, since their verifier pins
      the body to `arith.mulf`.
    * An `arith.mulf` carrying the unit attribute `calm.exact` is left alone,
      as is any multiply on a type L-Mul is not defined on (f64, ...).
  }];
  let dependentDialects = ["::mlir::calm::CALMDialect",
                           "::mlir::linalg::LinalgDialect"];
  let options = [
    Option<"mantissaBits", "mantissa-bits", "unsigned", /*default=*/"0",
           "Mantissa bits kept by L-Mul (1..23; 0 = the element type's full "
           "width)">,
    Option<"funcFilter", "func-filter", "std::string", /*default=*/"\"\"",
           "Regex on the enclosing function's name; empty rewrites all">,
  ];
}

def CALMBufferDeallocation : Pass<"calm-buffer-deallocation", "ModuleOp"> {
  let summary = "Free bufferization's allocations, leaving hand-managed "
                "functions alone";
  let description = [{
    Runs upstream's ownership-based buffer deallocation pipeline on every
    function that contains no `memref.dealloc`. That pipeline rejects IR
    that already frees memory by hand ("memory free side-effect on MemRef
    value not supported"), which user programs written on memrefs do; such a
    function is left exactly as written, its author being in charge of its
    memory. The `bufferization.dealloc` ops are then lowered module-wide,
    where the helper function their generic lowering needs can be added.
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect"];
}

def CALMVectorizeElementwise
    : Pass<"calm-vectorize-elementwise", "func::FuncOp"> {
  let summary = "Vectorize elementwise linalg.generic ops on memrefs with "
                "unmasked loads and a scalar remainder";
  let description = [{
    Rewrites a `linalg.generic` on memrefs whose iterators are all parallel,
    whose indexing maps are all the identity, whose operands have a
    unit-stride innermost dimension, and whose body holds only pure
    elementwise-mappable ops (arith, math, calm.lmul, ...) into loops: the
    innermost dimension runs `vector-width` lanes at a time with plain
    `vector.load`/`vector.store`, and the last `n mod vector-width` elements
    run as scalars.

    Vectorizing such ops through affine loops instead reads and writes every
    vector with a masked transfer, because the extent is dynamic; masked
    stores are microcoded on some x86 cores. Ops that do not match are left
    for the general path.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"vectorWidth", "vector-width", "unsigned", /*default=*/"8",
           "Lanes per vector">,
  ];
}

#endif // CALM_TRANSFORMS_PASSES_TD
