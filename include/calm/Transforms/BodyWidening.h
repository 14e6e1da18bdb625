//===- BodyWidening.h - scalar linalg bodies as vector code -----*- C++ -*-===//
//
// The vectorization passes rewrite a linalg.generic body, op by op, on
// vectors of `width` lanes: ops with a varying operand (one derived from a
// loaded block argument) are recreated with vector result types; the others
// (loop-invariant scalars) are cloned and broadcast where a vector is needed.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_TRANSFORMS_BODYWIDENING_H
#define CALM_TRANSFORMS_BODYWIDENING_H

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::calm {

/// Byte-sized integer or float scalars: i1 memory holds a byte per element
/// while a vector<Nxi1> is bit-packed, and index has no fixed width.
bool isVectorizableElement(Type type);

/// Whether `bodyOp` (inside a generic's body) can be widened: pure, no
/// regions, no linalg.index, vectorizable results, and elementwise-mappable
/// unless all its operands are defined outside `body`.
bool isWidenableBodyOp(Operation &bodyOp, Block *body);

class BodyWidener {
public:
  BodyWidener(RewriterBase &rewriter, Location loc, unsigned width)
      : rewriter(rewriter), loc(loc), width(width) {}

  VectorType vectorOf(Type t) const;
  /// A loop-invariant scalar used where a vector is expected.
  Value broadcast(Value v);
  /// Maps a block argument to its loaded value; `isVector` marks it varying.
  void mapArgument(Value arg, Value loaded, bool isVector);
  /// Emits `bodyOp` (vector form when `vector` and an operand varies).
  void emit(Operation &bodyOp, bool vector);
  /// The emitted value of a body value; broadcast to a vector when `vector`
  /// and the value does not vary.
  Value lookup(Value v, bool vector);

private:
  RewriterBase &rewriter;
  Location loc;
  unsigned width;
  IRMapping map;
  DenseSet<Value> varying;
};

} // namespace mlir::calm

#endif // CALM_TRANSFORMS_BODYWIDENING_H
