//===- Passes.h - calm rewrite passes ---------------------------*- C++ -*-===//

#ifndef CALM_TRANSFORMS_PASSES_H
#define CALM_TRANSFORMS_PASSES_H

#include "calm/Dialect/CALM/IR/CALMDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::calm {

#define GEN_PASS_DECL
#include "calm/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "calm/Transforms/Passes.h.inc"

} // namespace mlir::calm

#endif // CALM_TRANSFORMS_PASSES_H
