//===- IntegerOpBuilder.h - integer arith on one (shaped) type --*- C++ -*-===//
//
// Builds integer arith ops and splat constants of one integer type, scalar or
// shaped like a given value: the bit-level lowerings (L-Mul, fp8 casts) are
// written once for scalars, vectors and tensors with it.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_UTILS_INTEGEROPBUILDER_H
#define CALM_UTILS_INTEGEROPBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"

namespace mlir::calm {

class IntegerOpBuilder {
public:
  /// Integers of `width` bits, shaped like `like` when it is shaped.
  IntegerOpBuilder(OpBuilder &builder, Location loc, Type like, unsigned width)
      : b(builder), loc(loc), type(builder.getIntegerType(width)),
        width(width) {
    if (auto shaped = dyn_cast<ShapedType>(like))
      type = shaped.clone(type);
  }

  Type getType() const { return type; }

  /// A (splat) constant; `value` must fit the width unsigned.
  Value constant(uint64_t value) {
    auto attr =
        b.getIntegerAttr(getElementTypeOrSelf(type), APInt(width, value));
    if (auto shaped = dyn_cast<ShapedType>(type))
      return arith::ConstantOp::create(b, loc,
                                       DenseElementsAttr::get(shaped, attr));
    return arith::ConstantOp::create(b, loc, attr);
  }
  Value andI(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value orI(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value xorI(Value x, Value y) { return arith::XOrIOp::create(b, loc, x, y); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value shl(Value x, Value y) { return arith::ShLIOp::create(b, loc, x, y); }
  Value shrU(Value x, Value y) { return arith::ShRUIOp::create(b, loc, x, y); }
  Value minS(Value x, Value y) { return arith::MinSIOp::create(b, loc, x, y); }
  Value maxS(Value x, Value y) { return arith::MaxSIOp::create(b, loc, x, y); }
  Value minU(Value x, Value y) { return arith::MinUIOp::create(b, loc, x, y); }
  Value cmp(arith::CmpIPredicate pred, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, pred, x, y);
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, loc, cond, x, y);
  }

private:
  OpBuilder &b;
  Location loc;
  Type type;
  unsigned width;
};

} // namespace mlir::calm

#endif // CALM_UTILS_INTEGEROPBUILDER_H
