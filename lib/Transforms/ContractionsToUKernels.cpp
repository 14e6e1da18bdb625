//===- ContractionsToUKernels.cpp - weights at rest, linear ukernels ------===//
//
// calm-contractions-to-ukernels: see Passes.td and docs/UKERNELS.md.
//
//===----------------------------------------------------------------------===//

#include "calm/Dialect/CALM/IR/CALMAttrs.h"
#include "calm/Dialect/CALM/IR/Numerics.h"
#include "calm/Dialect/CALM/IR/WeightsAtRest.h"
#include "calm/Transforms/Passes.h"

#include "NumericsForm.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/JSON.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CALMCONTRACTIONSTOUKERNELS
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;
using namespace mlir::calm;
namespace uk = ::calm::ukernels;

namespace {

/// A named view of a weight buffer.
struct WeightView {
  memref::ViewOp view;
  StringRef buffer, tensor;
};

/// The view behind a tensor operand: to_tensor(memref.view(%arg, const))
/// where %arg is a marked weight buffer and the view is named.
std::optional<WeightView> weightViewOf(Value v) {
  auto toTensor = v.getDefiningOp<bufferization::ToTensorOp>();
  if (!toTensor)
    return std::nullopt;
  auto view = toTensor.getBuffer().getDefiningOp<memref::ViewOp>();
  if (!view)
    return std::nullopt;
  auto name = view->getAttrOfType<StringAttr>(kWeightAttrName);
  auto arg = dyn_cast<BlockArgument>(view.getSource());
  if (!name || !arg || !matchPattern(view.getByteShift(), m_Constant()))
    return std::nullopt;
  auto fn = dyn_cast<FunctionOpInterface>(arg.getOwner()->getParentOp());
  if (!fn)
    return std::nullopt;
  auto buffer =
      fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(), kWeightsArgAttrName);
  if (!buffer || view.getType().getRank() != 2 ||
      !view.getType().getElementType().isF32())
    return std::nullopt;
  return WeightView{view, buffer.getValue(), name.getValue()};
}

/// y = init + x . W^T: maps (m, k), (n, k) -> (m, n), one reduction, body
/// yield(addf(out, mulf(a, b))) on f32.
bool isLinear(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() || op.getNumLoops() != 3)
    return false;
  MLIRContext *ctx = op.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  SmallVector<AffineMap> want = {AffineMap::get(3, 0, {m, k}, ctx),
                                 AffineMap::get(3, 0, {n, k}, ctx),
                                 AffineMap::get(3, 0, {m, n}, ctx)};
  if (op.getIndexingMapsArray() != want)
    return false;
  auto iters = op.getIteratorTypesArray();
  if (iters[0] != utils::IteratorType::parallel ||
      iters[1] != utils::IteratorType::parallel ||
      iters[2] != utils::IteratorType::reduction)
    return false;
  for (Value v : op->getOperands())
    if (!cast<RankedTensorType>(v.getType()).getElementType().isF32())
      return false;
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 3)
    return false;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  auto mul = add.getRhs().getDefiningOp<arith::MulFOp>();
  Value acc = add.getLhs();
  if (!mul) {
    mul = add.getLhs().getDefiningOp<arith::MulFOp>();
    acc = add.getRhs();
  }
  if (!mul || acc != body.getArgument(2))
    return false;
  return (mul.getLhs() == body.getArgument(0) &&
          mul.getRhs() == body.getArgument(1)) ||
         (mul.getLhs() == body.getArgument(1) &&
          mul.getRhs() == body.getArgument(0));
}

struct Candidate {
  linalg::GenericOp op;
  WeightView weight;
  Numerics numerics;
  uk::Form form;
};

/// One entry of a buffer's new layout.
struct Entry {
  // storage: "f32" (plain, as the views read it) or "packed:FORM"
  // (runtime/ukernels' packed layout, rows padded).
  std::string tensor, storage;
  int64_t n, k, offset, bytes;
};

struct Buffer {
  std::vector<Entry> entries;
  llvm::StringMap<size_t> index; // tensor + "|" + storage
  int64_t bytes = 0;

  int64_t place(StringRef tensor, const std::string &storage, int64_t n,
                int64_t k, int64_t bytes) {
    std::string key = (tensor + "|" + storage).str();
    auto it = index.find(key);
    if (it != index.end())
      return entries[it->second].offset;
    Entry e{tensor.str(), storage, n, k, this->bytes, bytes};
    this->bytes += (bytes + 63) / 64 * 64;
    index[key] = entries.size();
    entries.push_back(e);
    return e.offset;
  }
};

