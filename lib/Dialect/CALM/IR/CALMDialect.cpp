//===- CALMDialect.cpp - calm dialect -------------------------------------===//

#include "calm/Dialect/CALM/IR/CALMDialect.h"
#include "calm/Dialect/CALM/IR/CALMAttrs.h"
#include "calm/Dialect/CALM/IR/CALMOps.h"
#include "calm/Dialect/CALM/IR/Numerics.h"
#include "calm/Dialect/CALM/IR/WeightsAtRest.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"

using namespace mlir;
using namespace mlir::calm;

#include "calm/Dialect/CALM/IR/CALMOpsDialect.cpp.inc"

void CALMDialect::initialize() {
  registerTypes();
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "calm/Dialect/CALM/IR/CALMOps.cpp.inc"
      >();
}

Operation *CALMDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                            Type type, Location loc) {
  return arith::ConstantOp::materialize(builder, value, type, loc);
}

LogicalResult CALMDialect::verifyOperationAttribute(Operation *op,
                                                    NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name == kExactAttrName) {
    if (!isa<UnitAttr>(attr.getValue()))
      return op->emitError() << "'" << name << "' must be a unit attribute";
    return success();
  }
  if (name == kNumericsAttrName) {
    if (!isa<NumericsAttr>(attr.getValue()))
      return op->emitError() << "'" << name
                             << "' must be a #calm.numerics attribute such as "
                                "#calm.numerics<lmul:4> or "
                                "#calm.numerics<f8e4m3/channel>";
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (!linalgOp || !linalg::isaContractionOpInterface(linalgOp))
      return op->emitError()
             << "'" << name
             << "' applies to linalg contractions (matmul, batch_matmul, "
                "matvec, vecmat, batch_matvec, dot, or a linalg.generic whose "
                "body multiplies and adds)";
    return success();
  }
  if (name == kRoleAttrName) {
    if (!isa<RoleAttr>(attr.getValue()))
      return op->emitError()
             << "'" << name << "' must be a #calm.role attribute, one of "
             << "#calm.role<" << llvm::join(getModelRoles(), ">, #calm.role<")
             << ">";
    return success();
  }
  if (name == kWeightAttrName) {
    if (!isa<StringAttr>(attr.getValue()) || !isa<memref::ViewOp>(op))
      return op->emitError() << "'" << name
                             << "' names the checkpoint tensor a memref.view "
                                "of a weight buffer reads (a string on "
                                "memref.view)";
    return success();
  }
  return op->emitError() << "unknown calm attribute '" << name << "'";
}

LogicalResult CALMDialect::verifyRegionArgAttribute(Operation *op,
                                                    unsigned region,
                                                    unsigned index,
                                                    NamedAttribute attr) {
  if (attr.getName() != kWeightsArgAttrName)
    return op->emitError() << "unknown calm argument attribute '"
                           << attr.getName().getValue() << "'";
  // Lowering to LLVM keeps argument attributes on pointer arguments, so only
  // a memref argument is held to the buffer type.
  Region &r = op->getRegion(region);
  auto memref = r.empty()
                    ? MemRefType()
                    : dyn_cast<MemRefType>(r.getArgument(index).getType());
  if (!isa<StringAttr>(attr.getValue()) ||
      (memref &&
       (memref.getRank() != 1 || !memref.getElementType().isInteger(8))))
    return op->emitError()
           << "'" << kWeightsArgAttrName
           << "' marks a weight buffer: a string on a memref<Nxi8> argument";
  return success();
}
