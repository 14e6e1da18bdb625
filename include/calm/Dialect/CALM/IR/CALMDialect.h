//===- CALMDialect.h - calm dialect -----------------------------*- C++ -*-===//

#ifndef CALM_DIALECT_CALM_IR_CALMDIALECT_H
#define CALM_DIALECT_CALM_IR_CALMDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Dialect.h"

#include "calm/Dialect/CALM/IR/CALMOpsDialect.h.inc"

namespace mlir::calm {
/// Unit attribute that exempts an `arith.mulf` from every calm rewrite.
constexpr llvm::StringLiteral kExactAttrName = "calm.exact";
/// Discardable #calm.role attribute naming a contraction's role in a model,
/// for calm-assign-numerics.
constexpr llvm::StringLiteral kRoleAttrName = "calm.role";
/// The spellings of the roles (calm::Role), for selections and messages.
llvm::ArrayRef<llvm::StringRef> getModelRoles();
} // namespace mlir::calm

#endif // CALM_DIALECT_CALM_IR_CALMDIALECT_H
