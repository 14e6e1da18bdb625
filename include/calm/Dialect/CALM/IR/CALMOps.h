//===- CALMOps.h - calm dialect operations ----------------------*- C++ -*-===//

#ifndef CALM_DIALECT_CALM_IR_CALMOPS_H
#define CALM_DIALECT_CALM_IR_CALMOPS_H

#include "calm/Dialect/CALM/IR/CALMDialect.h"
#include "calm/Dialect/CALM/IR/CALMTypes.h"
#include "calm/Dialect/CALM/IR/StageWeights.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/VectorInterfaces.h"

#define GET_OP_CLASSES
#include "calm/Dialect/CALM/IR/CALMOps.h.inc"

#endif // CALM_DIALECT_CALM_IR_CALMOPS_H
