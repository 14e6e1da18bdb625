//===- CPUPipeline.cpp - calm-cpu-pipeline --------------------------------===//

#include "calm/Conversion/Passes.h"
#include "calm/Pipelines/Pipelines.h"
#include "calm/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/Vector/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::calm::buildModelPreparation(OpPassManager &pm,
                                       llvm::StringRef numerics) {
  pm.addPass(calm::createCALMDecompose());
  // The selection's default and per-role forms in one option: the pass
  // parses default and roles as one comma-separated selection.
  calm::CALMAssignNumericsOptions assign;
  assign.defaultForm = numerics.str();
  pm.addPass(calm::createCALMAssignNumerics(assign));
}

void mlir::calm::buildNumericsAndBufferization(OpPassManager &pm) {
  // Input IR that is already vectorized may hold vector.mask regions; the
  // ownership-based deallocation inserts ops into those around memory
  // accesses ("expects only one operation to mask"), so masked transfers
  // and gathers become transfers with a mask operand first (a masked
  // reduction stays a vector.mask; convert-vector-to-llvm lowers it).
  pm.addNestedPass<func::FuncOp>(vector::createLowerVectorMaskPass());
  // Per-op numerics chosen with calm.numerics attributes.
  pm.addPass(calm::createCALMApplyNumerics());
  // Tensor level: elementwise ops (arith, calm.lmul) on tensors become
  // linalg.generic so that they bufferize and vectorize like the rest.
  pm.addPass(createConvertElementwiseToLinalgPass());
  // Layout ops of tiled and data-tiled programs (linalg.pack/unpack around
  // linalg.mmt4d, tensor.pad of a tile) as pads, reshapes, transposes,
  // fills and slices: pack/unpack have no bufferization, and unit-dim
  // folding below rebuilds some pads with a type that does not verify.
  pm.addPass(calm::createCALMDecomposePackAndPad());
  // Unit dims (a GEMV's M = 1) become rank reductions and simpler loops.
  // (This also kept single-iteration reductions from the affine
  // super-vectorizer, which calm-linalg-to-loops now never offers them.)
  pm.addPass(createLinalgFoldUnitExtentDimsPass());
  pm.addPass(createCanonicalizerPass());

  // Bufferization across function boundaries with plain (identity-layout)
  // memrefs at the ABI, then deallocation of what it allocated.
  bufferization::OneShotBufferizePassOptions bufferizeOptions;
  bufferizeOptions.bufferizeFunctionBoundaries = true;
  bufferizeOptions.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferizeOptions));
  pm.addPass(calm::createCALMBufferDeallocation());
  // Deallocation returns owned buffers through bufferization.clone.
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(createCanonicalizerPass());
}

void mlir::calm::buildCPUPipeline(OpPassManager &pm,
                                  const CPUPipelineOptions &options) {
  buildModelPreparation(pm, options.numerics);
  // Before numerics are applied: the microkernels take the layers whose
  // weights are at rest in their form; calm-apply-numerics the rest.
  if (options.ukernels)
    pm.addPass(calm::createCALMContractionsToUKernels());
  buildNumericsAndBufferization(pm);

  // Loops and vectorization. Elementwise generics get unmasked vector loops
  // with a scalar remainder and dot-product contractions register
  // reductions; for the rest, calm-linalg-to-loops builds affine loops where
  // the bounds are affine (untiled programs) and scf loops where they are
  // not (tiles sized by affine.min inside scf.for), and the affine
  // super-vectorizer widens the innermost contiguous parallel loop
  // (remainders become masked transfers). It is never handed a reduction
  // loop: those stay scalar unless calm-vectorize-dot-products took them.
  if (options.vectorWidth > 0) {
    calm::CALMVectorizeElementwiseOptions elementwise;
    elementwise.vectorWidth = options.vectorWidth;
    pm.addNestedPass<func::FuncOp>(
        calm::createCALMVectorizeElementwise(elementwise));
  }
  pm.addNestedPass<func::FuncOp>(calm::createCALMInterchangeContractions());
  if (options.vectorWidth > 0) {
    // Linear layers, attention scores, matvecs (generalized by the
    // interchange): dot products in registers.
    calm::CALMVectorizeDotProductsOptions dots;
    dots.vectorWidth = options.vectorWidth;
    pm.addNestedPass<func::FuncOp>(calm::createCALMVectorizeDotProducts(dots));
  }
  calm::CALMLinalgToLoopsOptions loops;
  loops.vectorWidth = options.vectorWidth;
  pm.addNestedPass<func::FuncOp>(calm::createCALMLinalgToLoops(loops));
  if (options.vectorWidth > 0)
    pm.addNestedPass<func::FuncOp>(calm::createCALMMarkTransfersInBounds());

  // calm ops to integer arith (after vectorization, so vectors of calm.lmul
  // become vectors of integer ops).
  pm.addPass(calm::createConvertCALMToArith());
  // fp8 and bf16 casts as integer ops: convert-to-llvm would leave f8 casts
  // unconverted.
  pm.addPass(calm::createCALMExpandFloatCasts());
  // exp (SiLU, softmax) in vector registers rather than a libm call per
  // lane.
  if (options.polynomialExp)
    pm.addPass(calm::createCALMPolynomialExp());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // To the LLVM dialect.
  pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  // expand-strided-metadata emits affine.apply for offsets and sizes.
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::calm::registerCPUPipeline() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "calm-cpu-pipeline",
      "Lower func/arith/scf/memref/tensor/linalg/calm to the LLVM dialect "
      "for CPU execution (mlir-runner, ExecutionEngine, mlir-translate)",
      buildCPUPipeline);
}
