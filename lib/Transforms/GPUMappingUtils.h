//===- GPUMappingUtils.h - shared by the GPU host-side passes ---*- C++ -*-===//
//
// What calm-gpu-device-buffers, calm-gpu-map-loops and
// calm-gpu-finalize-launches agree on: which code is device code, which ops
// touch memory, and how loops map to blocks and threads.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_LIB_TRANSFORMS_GPUMAPPINGUTILS_H
#define CALM_LIB_TRANSFORMS_GPUMAPPINGUTILS_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::calm {

/// Whether `op` is inside a gpu.module.
bool isDeviceCode(Operation *op);

/// Whether `op` reads or writes the contents of a memref (not merely
/// allocates or frees one). gpu ops (memcpy, memset) are host-callable.
bool accessesMemRefContents(Operation *op);

/// Maps the dimensions of `loop` to block (or, with `threads`, thread) ids,
/// innermost to x; dimensions beyond the third from the inside run
/// sequentially.
void mapToHardware(scf::ParallelOp loop, bool threads);

/// Maps every dimension of `loop` to sequential execution.
void mapSequential(scf::ParallelOp loop);

/// Wraps `op` (no results) into a one-iteration scf.parallel mapped to one
/// block of one thread, so that it runs on the device.
void wrapInOneBlock(Operation *op);

} // namespace mlir::calm

#endif // CALM_LIB_TRANSFORMS_GPUMAPPINGUTILS_H
