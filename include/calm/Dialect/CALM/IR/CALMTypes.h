//===- CALMTypes.h - calm dialect types -------------------------*- C++ -*-===//

#ifndef CALM_DIALECT_CALM_IR_CALMTYPES_H
#define CALM_DIALECT_CALM_IR_CALMTYPES_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"

#define GET_TYPEDEF_CLASSES
#include "calm/Dialect/CALM/IR/CALMOpsTypes.h.inc"

#endif // CALM_DIALECT_CALM_IR_CALMTYPES_H
