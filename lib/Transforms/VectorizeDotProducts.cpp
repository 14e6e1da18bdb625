//===- VectorizeDotProducts.cpp - contractions as register dot products ---===//
//
//   linalg.generic {parallel dims P, one reduction r} ins(%a, %b) outs(%c)
//     ^bb0(%x, %y, %out): %t = f(%x, %y); %s = add %out, %t; yield %s
// with r the innermost dim of %a and %b and absent from %c becomes
//   scf.for over P (the larger input's dims outermost) {
//     4 vector accumulators over r, W lanes each, step 4W; then one, step W;
//     vector.reduction; then the scalar remainder;
//     %c[...] = add(%c[...], sum)
//   }
//
//===----------------------------------------------------------------------===//

#include "calm/Transforms/BodyWidening.h"
#include "calm/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CALMVECTORIZEDOTPRODUCTS
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;

namespace {

/// Slices of the reduction one output element runs at once.
constexpr unsigned kAccumulators = 4;
/// Output elements along the innermost parallel dim computed together.
constexpr int64_t kRows = 4;

struct DotProduct {
  linalg::GenericOp op;
  unsigned reduction;
  /// Parallel loop dims, outermost first.
  SmallVector<unsigned> order;
  /// The yielded `add(out, term)`.
  Operation *accumulate;
  Value term;
};

std::optional<unsigned> dimOf(AffineExpr e) {
  if (auto d = dyn_cast<AffineDimExpr>(e))
    return d.getPosition();
  return std::nullopt;
}

std::optional<DotProduct> match(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 1)
    return std::nullopt;
  DotProduct dot{op, 0, {}, nullptr, {}};
  auto iterators = op.getIteratorTypesArray();
  for (unsigned i = 0; i < iterators.size(); ++i)
    if (iterators[i] == utils::IteratorType::reduction)
      dot.reduction = i;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!llvm::all_of(maps,
                    [](AffineMap m) { return m.isProjectedPermutation(); }))
    return std::nullopt;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = maps[in->getOperandNumber()];
    auto type = dyn_cast<MemRefType>(in->get().getType());
    if (map.getNumResults() == 0 ||
        dimOf(map.getResults().back()) != dot.reduction || !type ||
        !type.isLastDimUnitStride() ||
        !calm::isVectorizableElement(type.getElementType()))
      return std::nullopt;
  }
  AffineMap outMap = maps[2];
  if (outMap.isFunctionOfDim(dot.reduction) ||
      !isa<MemRefType>(op.getDpsInits()[0].getType()))
    return std::nullopt;

  // The body: yield(add(out, term)), out used only there.
  Block *body = op.getBody();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  BlockArgument out = body->getArgument(2);
  Operation *acc = yield.getValues()[0].getDefiningOp();
  if (!acc || acc->getBlock() != body ||
      !isa<arith::AddFOp, arith::AddIOp>(acc) || !out.hasOneUse() ||
      !acc->getResult(0).hasOneUse())
    return std::nullopt;
  if (acc->getOperand(0) == out)
    dot.term = acc->getOperand(1);
  else if (acc->getOperand(1) == out)
    dot.term = acc->getOperand(0);
  else
    return std::nullopt;
  dot.accumulate = acc;
  if (!calm::isVectorizableElement(dot.term.getType()))
    return std::nullopt;
  for (Operation &bodyOp : body->without_terminator())
    if (&bodyOp != acc && !calm::isWidenableBodyOp(bodyOp, body))
      return std::nullopt;

  // Loop order: the parallel dims of the input that has more of them (the
  // weights of x . W^T; ties go to the second input) outermost.
  auto parallelDims = [&](AffineMap map) {
    SmallVector<unsigned> dims;
    for (AffineExpr e : map.getResults())
      if (*dimOf(e) != dot.reduction)
        dims.push_back(*dimOf(e));
    return dims;
  };
  SmallVector<unsigned> first = parallelDims(maps[0]),
                        second = parallelDims(maps[1]);
  if (first.size() > second.size())
    std::swap(first, second);
  SmallVector<unsigned> third = parallelDims(outMap);
  for (ArrayRef<unsigned> dims :
       {ArrayRef<unsigned>(second), ArrayRef<unsigned>(first),
        ArrayRef<unsigned>(third)})
    for (unsigned d : dims)
      if (!llvm::is_contained(dot.order, d))
        dot.order.push_back(d);
  if (dot.order.size() + 1 != op.getNumLoops())
    return std::nullopt;
  return dot;
}

class Emitter {
public:
  Emitter(RewriterBase &rewriter, DotProduct dot, unsigned width)
      : rewriter(rewriter), dot(dot), loc(dot.op.getLoc()), width(width),
        ivs(dot.op.getNumLoops()) {}

