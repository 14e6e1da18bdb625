//===- GPUPipeline.cpp - calm-gpu-pipeline --------------------------------===//

#include "calm/Conversion/Passes.h"
#include "calm/Pipelines/Pipelines.h"
#include "calm/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/LLVMIR/Transforms/OptimizeForNVVM.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

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

namespace {

/// Finds a CUDA tool in the toolkit's bin/, then on PATH.
std::string findTool(StringRef toolkit, StringRef name) {
  SmallString<256> path(toolkit);
  llvm::sys::path::append(path, "bin", name);
  if (llvm::sys::fs::can_execute(path))
    return std::string(path);
  if (llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName(name))
    return *found;
  return "";
}

/// With several chips, gpu-module-to-binary (format=isa) leaves one PTX
/// object per chip in each gpu.binary, and the runtime would load only the
/// first. This assembles each with ptxas and packs the cubins, plus the PTX
/// of the newest chip for GPUs newer still, into one fatbin, from which the
/// driver picks the cubin of the device it runs on.
struct MultiChipFatbinPass
    : public PassWrapper<MultiChipFatbinPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MultiChipFatbinPass)

  MultiChipFatbinPass(std::string toolkit, unsigned optLevel)
      : toolkit(std::move(toolkit)), optLevel(optLevel) {}
  StringRef getArgument() const override {
    return "calm-gpu-multi-chip-fatbin";
  }

  void runOnOperation() override {
    std::string ptxas = findTool(toolkit, "ptxas");
    std::string fatbinary = findTool(toolkit, "fatbinary");
    if (ptxas.empty() || fatbinary.empty()) {
      getOperation().emitError("calm-gpu-pipeline: several chips need ptxas "
                               "and fatbinary (CUDA toolkit, looked in ")
          << toolkit << "/bin and PATH)";
      return signalPassFailure();
    }
    for (auto binary : getOperation().getOps<gpu::BinaryOp>())
      if (failed(merge(binary, ptxas, fatbinary)))
        return signalPassFailure();
  }

  LogicalResult merge(gpu::BinaryOp binary, StringRef ptxas,
                      StringRef fatbinary) {
    SmallVector<std::string> files;
    llvm::scope_exit cleanup([&] {
      for (const std::string &f : files)
        llvm::sys::fs::remove(f);
    });
    auto tempFile = [&](StringRef suffix) -> std::string {
      SmallString<128> path;
      if (llvm::sys::fs::createTemporaryFile("calm-gpu", suffix, path))
        return "";
      files.push_back(std::string(path));
      return files.back();
    };
    auto run = [&](StringRef program, ArrayRef<StringRef> args) {
      std::string message;
      if (llvm::sys::ExecuteAndWait(program, args, std::nullopt, {}, 0, 0,
                                    &message) == 0)
        return success();
      binary.emitError("calm-gpu-pipeline: ")
          << llvm::join(args, " ") << " failed" << (message.empty() ? "" : ": ")
          << message;
      return failure();
    };

    std::string fatbin = tempFile("fatbin");
    SmallVector<std::string> images;
    Attribute firstTarget;
    std::string newestPtx;
    int newest = -1;
    for (Attribute attr : binary.getObjects()) {
      auto object = cast<gpu::ObjectAttr>(attr);
      auto target = dyn_cast<NVVM::NVVMTargetAttr>(object.getTarget());
      if (!target || object.getFormat() != gpu::CompilationTarget::Assembly)
        return binary.emitError("calm-gpu-pipeline: expected NVVM PTX "
                                "objects to pack into a fatbin");
      if (!firstTarget)
        firstTarget = target;
      StringRef chip = target.getChip(); // sm_90, sm_90a, ...
      StringRef sm = chip.drop_front(3).take_while(llvm::isDigit);
      std::string ptx = tempFile("ptx"), cubin = tempFile("cubin");
      if (ptx.empty() || cubin.empty())
        return binary.emitError("calm-gpu-pipeline: no temporary files");
      {
        std::error_code ec;
        llvm::raw_fd_ostream out(ptx, ec);
        out << object.getObject().getValue();
      }
      std::string arch = ("-arch=" + chip).str();
      std::string opt = "-O" + std::to_string(optLevel);
      if (failed(run(ptxas, {ptxas, arch, opt, ptx, "-o", cubin})))
        return failure();
      images.push_back(("--image3=kind=elf,sm=" + sm + ",file=" + cubin).str());
      int number = 0;
      if (!sm.getAsInteger(10, number) && number > newest) {
        newest = number;
        newestPtx = ("--image3=kind=ptx,sm=" + sm + ",file=" + ptx).str();
      }
    }
    images.push_back(newestPtx);
    std::string create = "--create=" + fatbin;
    SmallVector<StringRef> args = {fatbinary, "-64", create};
    for (const std::string &image : images)
      args.push_back(image);
    if (failed(run(fatbinary, args)))
      return failure();
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> bytes =
        llvm::MemoryBuffer::getFile(fatbin, /*IsText=*/false);
    if (!bytes)
      return binary.emitError("calm-gpu-pipeline: cannot read ") << fatbin;
    MLIRContext *ctx = &getContext();
    auto object = gpu::ObjectAttr::get(
        ctx, firstTarget, gpu::CompilationTarget::Fatbin,
        StringAttr::get(ctx, (*bytes)->getBuffer()), nullptr, nullptr);
    binary.setObjectsAttr(ArrayAttr::get(ctx, {object}));
    return success();
  }

  std::string toolkit;
  unsigned optLevel;
};

} // namespace

void mlir::calm::buildGPUPipeline(OpPassManager &pm,
                                  const GPUPipelineOptions &options) {
  // Tensor level and bufferization as on the CPU; then every buffer a host
  // function handles is device memory (arguments too: the caller uploads).
  buildModelPreparation(pm, options.numerics);
  buildNumericsAndBufferization(pm);
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

  // One target per chip; each gpu.module is compiled for all of them.
  SmallVector<StringRef> chips;
  StringRef(options.chip).split(chips, ',', -1, /*KeepEmpty=*/false);
  for (StringRef chip : chips) {
    GpuNVVMAttachTargetOptions target;
    target.chip = chip.trim().str();
    target.features = options.features;
    target.optLevel = options.optLevel;
    pm.addPass(createGpuNVVMAttachTarget(target));
  }
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
  std::string toolkit = cudaToolkit(options.cudaPath);
  bool multiChipFatbin = chips.size() > 1 && options.format == "fatbin";
  binary.compilationTarget =
      multiChipFatbin ? std::string("isa") : std::string(options.format);
  binary.toolkitPath = toolkit;
  pm.addPass(createGpuModuleToBinaryPass(binary));
  if (multiChipFatbin)
    pm.addPass(
        std::make_unique<MultiChipFatbinPass>(toolkit, options.optLevel));
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
