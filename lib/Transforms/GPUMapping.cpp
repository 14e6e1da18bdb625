//===- GPUMapping.cpp - buffers, loop mapping and launches for the GPU ----===//
//
// The host side of calm-gpu-pipeline: device buffers, parallel loops tiled
// into blocks and threads, global constants moved into kernels.
//
//===----------------------------------------------------------------------===//

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
#define GEN_PASS_DEF_CALMGPUMAPLOOPS
#define GEN_PASS_DEF_CALMGPUFINALIZELAUNCHES
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;

namespace {

bool isDeviceCode(Operation *op) {
  return op->getParentOfType<gpu::GPUModuleOp>() != nullptr;
}

/// Whether `op` reads or writes the contents of a memref (not merely
/// allocates or frees one). gpu ops (memcpy, memset) are host-callable.
bool accessesMemRefContents(Operation *op) {
  if (isa_and_nonnull<gpu::GPUDialect>(op->getDialect()))
    return false;
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects)
    return false;
  SmallVector<MemoryEffects::EffectInstance> instances;
  effects.getEffects(instances);
  return llvm::any_of(instances, [](const MemoryEffects::EffectInstance &e) {
    return isa<MemoryEffects::Read, MemoryEffects::Write>(e.getEffect()) &&
           e.getValue() && isa<BaseMemRefType>(e.getValue().getType());
  });
}

/// Maps the dimensions of `loop` to block or thread ids, innermost to x;
/// dimensions beyond the third from the inside run sequentially.
void mapToHardware(scf::ParallelOp loop, bool threads) {
  MLIRContext *ctx = loop.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  unsigned rank = loop.getNumLoops();
  SmallVector<gpu::ParallelLoopDimMappingAttr> mapping;
  for (unsigned d = 0; d < rank; ++d) {
    unsigned fromInner = rank - 1 - d;
    gpu::Processor processor = gpu::Processor::Sequential;
    if (fromInner < 3)
      processor = static_cast<gpu::Processor>(
          static_cast<unsigned>(threads ? gpu::Processor::ThreadX
                                        : gpu::Processor::BlockX) +
          fromInner);
    mapping.push_back(
        gpu::ParallelLoopDimMappingAttr::get(ctx, processor, id, id));
  }
  (void)gpu::setMappingAttr(loop, mapping);
}

void mapSequential(scf::ParallelOp loop) {
  MLIRContext *ctx = loop.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  SmallVector<gpu::ParallelLoopDimMappingAttr> mapping(
      loop.getNumLoops(), gpu::ParallelLoopDimMappingAttr::get(
                              ctx, gpu::Processor::Sequential, id, id));
  (void)gpu::setMappingAttr(loop, mapping);
}

/// Wraps `op` (no results) into a one-iteration scf.parallel mapped to one
/// block of one thread, so that it runs on the device.
void wrapInOneBlock(Operation *op) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto wrapper = scf::ParallelOp::create(b, loc, ValueRange{zero},
                                         ValueRange{one}, ValueRange{one});
  op->moveBefore(wrapper.getBody()->getTerminator());
  mapToHardware(wrapper, /*threads=*/false);
}

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
