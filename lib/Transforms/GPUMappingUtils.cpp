//===- GPUMappingUtils.cpp - shared by the GPU host-side passes -----------===//

#include "GPUMappingUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

bool mlir::calm::isDeviceCode(Operation *op) {
  return op->getParentOfType<gpu::GPUModuleOp>() != nullptr;
}

/// Whether `op` reads or writes the contents of a memref (not merely
/// allocates or frees one). gpu ops (memcpy, memset) are host-callable.
bool mlir::calm::accessesMemRefContents(Operation *op) {
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
void mlir::calm::mapToHardware(scf::ParallelOp loop, bool threads) {
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

void mlir::calm::mapSequential(scf::ParallelOp loop) {
  MLIRContext *ctx = loop.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  SmallVector<gpu::ParallelLoopDimMappingAttr> mapping(
      loop.getNumLoops(), gpu::ParallelLoopDimMappingAttr::get(
                              ctx, gpu::Processor::Sequential, id, id));
  (void)gpu::setMappingAttr(loop, mapping);
}

/// Wraps `op` (no results) into a one-iteration scf.parallel mapped to one
/// block of one thread, so that it runs on the device.
void mlir::calm::wrapInOneBlock(Operation *op) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto wrapper = scf::ParallelOp::create(b, loc, ValueRange{zero},
                                         ValueRange{one}, ValueRange{one});
  op->moveBefore(wrapper.getBody()->getTerminator());
  mapToHardware(wrapper, /*threads=*/false);
}