struct CALMContractionsToUKernelsPass
    : public mlir::calm::impl::CALMContractionsToUKernelsBase<
          CALMContractionsToUKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::vector<Candidate> candidates;
    std::vector<WeightView> views;
    bool failed = false;
    module.walk([&](Operation *op) {
      if (auto view = dyn_cast<memref::ViewOp>(op)) {
        if (!view->hasAttr(kWeightAttrName))
          return;
        // A named view must be a view we can move; anything else would
        // read the old layout.
        auto arg = dyn_cast<BlockArgument>(view.getSource());
        auto fn =
            arg ? dyn_cast<FunctionOpInterface>(arg.getOwner()->getParentOp())
                : nullptr;
        if (!fn || !fn.getArgAttr(arg.getArgNumber(), kWeightsArgAttrName) ||
            !matchPattern(view.getByteShift(), m_Constant())) {
          view.emitOpError("is named '")
              << view->getAttr(kWeightAttrName)
              << "' but is not a constant-offset view of a function argument "
                 "marked calm.weights";
          failed = true;
          return;
        }
        views.push_back(
            {view,
             cast<StringAttr>(
                 fn.getArgAttr(arg.getArgNumber(), kWeightsArgAttrName))
                 .getValue(),
             view->getAttrOfType<StringAttr>(kWeightAttrName).getValue()});
        return;
      }
      auto generic = dyn_cast<linalg::GenericOp>(op);
      if (!generic || !isLinear(generic))
        return;
      std::optional<WeightView> w = weightViewOf(generic.getDpsInputs()[1]);
      if (!w)
        return;
      Numerics numerics; // f32 when untagged
      if (auto attr = generic->getAttrOfType<NumericsAttr>(kNumericsAttrName))
        numerics = attr.getValue();
      candidates.push_back({generic, *w, numerics, uk::toForm(numerics)});
    });
    if (failed)
      return signalPassFailure();
    if (views.empty())
      return;

    // New layouts: contractions' packed entries, then plain f32 for views
    // something else still reads, in the order the module uses them.
    llvm::MapVector<StringRef, Buffer> buffers;
    llvm::DenseMap<Operation *, int64_t> packedOffset;
    llvm::DenseSet<Operation *> viaUKernel;
    for (Candidate &c : candidates) {
      MemRefType t = c.weight.view.getType();
      int64_t n = t.getDimSize(0), k = t.getDimSize(1);
      packedOffset[c.op] = buffers[c.weight.buffer].place(
          c.weight.tensor, "packed:" + c.numerics.str(), n, k,
          uk::getPackedLayout(c.form, n, k).totalBytes);
      viaUKernel.insert(c.op);
    }
    llvm::DenseMap<Operation *, int64_t> viewOffset;
    for (WeightView &v : views) {
      bool plainUse = false;
      for (Operation *user : v.view->getUsers()) {
        auto toTensor = dyn_cast<bufferization::ToTensorOp>(user);
        if (!toTensor) {
          plainUse = true;
          break;
        }
        for (OpOperand &use : toTensor->getUses())
          if (!viaUKernel.contains(use.getOwner()) ||
              use.getOperandNumber() != 1)
            plainUse = true;
      }
      if (!plainUse)
        continue;
      MemRefType t = v.view.getType();
      int64_t bytes = t.getNumElements() * (t.getElementTypeBitWidth() / 8);
      viewOffset[v.view] = buffers[v.buffer].place(
          v.tensor, "f32", t.getRank() == 2 ? t.getDimSize(0) : 0,
          t.getRank() == 2 ? t.getDimSize(1) : 0, bytes);
    }

    OpBuilder b(module.getContext());
    for (WeightView &v : views) {
      auto it = viewOffset.find(v.view);
      b.setInsertionPoint(v.view);
      if (it == viewOffset.end())
        continue; // only the packed copy is read; the view dies below
      v.view.getByteShiftMutable().assign(
          arith::ConstantIndexOp::create(b, v.view.getLoc(), it->second));
    }
    func::FuncOp callee = declareUKernel(module);
    for (Candidate &c : candidates)
      replaceWithCall(c, packedOffset[c.op], callee);
    for (WeightView &v : views)
      if (!viewOffset.contains(v.view)) {
        for (Operation *user : llvm::make_early_inc_range(v.view->getUsers()))
          if (user->use_empty())
            user->erase();
        if (v.view->use_empty())
          v.view->erase();
      }
    emitManifest(module, buffers);
  }

  func::FuncOp declareUKernel(ModuleOp module) {
    if (auto fn = module.lookupSymbol<func::FuncOp>(kUKernelLinearName))
      return fn;
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    MLIRContext *ctx = module.getContext();
    Type f32 = b.getF32Type(), i64 = b.getI64Type();
    int64_t dyn = ShapedType::kDynamic;
    auto strided = MemRefType::get(
        {dyn, dyn}, f32, StridedLayoutAttr::get(ctx, dyn, {dyn, dyn}));
    auto bytes = MemRefType::get({dyn}, b.getI8Type());
    auto fn = func::FuncOp::create(
        b, module.getLoc(), kUKernelLinearName,
        b.getFunctionType(
            {strided, bytes, i64, i64, i64, b.getI32Type(), strided, strided},
            {}));
    fn.setPrivate();
    fn->setAttr("llvm.emit_c_interface", b.getUnitAttr());
    return fn;
  }

  void replaceWithCall(Candidate &c, int64_t offset, func::FuncOp callee) {
    OpBuilder b(c.op);
    Location loc = c.op.getLoc();
    MLIRContext *ctx = b.getContext();
    int64_t dyn = ShapedType::kDynamic;
    Value x = c.op.getDpsInputs()[0], init = c.op.getDpsInits()[0];
    auto stridedOf = [&](Value tensor) {
      auto t = cast<RankedTensorType>(tensor.getType());
      return MemRefType::get(t.getShape(), t.getElementType(),
                             StridedLayoutAttr::get(ctx, dyn, {dyn, dyn}));
    };
    auto anyStrided =
        MemRefType::get({dyn, dyn}, b.getF32Type(),
                        StridedLayoutAttr::get(ctx, dyn, {dyn, dyn}));
    auto buffer = [&](Value tensor) -> Value {
      Value m = bufferization::ToBufferOp::create(b, loc, stridedOf(tensor),
                                                  tensor, /*readOnly=*/true);
      return memref::CastOp::create(b, loc, anyStrided, m);
    };
    auto resultType = cast<RankedTensorType>(c.op.getResult(0).getType());
    // Stored straight into the function's result buffer where that is all
    // the result is for; else into a new buffer.
    SmallVector<Operation *> dead;
    Value out = destinationOf(c.op, b, dead);
    if (!out) {
      SmallVector<Value> dynSizes;
      for (int64_t d = 0; d < 2; ++d)
        if (resultType.isDynamicDim(d))
          dynSizes.push_back(tensor::DimOp::create(b, loc, init, d));
      auto outType = MemRefType::get(resultType.getShape(), b.getF32Type());
      out = memref::AllocOp::create(b, loc, outType, dynSizes,
                                    b.getI64IntegerAttr(64));
    }
    // A zero init (no bias) is passed as an empty memref: the kernel adds
    // onto zeros without the fill and the read of an [M, N] buffer.
    auto fill = init.getDefiningOp<linalg::FillOp>();
    bool zeroInit = fill && matchPattern(fill.getInputs()[0], m_PosZeroFloat());
    Value weights = c.weight.view.getSource();
    Value weightsAny = memref::CastOp::create(
        b, loc, MemRefType::get({dyn}, b.getI8Type()), weights);
    MemRefType wt = c.weight.view.getType();
    auto i64 = [&](int64_t v) {
      return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
    };
    func::CallOp::create(
        b, loc, callee,
        ValueRange{
            buffer(x), weightsAny, i64(offset), i64(wt.getDimSize(0)),
            i64(wt.getDimSize(1)),
            arith::ConstantIntOp::create(b, loc, b.getI32Type(),
                                         c.form.encode()),
            zeroInit ? memref::CastOp::create(
                           b, loc, anyStrided,
                           memref::AllocaOp::create(
                               b, loc, MemRefType::get({0, 0}, b.getF32Type())))
                           .getResult()
                     : buffer(init),
            memref::CastOp::create(b, loc, anyStrided, out)});
    if (!dead.empty()) {
      for (Operation *op : dead)
        op->erase();
    } else {
      Value result = bufferization::ToTensorOp::create(b, loc, resultType, out,
                                                       /*restrict=*/true,
                                                       /*writable=*/true);
      c.op.getResult(0).replaceAllUsesWith(result);
    }
    c.op.erase();
    if (fill && fill->use_empty()) {
      Operation *empty = fill.getOutputs()[0].getDefiningOp();
      fill->erase();
      if (empty && isa<tensor::EmptyOp>(empty) && empty->use_empty())
        empty->erase();
    }
  }

  /// The buffer a contraction's result is only stored into: its one use is
  /// bufferization.materialize_in_destination (restrict, writable) into a
  /// memref argument of the function with the identity layout, directly or
  /// through tensor reshapes (the AE decoder's [N*K, V] -> [N, K, V]), which
  /// keep the row-major order. Then the result's buffer is that argument,
  /// viewed as [M, N]: restrict says nothing else in the function reads or
  /// writes it. Collects the ops the call makes dead in `dead`.
  Value destinationOf(linalg::GenericOp op, OpBuilder &b,
                      SmallVectorImpl<Operation *> &dead) {
    Value v = op.getResult(0);
    SmallVector<Operation *> chain;
    while (v.hasOneUse()) {
      Operation *user = *v.getUsers().begin();
      if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(user)) {
        chain.push_back(user);
        v = user->getResult(0);
        continue;
      }
      auto materialize =
          dyn_cast<bufferization::MaterializeInDestinationOp>(user);
      if (!materialize || !materialize.getRestrict() ||
          !materialize.getWritable())
        return {};
      auto dest = dyn_cast<BlockArgument>(materialize.getDest());
      auto destType = dyn_cast<MemRefType>(materialize.getDest().getType());
      auto fn = op->getParentOfType<func::FuncOp>();
      if (!dest || !destType || !fn || dest.getOwner() != &fn.front() ||
          !dest.hasOneUse() || !destType.getLayout().isIdentity() ||
          !destType.getElementType().isF32())
        return {};
      auto type = cast<RankedTensorType>(op.getResult(0).getType());
      int64_t n = type.getDimSize(1), dyn = ShapedType::kDynamic;
      auto viewType =
          MemRefType::get(type.getShape(), b.getF32Type(),
                          StridedLayoutAttr::get(b.getContext(), 0, {n, 1}));
      Location loc = op.getLoc();
      auto size = [&](int64_t d) -> OpFoldResult {
        if (!type.isDynamicDim(d))
          return b.getIndexAttr(type.getDimSize(d));
        Value source = d == 0 ? op.getDpsInputs()[0]
                              : op.getDpsInputs()[1]; // x [M, K], W [N, K]
        return tensor::DimOp::create(b, loc, source, 0).getResult();
      };
      OpFoldResult rows = size(0), cols = size(1);
      OpFoldResult stride = n == dyn ? cols : b.getIndexAttr(n);
      dead.push_back(materialize);
      dead.append(chain.rbegin(), chain.rend());
      return memref::ReinterpretCastOp::create(b, loc, viewType, dest,
                                               b.getIndexAttr(0), {rows, cols},
                                               {stride, b.getIndexAttr(1)});
    }
    return {};
  }

  void emitManifest(ModuleOp module,
                    llvm::MapVector<StringRef, Buffer> &buffers) {
    llvm::json::Object root;
    root["version"] = 1;
    llvm::json::Object all;
    for (auto &[name, buf] : buffers) {
      llvm::json::Array tensors;
      for (const Entry &e : buf.entries)
        tensors.push_back(llvm::json::Object{{"name", e.tensor},
                                             {"storage", e.storage},
                                             {"rows", e.n},
                                             {"cols", e.k},
                                             {"offset", e.offset},
                                             {"bytes", e.bytes}});
      all[name] = llvm::json::Object{{"bytes", buf.bytes},
                                     {"tensors", std::move(tensors)}};
    }
    root["buffers"] = std::move(all);
    std::string text;
    llvm::raw_string_ostream os(text);
    os << llvm::json::Value(std::move(root));
    os.flush();
    SmallVector<int8_t> bytes(text.begin(), text.end());
    bytes.push_back(0);
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    if (auto old = module.lookupSymbol(kWeightManifestSymbol))
      old->erase();
    auto type =
        MemRefType::get({static_cast<int64_t>(bytes.size())}, b.getI8Type());
    auto value = DenseElementsAttr::get(
        RankedTensorType::get(type.getShape(), b.getI8Type()),
        ArrayRef<int8_t>(bytes));
    memref::GlobalOp::create(b, module.getLoc(), kWeightManifestSymbol,
                             b.getStringAttr("public"), type, value,
                             /*constant=*/true, /*alignment=*/nullptr);
  }
};

} // namespace
