//===- GPUDeviceBuffers.cpp - buffers in device memory
//---------------------===//
//
// calm-gpu-device-buffers: allocations on the device, copies as linalg
// copies, and work without parallel loops wrapped to run on the device.
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
#define GEN_PASS_DEF_CALMGPUDEVICEBUFFERS
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;
using namespace mlir::calm;

namespace {

struct GPUDeviceBuffersPass
    : public calm::impl::CALMGPUDeviceBuffersBase<GPUDeviceBuffersPass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (isDeviceCode(fn))
      return;
    SmallVector<Operation *> ops;
    fn.walk([&](Operation *op) {
      if (isa<memref::AllocOp, memref::DeallocOp, memref::CopyOp>(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (Operation *op : ops) {
      rewriter.setInsertionPoint(op);
      Location loc = op->getLoc();
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        auto device = gpu::AllocOp::create(
            rewriter, loc, alloc.getType(), /*asyncToken=*/Type(),
            /*asyncDependencies=*/ValueRange(), alloc.getDynamicSizes(),
            alloc.getSymbolOperands(), /*hostShared=*/false);
        rewriter.replaceOp(alloc, device.getMemref());
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        gpu::DeallocOp::create(rewriter, loc, /*asyncToken=*/Type(),
                               /*asyncDependencies=*/ValueRange(),
                               dealloc.getMemref());
        rewriter.eraseOp(dealloc);
      } else {
        auto copy = cast<memref::CopyOp>(op);
        linalg::CopyOp::create(rewriter, loc, copy.getSource(),
                               copy.getTarget());
        rewriter.eraseOp(copy);
      }
    }

    // Parallel dimensions first: a reduction loop outside a parallel one
    // (per-column scales, reductions over rows) would stay on the host and
    // launch one kernel per iteration. The reductions keep their relative
    // order, so each output accumulates in the same order as before.
    SmallVector<linalg::GenericOp> generics;
    fn.walk([&](linalg::GenericOp op) {
      if (op.hasPureBufferSemantics())
        generics.push_back(op);
    });
    for (linalg::GenericOp op : generics) {
      SmallVector<unsigned> order, reductions;
      for (auto [i, type] : llvm::enumerate(op.getIteratorTypesArray()))
        (linalg::isParallelIterator(type) ? order : reductions).push_back(i);
      order.append(reductions);
      if (llvm::is_sorted(order))
        continue;
      rewriter.setInsertionPoint(op);
      if (failed(linalg::interchangeGenericOp(rewriter, op, order))) {
        op.emitOpError("could not move parallel loops outermost");
        return signalPassFailure();
      }
    }

    // A linalg op with no parallel dimension (a fill of a 0-d buffer, a
    // reduction to a scalar, such as a per-tensor quantization scale) lowers
    // to host code: give it a one-iteration parallel loop on one block.
    SmallVector<linalg::LinalgOp> scalarOps;
    fn.walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics() && op.getNumParallelLoops() == 0 &&
          !op->getParentOfType<scf::ParallelOp>())
        scalarOps.push_back(op);
    });
    for (linalg::LinalgOp op : scalarOps)
      wrapInOneBlock(op);
  }
};

} // namespace
