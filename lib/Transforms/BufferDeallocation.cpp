//===- BufferDeallocation.cpp - deallocation that tolerates manual frees --===//

#include "calm/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CALMBUFFERDEALLOCATION
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;

namespace {
struct BufferDeallocationPass
    : public calm::impl::CALMBufferDeallocationBase<BufferDeallocationPass> {
  void runOnOperation() override {
    // Upstream's buffer-deallocation-pipeline, split so that its first half
    // runs per function (skipping hand-managed ones) and its lowering runs
    // on the module.
    OpPassManager perFunction(func::FuncOp::getOperationName());
    perFunction.addPass(
        bufferization::createOwnershipBasedBufferDeallocationPass());
    perFunction.addPass(createCanonicalizerPass());
    perFunction.addPass(
        bufferization::createBufferDeallocationSimplificationPass());

    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      bool freesByHand =
          func.walk([](memref::DeallocOp) { return WalkResult::interrupt(); })
              .wasInterrupted();
      if (freesByHand)
        continue;
      if (failed(runPipeline(perFunction, func)))
        return signalPassFailure();
    }

    OpPassManager lowering(ModuleOp::getOperationName());
    lowering.addPass(bufferization::createLowerDeallocationsPass());
    lowering.addPass(createCSEPass());
    lowering.addPass(createCanonicalizerPass());
    if (failed(runPipeline(lowering, getOperation())))
      signalPassFailure();
  }
};
} // namespace
