//===- CALMAttrs.h - calm dialect attributes --------------------*- C++ -*-===//
//
// #calm.role<ROLE> and #calm.numerics<FORM>, and the names of the
// discardable attributes that carry them on linalg contractions.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_DIALECT_CALM_IR_CALMATTRS_H
#define CALM_DIALECT_CALM_IR_CALMATTRS_H

#include "calm/Dialect/CALM/IR/Numerics.h"

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/Hashing.h"

#include "calm/Dialect/CALM/IR/CALMEnums.h.inc"

namespace mlir::calm {
/// Lets a Numerics be an attribute parameter.
inline llvm::hash_code hash_value(const Numerics &numerics) {
  return llvm::hash_combine(numerics.kind, numerics.mantissaBits,
                            numerics.granularity);
}
} // namespace mlir::calm

#define GET_ATTRDEF_CLASSES
#include "calm/Dialect/CALM/IR/CALMAttrs.h.inc"

#endif // CALM_DIALECT_CALM_IR_CALMATTRS_H
