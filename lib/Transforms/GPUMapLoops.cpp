//===- GPUMapLoops.cpp - parallel loops to blocks and threads
//--------------===//
//
// calm-gpu-map-loops: outermost parallel loops tiled into blocks and
// threads with guards, so that launch sizes are constants.
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
#define GEN_PASS_DEF_CALMGPUMAPLOOPS
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;
using namespace mlir::calm;

namespace {

struct GPUMapLoopsPass
    : public calm::impl::CALMGPUMapLoopsBase<GPUMapLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (isDeviceCode(fn))
      return;
    if (blockSize == 0 || blockSize % 32 != 0) {
      fn.emitError("calm-gpu-map-loops: block-size must be a positive "
                   "multiple of 32, got ")
          << blockSize;
      return signalPassFailure();
    }
    wrapSequentialLoops(fn);

    SmallVector<scf::ParallelOp> roots;
    fn.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::LaunchOp>(op))
        return WalkResult::skip();
      if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
        if (!loop->hasAttr(gpu::getMappingAttrName()) &&
            loop.getInitVals().empty())
          roots.push_back(loop);
        return WalkResult::skip();
      }
      return WalkResult::advance();
    });

    for (scf::ParallelOp root : roots) {
      unsigned rank = root.getNumLoops();
      SmallVector<int64_t> tile(rank, 1);
      if (rank == 1) {
        tile[0] = blockSize;
      } else {
        tile[rank - 1] = 32;
        tile[rank - 2] = blockSize / 32;
      }
      // Guards instead of min bounds: convert-parallel-loops-to-gpu needs
      // constant trip counts for the thread dimensions.
      auto [outer, inner] =
          scf::tileParallelLoop(root, tile, /*noMinMaxBounds=*/true);
      mapToHardware(outer, /*threads=*/false);
      mapToHardware(inner, /*threads=*/true);
      inner.getBody()->walk([](scf::ParallelOp nested) {
        if (!nested->hasAttr(gpu::getMappingAttrName()))
          mapSequential(nested);
      });
    }
  }

  /// A host scf.for that accesses memory with no parallel loop inside would
  /// dereference device pointers on the host: run it as a one-thread kernel.
  void wrapSequentialLoops(func::FuncOp fn) {
    SmallVector<scf::ForOp> loops;
    fn.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<scf::ParallelOp, gpu::LaunchOp>(op))
        return WalkResult::skip();
      auto loop = dyn_cast<scf::ForOp>(op);
      if (!loop)
        return WalkResult::advance();
      bool hasParallel = false, touchesMemory = false;
      loop.walk([&](Operation *inner) {
        hasParallel |= isa<scf::ParallelOp>(inner);
        touchesMemory |= accessesMemRefContents(inner);
      });
      if (hasParallel)
        return WalkResult::advance();
      if (touchesMemory && loop->getNumResults() == 0)
        loops.push_back(loop);
      return WalkResult::skip();
    });
    for (scf::ForOp loop : loops)
      wrapInOneBlock(loop);
  }
};

} // namespace
