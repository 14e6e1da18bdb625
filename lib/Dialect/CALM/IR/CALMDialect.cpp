//===- CALMDialect.cpp - calm dialect -------------------------------------===//

#include "calm/Dialect/CALM/IR/CALMDialect.h"
#include "calm/Dialect/CALM/IR/CALMOps.h"

using namespace mlir;
using namespace mlir::calm;

#include "calm/Dialect/CALM/IR/CALMOpsDialect.cpp.inc"

void CALMDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "calm/Dialect/CALM/IR/CALMOps.cpp.inc"
      >();
}

Operation *CALMDialect::materializeConstant(OpBuilder &builder,
                                            Attribute value, Type type,
                                            Location loc) {
  return arith::ConstantOp::materialize(builder, value, type, loc);
}
