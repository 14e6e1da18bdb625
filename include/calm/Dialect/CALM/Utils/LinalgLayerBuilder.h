//===- LinalgLayerBuilder.h - neural-network layers as linalg ---*- C++ -*-===//
//
// Builds the layers of the CALM models (linear, RMSNorm, LayerNorm, SiLU,
// embedding lookup, softmax, reshapes) as linalg ops on f32 tensors. Used by
// calm-decompose to lower the stage ops and by the runtime's model builder for
// the backbone, so that both produce the same IR shapes for the same layer.
//
// Activations are rank-2 [rows, features] with a possibly dynamic row count.
// Every contraction is a linalg.generic tagged with its `calm.role`, so that
// numerics can be chosen per role later (calm-assign-numerics).
//
//===----------------------------------------------------------------------===//

#ifndef CALM_DIALECT_CALM_UTILS_LINALGLAYERBUILDER_H
#define CALM_DIALECT_CALM_UTILS_LINALGLAYERBUILDER_H

#include "calm/Dialect/CALM/IR/CALMAttrs.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"

namespace mlir::calm {

class LinalgLayerBuilder {
public:
  LinalgLayerBuilder(OpBuilder &builder, Location loc)
      : b(builder), loc(loc) {}

  /// tensor.empty of f32 (or `element`) with static or dynamic `sizes`.
  Value empty(ArrayRef<OpFoldResult> sizes, Type element = {});
  /// Size of dimension `dim` of a tensor, as an attribute when static.
  OpFoldResult dim(Value tensor, int64_t dim);
  Value constantF32(double value);
  Value constantIndex(int64_t value);

  /// x [M, in] times w [out, in] transposed, plus bias [out] when given:
  /// [M, out]. The contraction carries `calm.role = role`.
  Value linear(Value x, Value w, Value bias, Role role);
  /// RMSNorm over the last dim: x * rsqrt(mean(x^2) + eps) * w.
  Value rmsNorm(Value x, Value w, double eps);
  /// LayerNorm over the last dim (biased variance).
  Value layerNorm(Value x, Value w, Value bias, double eps);
  /// x * sigmoid(x), elementwise.
  Value silu(Value x);
  /// silu(gate) * up, elementwise (the gated MLPs).
  Value siluMul(Value gate, Value up);
  Value add(Value lhs, Value rhs);
  /// Rows of `table` [V, d] picked by ids [M] (i32): [M, d]. Ids are clamped
  /// to [0, V) so that a bad id can never read outside the table; callers
  /// validate ids before.
  Value gather(Value table, Value ids);
  /// Softmax over the last dim of a rank-2 tensor.
  Value softmax(Value x);
  /// Columns [offset, offset + size) of a rank-2 tensor.
  Value columns(Value x, int64_t offset, int64_t size);
  /// [M, a] and [M, b] side by side: [M, a + b].
  Value concatColumns(Value lhs, Value rhs);
  /// Reshape keeping the element order (collapse to 1-D, expand to `shape`;
  /// at most one dynamic size, given by `dynamicSize`).
  Value reshape(Value x, ArrayRef<int64_t> shape, Value dynamicSize = {});

  OpBuilder &getBuilder() { return b; }
  Location getLoc() { return loc; }

  /// How an operand of `elementwise` maps onto the [M, d] iteration space.
  enum class Broadcast { None, PerColumn /*[d]*/, PerRow /*[M]*/ };
  /// An elementwise generic shaped like the first operand (which must be
  /// [M, d]); `fn` gets one scalar per operand.
  Value elementwise(ArrayRef<std::pair<Value, Broadcast>> ins,
                    function_ref<Value(OpBuilder &, Location, ValueRange)> fn);

private:
  /// Per-row sum of squares of a rank-2 tensor ([M]).
  Value sumOfSquares(Value x);
  /// Per-row reduction of a rank-2 tensor: init value and combiner.
  Value reduceRows(Value x, double init,
                   function_ref<Value(OpBuilder &, Location, Value, Value)> fn);

  OpBuilder &b;
  Location loc;
};

} // namespace mlir::calm

#endif // CALM_DIALECT_CALM_UTILS_LINALGLAYERBUILDER_H
