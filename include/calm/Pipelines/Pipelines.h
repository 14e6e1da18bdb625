//===- Pipelines.h - calm end-to-end pass pipelines -------------*- C++ -*-===//

#ifndef CALM_PIPELINES_PIPELINES_H
#define CALM_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace calm {

struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  PassOptions::Option<unsigned> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("Elements per vector when vectorizing loops from linalg "
                     "ops (0 disables vectorization)"),
      llvm::cl::init(8)};
};

/// func/arith/scf/memref/tensor/linalg/vector/calm -> LLVM dialect:
/// elementwise tensor ops to linalg, one-shot bufferization across function
/// boundaries, buffer deallocation, linalg to affine loops, vectorization,
/// calm to arith, and conversion to LLVM.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// Registers `calm-cpu-pipeline`.
void registerCPUPipeline();

} // namespace calm
} // namespace mlir

#endif // CALM_PIPELINES_PIPELINES_H
