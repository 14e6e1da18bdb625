//===- GPUPipeline.cpp - calm-gpu-pipeline --------------------------------===//

#include "calm/Conversion/Passes.h"
#include "calm/Pipelines/Pipelines.h"
#include "calm/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/Transforms/OptimizeForNVVM.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <cstdlib>

using namespace mlir;

/// The toolkit gpu-module-to-binary runs ptxas/fatbinary from and links
/// libdevice (math functions) out of. MLIR looks at CUDA_ROOT, CUDA_HOME
/// and CUDA_PATH itself; we add the usual install prefix as a last resort.
static std::string cudaToolkit(const std::string &option) {
  if (!option.empty())
    return option;
  for (const char *var : {"CUDA_ROOT", "CUDA_HOME", "CUDA_PATH"})
    if (const char *value = std::getenv(var); value && *value)
      return value;
  return "/usr/local/cuda";
}

void mlir::calm::buildGPUPipeline(OpPassManager &pm,
                                  const GPUPipelineOptions &options) {
  // Tensor level, as on the CPU: per-op numerics, elementwise ops to
  // linalg, unit dims folded.
  pm.addPass(calm::createCALMApplyNumerics());
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addPass(createLinalgFoldUnitExtentDimsPass());
  pm.addPass(createCanonicalizerPass());

  // Bufferization with identity layouts at the ABI; every buffer a host
  // function handles is device memory (arguments too: the caller uploads).
  bufferization::OneShotBufferizePassOptions bufferizeOptions;
  bufferizeOptions.bufferizeFunctionBoundaries = true;
  bufferizeOptions.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferizeOptions));
  pm.addPass(calm::createCALMBufferDeallocation());
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(calm::createCALMGPUDeviceBuffers());

  // linalg -> scf.parallel over the parallel dims (reductions stay scf.for
  // inside each thread) -> tiles on blocks and threads -> gpu.launch. No
  // canonicalization in between: it would fold the one-iteration loops that
  // calm-gpu-map-loops made for sequential code.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  calm::CALMGPUMapLoopsOptions mapOptions;
  mapOptions.blockSize = options.blockSize;
  pm.addNestedPass<func::FuncOp>(calm::createCALMGPUMapLoops(mapOptions));
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  pm.addNestedPass<func::FuncOp>(calm::createCALMGPUFinalizeLaunches());

  // calm.lmul becomes an integer add; fp8/bf16 casts become integer bit
  // manipulation (NVVM has no lowering for f8 arith.extf/truncf).
  pm.addPass(calm::createConvertCALMToArith());
  pm.addPass(calm::createCALMExpandFloatCasts());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // Kernels and host to LLVM/NVVM. This follows upstream's
  // gpu-lower-to-nvvm-pipeline, which exposes neither the toolkit path nor
  // the block-size-independent pieces we need.
  // Constants and index math hoisted out of the launches by canonicalization
  // go back in; otherwise each becomes a kernel argument (MLIR 22 no longer
  // sinks them during outlining).
  pm.addNestedPass<func::FuncOp>(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  // Launches, allocations and frees become async ops chained on one stream
  // per function call, synchronized at the end. gpu-to-llvm has no lowering
  // for the synchronous gpu.alloc/gpu.dealloc (MLIR 22 leaves them, and
  // translation to LLVM IR then fails).
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertNVVMToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());

  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features;
  target.optLevel = options.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(target));
  pm.addPass(createLowerAffinePass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  pm.addNestedPass<gpu::GPUModuleOp>(createStripDebugInfoPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps());
  pm.addNestedPass<gpu::GPUModuleOp>(LLVM::createNVVMOptimizeForTargetPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCSEPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());

  pm.addPass(createGpuToLLVMConversionPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  binary.toolkitPath = cudaToolkit(options.cudaPath);
  pm.addPass(createGpuModuleToBinaryPass(binary));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::calm::registerGPUPipeline() {
  PassPipelineRegistration<GPUPipelineOptions>(
      "calm-gpu-pipeline",
      "Lower func/arith/scf/memref/tensor/linalg/calm to LLVM dialect host "
      "code launching NVVM kernels embedded as a gpu.binary (mgpu* runtime "
      "calls, libcalm_cuda_runtime)",
      buildGPUPipeline);
}