  void run() {
    rewriter.setInsertionPoint(dot.op);
    emitParallel(0);
    rewriter.eraseOp(dot.op);
  }

private:
  Value index(int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v);
  }

  /// The extent of loop `dim`, from the first operand indexed by it.
  Value extent(unsigned dim) {
    for (OpOperand &operand : dot.op->getOpOperands()) {
      AffineMap map = dot.op.getMatchingIndexingMap(&operand);
      for (unsigned r = 0; r < map.getNumResults(); ++r)
        if (dimOf(map.getResult(r)) == dim)
          return memref::DimOp::create(rewriter, loc, operand.get(), r);
    }
    llvm_unreachable("every loop indexes an operand");
  }

  SmallVector<Value> indices(OpOperand &operand) {
    SmallVector<Value> result;
    for (AffineExpr e : dot.op.getMatchingIndexingMap(&operand).getResults())
      result.push_back(ivs[*dimOf(e)]);
    return result;
  }

  /// A new op of the accumulate's kind (addf with its fastmath, or addi).
  Value combine(Value lhs, Value rhs) {
    OperationState state(loc, dot.accumulate->getName());
    state.addOperands({lhs, rhs});
    state.addTypes(lhs.getType());
    state.addAttributes(dot.accumulate->getAttrs());
    Operation *op = rewriter.create(state);
    allowContraction(op);
    return op->getResult(0);
  }

  /// Lets LLVM fuse a float product into the add that accumulates it (one
  /// FMA, one rounding instead of two): the sum is reassociated anyway.
  static void allowContraction(Operation *op) {
    auto fm = dyn_cast_if_present<arith::ArithFastMathInterface>(op);
    if (!fm || !isa<arith::MulFOp, arith::AddFOp>(op))
      return;
    op->setAttr(fm.getFastMathAttrName(),
                arith::FastMathFlagsAttr::get(
                    op->getContext(), fm.getFastMathFlagsAttr().getValue() |
                                          arith::FastMathFlags::contract));
  }

  /// The term f(a, b) at the current ivs, on `width` lanes of the reduction
  /// or one element.
  Value term(bool vector) {
    calm::BodyWidener widener(rewriter, loc, width);
    Block *body = dot.op.getBody();
    for (OpOperand *in : dot.op.getDpsInputOperands()) {
      BlockArgument arg = body->getArgument(in->getOperandNumber());
      if (arg.use_empty())
        continue;
      SmallVector<Value> at = indices(*in);
      Value loaded =
          vector ? vector::LoadOp::create(rewriter, loc,
                                          widener.vectorOf(arg.getType()),
                                          in->get(), at)
                       .getResult()
                 : memref::LoadOp::create(rewriter, loc, in->get(), at)
                       .getResult();
      widener.mapArgument(arg, loaded, vector);
    }
    for (Operation &bodyOp : body->without_terminator())
      if (&bodyOp != dot.accumulate)
        widener.emit(bodyOp, vector);
    Value term = widener.lookup(dot.term, vector);
    allowContraction(term.getDefiningOp());
    return term;
  }

  /// A reduction loop from `lb` to `ub` by `step`, carrying `inits`; `fn`
  /// gets the iv and the carried values and returns the next ones.
  scf::ForOp
  reductionLoop(Value lb, Value ub, int64_t step, ValueRange inits,
                function_ref<SmallVector<Value>(Value, ValueRange)> fn) {
    auto loop = scf::ForOp::create(rewriter, loc, lb, ub, index(step), inits);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(loop.getBody());
    SmallVector<Value> next =
        fn(loop.getInductionVar(), loop.getRegionIterArgs());
    scf::YieldOp::create(rewriter, loc, next);
    return loop;
  }

  /// The reductions of the output elements at `rows` (values of the
  /// innermost parallel iv; a null value when there is no parallel dim). One
  /// row runs `kAccumulators` slices of the reduction at once; several rows
  /// run one slice each, so a load of the operand the rows share (a weight
  /// row) serves all of them (LLVM merges the repeated loads).
  void emitReduction(ArrayRef<Value> rows) {
    unsigned r = dot.reduction;
    std::optional<unsigned> inner;
    if (!dot.order.empty())
      inner = dot.order.back();
    auto at = [&](unsigned row, Value k) {
      if (inner)
        ivs[*inner] = rows[row];
      ivs[r] = k;
    };
    unsigned n = rows.size(), slices = n == 1 ? kAccumulators : 1;
    Type element = dot.term.getType();
    auto vectorType = VectorType::get({int64_t(width)}, element);
    Value zero = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(vectorType, rewriter.getZeroAttr(element)));
    Value k = extent(r);
    auto endFor = [&](int64_t step) {
      return arith::SubIOp::create(
          rewriter, loc, k,
          arith::RemUIOp::create(rewriter, loc, k, index(step)));
    };
    Value wideEnd = endFor(slices * width), vectorEnd = endFor(width);
    // Independent accumulators (rows x slices) hide the add latency.
    SmallVector<Value> zeros(n * slices, zero);
    scf::ForOp wide = reductionLoop(
        index(0), wideEnd, slices * width, zeros,
        [&](Value iv, ValueRange accs) {
          SmallVector<Value> next(accs.begin(), accs.end());
          for (unsigned s = 0; s < slices; ++s) {
            Value kk = s == 0 ? iv
                              : arith::AddIOp::create(rewriter, loc, iv,
                                                      index(s * width))
                                    .getResult();
            for (unsigned row = 0; row < n; ++row) {
              at(row, kk);
              next[row * slices + s] =
                  combine(accs[row * slices + s], term(/*vector=*/true));
            }
          }
          return next;
        });
    SmallVector<Value> partial;
    for (unsigned row = 0; row < n; ++row) {
      SmallVector<Value> level(wide.getResults().slice(row * slices, slices));
      while (level.size() > 1) {
        SmallVector<Value> up;
        for (size_t i = 0; i + 1 < level.size(); i += 2)
          up.push_back(combine(level[i], level[i + 1]));
        if (level.size() % 2)
          up.push_back(level.back());
        level = up;
      }
      partial.push_back(level.front());
    }
    if (slices > 1) {
      scf::ForOp narrow = reductionLoop(
          wideEnd, vectorEnd, width, partial, [&](Value iv, ValueRange accs) {
            SmallVector<Value> next;
            for (unsigned row = 0; row < n; ++row) {
              at(row, iv);
              next.push_back(combine(accs[row], term(/*vector=*/true)));
            }
            return next;
          });
      partial.assign(narrow.getResults().begin(), narrow.getResults().end());
    }
    SmallVector<Value> sums;
    for (Value v : partial)
      sums.push_back(vector::ReductionOp::create(
          rewriter, loc, vector::CombiningKind::ADD, v));
    scf::ForOp scalar =
        reductionLoop(vectorEnd, k, 1, sums, [&](Value iv, ValueRange accs) {
          SmallVector<Value> next;
          for (unsigned row = 0; row < n; ++row) {
            at(row, iv);
            next.push_back(combine(accs[row], term(/*vector=*/false)));
          }
          return next;
        });
    OpOperand &init = dot.op.getDpsInitsMutable()[0];
    for (unsigned row = 0; row < n; ++row) {
      if (inner)
        ivs[*inner] = rows[row];
      SmallVector<Value> where = indices(init);
      Value old = memref::LoadOp::create(rewriter, loc, init.get(), where);
      memref::StoreOp::create(rewriter, loc,
                              combine(old, scalar.getResult(row)), init.get(),
                              where);
    }
  }

  void emitParallel(unsigned level) {
    if (dot.order.empty())
      return emitReduction(Value());
    unsigned dim = dot.order[level];
    Value size = extent(dim);
    if (level + 1 < dot.order.size()) {
      auto loop = scf::ForOp::create(rewriter, loc, index(0), size, index(1));
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(loop.getBody());
      ivs[dim] = loop.getInductionVar();
      return emitParallel(level + 1);
    }
    // The innermost parallel dim: kRows elements at a time, then one.
    Value blockedEnd = arith::SubIOp::create(
        rewriter, loc, size,
        arith::RemUIOp::create(rewriter, loc, size, index(kRows)));
    {
      auto loop =
          scf::ForOp::create(rewriter, loc, index(0), blockedEnd, index(kRows));
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(loop.getBody());
      SmallVector<Value> rows{loop.getInductionVar()};
      for (int64_t i = 1; i < kRows; ++i)
        rows.push_back(arith::AddIOp::create(rewriter, loc, rows[0], index(i)));
      emitReduction(rows);
    }
    auto loop = scf::ForOp::create(rewriter, loc, blockedEnd, size, index(1));
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(loop.getBody());
    emitReduction(loop.getInductionVar());
  }

  RewriterBase &rewriter;
  DotProduct dot;
  Location loc;
  unsigned width;
  SmallVector<Value> ivs;
};

struct VectorizeDotProductsPass
    : public calm::impl::CALMVectorizeDotProductsBase<
          VectorizeDotProductsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (vectorWidth < 1) {
      emitError(getOperation().getLoc(),
                "calm-vectorize-dot-products: vector-width must be at least 1");
      return signalPassFailure();
    }
    SmallVector<DotProduct> dots;
    getOperation().walk([&](linalg::GenericOp op) {
      if (std::optional<DotProduct> dot = match(op))
        dots.push_back(*dot);
    });
    IRRewriter rewriter(&getContext());
    for (const DotProduct &dot : dots)
      Emitter(rewriter, dot, vectorWidth).run();
  }
};

} // namespace
