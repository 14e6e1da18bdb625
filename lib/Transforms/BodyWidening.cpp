//===- BodyWidening.cpp - scalar linalg bodies as vector code -------------===//

#include "calm/Transforms/BodyWidening.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace mlir::calm;

bool mlir::calm::isVectorizableElement(Type type) {
  if (!isa<IntegerType, FloatType>(type))
    return false;
  unsigned bits = type.getIntOrFloatBitWidth();
  return bits >= 8 && llvm::isPowerOf2_32(bits);
}

bool mlir::calm::isWidenableBodyOp(Operation &bodyOp, Block *body) {
  if (bodyOp.getNumRegions() != 0 || !isMemoryEffectFree(&bodyOp))
    return false;
  if (isa<linalg::IndexOp>(bodyOp))
    return false;
  for (Type t : bodyOp.getResultTypes())
    if (!isVectorizableElement(t) && !t.isInteger(1))
      return false;
  bool uniform = llvm::none_of(bodyOp.getOperands(), [&](Value v) {
    return v.getParentBlock() == body;
  });
  return uniform || OpTrait::hasElementwiseMappableTraits(&bodyOp);
}

VectorType BodyWidener::vectorOf(Type t) const {
  return VectorType::get({int64_t(width)}, t);
}

Value BodyWidener::broadcast(Value v) {
  return vector::BroadcastOp::create(rewriter, loc, vectorOf(v.getType()), v);
}

void BodyWidener::mapArgument(Value arg, Value loaded, bool isVector) {
  map.map(arg, loaded);
  if (isVector)
    varying.insert(arg);
}

void BodyWidener::emit(Operation &bodyOp, bool vector) {
  bool isVarying = llvm::any_of(bodyOp.getOperands(),
                                [&](Value v) { return varying.contains(v); });
  if (!vector || !isVarying) {
    rewriter.clone(bodyOp, map);
    return;
  }
  SmallVector<Value> operands;
  for (Value v : bodyOp.getOperands())
    operands.push_back(lookup(v, /*vector=*/true));
  OperationState state(bodyOp.getLoc(), bodyOp.getName());
  state.addOperands(operands);
  for (Type t : bodyOp.getResultTypes())
    state.addTypes(vectorOf(t));
  state.addAttributes(bodyOp.getAttrs());
  Operation *widened = rewriter.create(state);
  for (auto [from, to] :
       llvm::zip(bodyOp.getResults(), widened->getResults())) {
    map.map(from, to);
    varying.insert(from);
  }
}

Value BodyWidener::lookup(Value v, bool vector) {
  Value mapped = map.lookupOrDefault(v);
  return vector && !varying.contains(v) ? broadcast(mapped) : mapped;
}
