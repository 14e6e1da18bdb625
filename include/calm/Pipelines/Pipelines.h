//===- Pipelines.h - calm end-to-end pass pipelines -------------*- C++ -*-===//

#ifndef CALM_PIPELINES_PIPELINES_H
#define CALM_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace calm {

struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  PassOptions::Option<std::string> numerics{
      *this, "numerics",
      llvm::cl::desc("Numerics of the contractions a model builder tagged "
                     "with calm.role, as calm-run --numerics spells it "
                     "(FORM[,ROLE=FORM...]; calm-assign-numerics); f32 "
                     "leaves them, and ops with calm.numerics keep theirs"),
      llvm::cl::init("f32")};
  PassOptions::Option<bool> ukernels{
      *this, "ukernels",
      llvm::cl::desc("Run linear layers over weight buffers marked "
                     "calm.weights in the calm microkernels, with the weights "
                     "at rest in their numerics form "
                     "(calm-contractions-to-ukernels; what calm-run runs)"),
      llvm::cl::init(false)};
  PassOptions::Option<unsigned> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("Elements per vector when vectorizing loops from linalg "
                     "ops (0 disables vectorization)"),
      llvm::cl::init(8)};
  PassOptions::Option<bool> polynomialExp{
      *this, "polynomial-exp",
      llvm::cl::desc("Compute f32 math.exp as a vector polynomial "
                     "(calm-polynomial-exp, at most 3 ulp); false: one libm "
                     "expf call per vector lane"),
      llvm::cl::init(true)};
};

/// func/arith/scf/memref/tensor/linalg/vector/calm -> LLVM dialect: the
/// model preparation below, elementwise tensor ops to linalg, one-shot
/// bufferization across function boundaries, buffer deallocation, linalg to
/// affine loops (scf loops in tiles), vectorization, calm to arith, and
/// conversion to LLVM. Tiled and packed programs (linalg.pack/unpack, mmt4d,
/// tensor.pad, vector.mask) are lowered too.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// What both pipelines run first on a model (the module `calm-run compile
/// --emit=mlir` prints): the CALM stage ops decomposed (calm-decompose) and
/// each tagged contraction's numerics chosen from `numerics`
/// (calm-assign-numerics). A no-op on a module with neither.
void buildModelPreparation(OpPassManager &pm, llvm::StringRef numerics);

/// The stages both pipelines run next: calm.numerics applied, elementwise
/// tensor ops as linalg, unit dims folded, then one-shot bufferization with
/// identity layouts at function boundaries and deallocation.
void buildNumericsAndBufferization(OpPassManager &pm);

/// Registers `calm-cpu-pipeline`.
void registerCPUPipeline();

struct GPUPipelineOptions : public PassPipelineOptions<GPUPipelineOptions> {
  PassOptions::Option<std::string> numerics{
      *this, "numerics",
      llvm::cl::desc("Numerics of the contractions a model builder tagged "
                     "with calm.role, as calm-run --numerics spells it "
                     "(FORM[,ROLE=FORM...]; calm-assign-numerics); f32 "
                     "leaves them, and ops with calm.numerics keep theirs"),
      llvm::cl::init("f32")};
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("NVIDIA targets, comma-separated (sm_80, sm_90, "
                     "sm_80,sm_90); with format=fatbin one binary holds a "
                     "cubin per chip plus PTX the driver JIT-compiles for "
                     "newer chips; with isa/bin the first chip's object is "
                     "loaded"),
      llvm::cl::init("sm_80,sm_90")};
  PassOptions::Option<std::string> features{
      *this, "features", llvm::cl::desc("PTX ISA version, as +ptxNN"),
      llvm::cl::init("+ptx80")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("Embedded kernel form: isa (PTX text, no CUDA toolkit "
                     "needed; the driver JIT-compiles it), bin (cubin, runs "
                     "ptxas), fatbin (cubin + PTX)"),
      llvm::cl::init("fatbin")};
  PassOptions::Option<std::string> cudaPath{
      *this, "cuda-path",
      llvm::cl::desc("CUDA toolkit (ptxas, fatbinary, libdevice); empty: "
                     "CUDA_HOME / CUDA_ROOT / CUDA_PATH or MLIR's default"),
      llvm::cl::init("")};
  PassOptions::Option<unsigned> optLevel{
      *this, "opt-level", llvm::cl::desc("NVPTX optimization level"),
      llvm::cl::init(3)};
  PassOptions::Option<unsigned> blockSize{*this, "block-size",
                                          llvm::cl::desc("Threads per block"),
                                          llvm::cl::init(256)};
};

/// func/arith/scf/memref/tensor/linalg/calm -> LLVM dialect host code that
/// launches kernels embedded as a gpu.binary (NVVM): the CPU pipeline's
/// tensor stages, bufferization into device memory, linalg to parallel
/// loops tiled onto blocks and threads, calm to arith, kernel outlining,
/// NVVM, and serialization with the NVPTX backend (and ptxas).
void buildGPUPipeline(OpPassManager &pm, const GPUPipelineOptions &options);

/// Registers `calm-gpu-pipeline`.
void registerGPUPipeline();

} // namespace calm
} // namespace mlir

#endif // CALM_PIPELINES_PIPELINES_H
