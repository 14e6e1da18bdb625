//===- VectorizeElementwise.cpp - unmasked vectorization of elementwise ops
//===//
//
//   linalg.generic {all parallel, identity maps} ins(%a, %b) outs(%c) {body}
// becomes, for an N-d iteration space with innermost extent n:
//   scf.for over the outer dims {
//     scf.for %i = 0 to n - n mod W step W {   // vector.load, vector body,
//     }                                         // vector.store
//     scf.for %i = n - n mod W to n {           // scalar body
//     }
//   }
//
//===----------------------------------------------------------------------===//

#include "calm/Transforms/BodyWidening.h"
#include "calm/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CALMVECTORIZEELEMENTWISE
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;

namespace {

/// Whether `op` is the shape of generic this pass handles.
bool isSupported(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() == 0)
    return false;
  if (op.getNumParallelLoops() != op.getNumLoops())
    return false;
  for (AffineMap map : op.getIndexingMapsArray())
    if (!map.isIdentity())
      return false;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !type.isLastDimUnitStride() ||
        !calm::isVectorizableElement(type.getElementType()))
      return false;
  }
  for (Operation &bodyOp : op.getBody()->without_terminator())
    if (!calm::isWidenableBodyOp(bodyOp, op.getBody()))
      return false;
  return true;
}

class Vectorizer {
public:
  Vectorizer(RewriterBase &rewriter, linalg::GenericOp op, unsigned width)
      : rewriter(rewriter), op(op), loc(op.getLoc()), width(width) {}

  void run() {
    rewriter.setInsertionPoint(op);
    Value first = op->getOperand(0);
    int64_t rank = op.getNumLoops();
    SmallVector<Value> ivs;
    emitOuter(first, rank, 0, ivs);
    rewriter.eraseOp(op);
  }

private:
  Value index(int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v);
  }

  void emitOuter(Value shapeSource, int64_t rank, int64_t dim,
                 SmallVector<Value> &ivs) {
    Value extent = memref::DimOp::create(rewriter, loc, shapeSource, dim);
    if (dim + 1 < rank) {
      auto loop = scf::ForOp::create(rewriter, loc, index(0), extent, index(1));
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(loop.getBody());
      ivs.push_back(loop.getInductionVar());
      emitOuter(shapeSource, rank, dim + 1, ivs);
      ivs.pop_back();
      return;
    }
    // Innermost: vector main loop up to n - n mod W, then scalars.
    Value w = index(width);
    Value rem = arith::RemUIOp::create(rewriter, loc, extent, w);
    Value mainEnd = arith::SubIOp::create(rewriter, loc, extent, rem);
    {
      auto loop = scf::ForOp::create(rewriter, loc, index(0), mainEnd, w);
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(loop.getBody());
      ivs.push_back(loop.getInductionVar());
      emitBody(ivs, /*vector=*/true);
      ivs.pop_back();
    }
    {
      auto loop = scf::ForOp::create(rewriter, loc, mainEnd, extent, index(1));
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(loop.getBody());
      ivs.push_back(loop.getInductionVar());
      emitBody(ivs, /*vector=*/false);
      ivs.pop_back();
    }
  }

  void emitBody(ArrayRef<Value> ivs, bool vector) {
    Block *body = op.getBody();
    calm::BodyWidener widener(rewriter, loc, width);
    for (OpOperand &operand : op->getOpOperands()) {
      BlockArgument arg = body->getArgument(operand.getOperandNumber());
      if (arg.use_empty())
        continue;
      Value mem = operand.get();
      Value loaded =
          vector ? vector::LoadOp::create(
                       rewriter, loc, widener.vectorOf(arg.getType()), mem, ivs)
                       .getResult()
                 : memref::LoadOp::create(rewriter, loc, mem, ivs).getResult();
      widener.mapArgument(arg, loaded, vector);
    }
    for (Operation &bodyOp : body->without_terminator())
      widener.emit(bodyOp, vector);
    auto yield = cast<linalg::YieldOp>(body->getTerminator());
    for (auto [yielded, init] :
         llvm::zip(yield.getValues(), op.getDpsInits())) {
      Value value = widener.lookup(yielded, vector);
      if (vector)
        vector::StoreOp::create(rewriter, loc, value, init, ivs);
      else
        memref::StoreOp::create(rewriter, loc, value, init, ivs);
    }
  }

  RewriterBase &rewriter;
  linalg::GenericOp op;
  Location loc;
  unsigned width;
};

struct VectorizeElementwisePass
    : public calm::impl::CALMVectorizeElementwiseBase<
          VectorizeElementwisePass> {
  using Base::Base;
  void runOnOperation() override {
    if (vectorWidth < 1) {
      emitError(getOperation().getLoc(),
                "calm-vectorize-elementwise: vector-width must be at least 1");
      return signalPassFailure();
    }
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) {
      if (isSupported(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : ops)
      Vectorizer(rewriter, op, vectorWidth).run();
  }
};

} // namespace
