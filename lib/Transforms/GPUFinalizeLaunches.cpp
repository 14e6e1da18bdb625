//===- GPUFinalizeLaunches.cpp - globals into kernels
//----------------------===//
//
// calm-gpu-finalize-launches: global constants moved into the kernels that
// read them; host code that touches memory is an error.
//
//===----------------------------------------------------------------------===//

#include "GPUMappingUtils.h"
#include "calm/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CALMGPUFINALIZELAUNCHES
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;
using namespace mlir::calm;

namespace {

struct GPUFinalizeLaunchesPass
    : public calm::impl::CALMGPUFinalizeLaunchesBase<GPUFinalizeLaunchesPass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (isDeviceCode(fn))
      return;

    // Globals referenced from inside a kernel are read on the device: clone
    // the get_global into the launch so that outlining copies the global
    // into the gpu.module.
    fn.walk([](gpu::LaunchOp launch) {
      OpBuilder b = OpBuilder::atBlockBegin(&launch.getBody().front());
      DenseMap<Operation *, Value> cloned;
      launch.getBody().walk([&](Operation *op) {
        for (OpOperand &use : op->getOpOperands()) {
          auto global = use.get().getDefiningOp<memref::GetGlobalOp>();
          if (!global || launch->isAncestor(global))
            continue;
          Value &local = cloned[global];
          if (!local)
            local = b.clone(*global)->getResult(0);
          use.set(local);
        }
      });
    });

    bool failed = false;
    fn.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::LaunchOp>(op))
        return WalkResult::skip();
      if (accessesMemRefContents(op)) {
        op->emitOpError("accesses memory outside a GPU kernel: "
                        "calm-gpu-pipeline keeps every buffer in device "
                        "memory, which the host cannot read");
        failed = true;
      }
      return WalkResult::advance();
    });
    if (failed)
      signalPassFailure();
  }
};

} // namespace
