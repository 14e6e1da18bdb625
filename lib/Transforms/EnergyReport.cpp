//===- EnergyReport.cpp - count and price arithmetic ----------------------===//

#include "calm/Dialect/CALM/IR/CALMAttrs.h"
#include "calm/Dialect/CALM/IR/CALMOps.h"
#include "calm/Dialect/CALM/IR/Numerics.h"
#include "calm/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/ToolOutputFile.h"

namespace mlir::calm {
#define GEN_PASS_DEF_CALMENERGYREPORT
#include "calm/Transforms/Passes.h.inc"
} // namespace mlir::calm

using namespace mlir;
using namespace mlir::calm;

namespace {

/// Horowitz, ISSCC 2014, 45 nm (pJ), as quoted by the L-Mul paper. (The
/// fp16 add, 0.4 pJ, prices nothing here: every form accumulates in f32/i32.)
constexpr double kInt8Add = 0.03, kInt8Mul = 0.2, kInt32Add = 0.1,
                 kFp16Mul = 1.1, kFp32Add = 0.9, kFp32Mul = 3.7;
constexpr const char *kTableName =
    "Horowitz ISSCC 2014, 45 nm: add/mul int8 0.03/0.2, int32 0.1/3.1, "
    "fp16 0.4/1.1, fp32 0.9/3.7 pJ; arithmetic only, memory not included";

/// One row: the arithmetic of one op.
struct Row {
  std::string op, form;
  int64_t multiplies = 0, adds = 0, bytesRead = 0;
  std::optional<double> mulPJ, addPJ; // per operation; nullopt = n/a
  /// No dynamic size; counts are per loop iteration when `perIteration`
  /// (dynamic and no dynamic-size given).
  bool isStatic = true, perIteration = false;

  std::optional<double> energy() const {
    double e = 0;
    if (multiplies) {
      if (!mulPJ)
        return std::nullopt;
      e += multiplies * *mulPJ;
    }
    if (adds) {
      if (!addPJ)
        return std::nullopt;
      e += adds * *addPJ;
    }
    return e;
  }
};

/// Prices a multiply and an add in `form`. The add is the accumulation (f32,
/// or i32 for i8).
void price(Row &row) {
  StringRef f = row.form;
  if (f == "f32") {
    row.mulPJ = kFp32Mul;
    row.addPJ = kFp32Add;
  } else if (f == "bf16" || f == "f16") {
    row.mulPJ = kFp16Mul; // bf16 priced as fp16
    row.addPJ = kFp32Add; // f32 accumulation
  } else if (f.starts_with("f8e")) {
    row.mulPJ = std::nullopt; // no fp8 row in the table
    row.addPJ = kFp32Add;
  } else if (f.starts_with("i8")) {
    row.mulPJ = kInt8Mul;
    row.addPJ = kInt32Add;
  } else if (f.starts_with("lmul-f8")) {
    row.mulPJ = kInt8Add; // one int8 add
    row.addPJ = kFp32Add;
  } else if (f.starts_with("lmul-")) {
    row.mulPJ = std::nullopt; // an int16 add: no row in the table
    row.addPJ = kFp32Add;
  } else if (f.starts_with("lmul")) {
    row.mulPJ = kInt32Add; // one int32 add (f32 container)
    row.addPJ = kFp32Add;
  }
}

/// The numeric form of a multiply whose operands come from `a` and `b`.
std::string formOfOperand(Value v) {
  if (auto ext = v.getDefiningOp<arith::ExtFOp>()) {
    Type src = getElementTypeOrSelf(ext.getIn().getType());
    if (isa<Float8E4M3FNType>(src))
      return "f8e4m3";
    if (isa<Float8E5M2Type>(src))
      return "f8e5m2";
    if (src.isBF16())
      return "bf16";
    if (src.isF16())
      return "f16";
  }
  if (auto ext = v.getDefiningOp<arith::ExtSIOp>())
    if (getElementTypeOrSelf(ext.getIn().getType()).isInteger(8))
      return "i8";
  Type t = getElementTypeOrSelf(v.getType());
  if (t.isInteger(8))
    return "i8";
  if (t.isBF16())
    return "bf16";
  if (t.isF16())
    return "f16";
  if (isa<Float8E4M3FNType>(t))
    return "f8e4m3";
  if (isa<Float8E5M2Type>(t))
    return "f8e5m2";
  return "f32";
}

std::string lmulForm(LMulOp op) {
  Type t = op.getElementFloatType();
  std::string m = std::to_string(op.getMantissaBits());
  if (t.isF32())
    return "lmul:" + m;
  if (t.getIntOrFloatBitWidth() == 8)
    return "lmul-f8:" + m;
  return "lmul-" + std::string(t.isBF16() ? "bf16" : "f16") + ":" + m;
}

/// Counts the multiplies and adds of one execution of a region's body.
void countBody(Block &body, int64_t &muls, int64_t &adds, std::string &form) {
  for (Operation &op : body) {
    if (auto lmul = dyn_cast<LMulOp>(op)) {
      ++muls;
      form = lmulForm(lmul);
    } else if (isa<arith::MulFOp, arith::MulIOp>(op)) {
      ++muls;
      form = formOfOperand(op.getOperand(0));
    } else if (isa<arith::AddFOp, arith::SubFOp, arith::AddIOp, arith::SubIOp>(
                   op)) {
      ++adds;
    }
  }
}

/// The product of `shape`, dynamic sizes taken as `dynamicSize` when it is
/// positive; nullopt for a dynamic shape otherwise.
std::optional<int64_t> staticCount(ArrayRef<int64_t> shape,
                                   int64_t dynamicSize) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (ShapedType::isDynamic(d)) {
      if (dynamicSize <= 0)
        return std::nullopt;
      d = dynamicSize;
    }
    n *= d;
  }
  return n;
}

bool hasDynamicDim(ArrayRef<int64_t> shape) {
  return llvm::any_of(shape, ShapedType::isDynamic);
}

int64_t bytesOf(Type type, int64_t dynamicSize) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasRank())
    return 0;
  std::optional<int64_t> n = staticCount(shaped.getShape(), dynamicSize);
  unsigned bits = shaped.getElementTypeBitWidth();
  return n.value_or(0) * ((bits + 7) / 8);
}

Row countLinalg(linalg::LinalgOp op, int64_t dynamicSize) {
  Row row;
  row.op = op->getName().getStringRef().str();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  std::optional<int64_t> iterations = staticCount(ranges, dynamicSize);
  row.isStatic = !hasDynamicDim(ranges);
  row.perIteration = !iterations.has_value();
  int64_t perIteration = 0, addsPerIteration = 0;
  std::string form = "f32";
  countBody(*op.getBlock(), perIteration, addsPerIteration, form);
  // A tag not applied yet says how the operands will be stored.
  std::optional<unsigned> storageBytes;
  if (auto attr = op->getAttrOfType<NumericsAttr>(kNumericsAttrName)) {
    Numerics n = attr.getValue();
    form = n.str();
    if (n.isQuantized())
      storageBytes =
          n.getStorageType(op->getContext()).getIntOrFloatBitWidth() / 8;
  }
  int64_t scale = iterations.value_or(1);
  row.multiplies = perIteration * scale;
  row.adds = addsPerIteration * scale;
  row.form = form;
  for (Value in : op.getDpsInputs()) {
    int64_t bytes = bytesOf(in.getType(), dynamicSize);
    if (storageBytes && bytes)
      bytes =
          bytes /
          ((getElementTypeOrSelf(in.getType()).getIntOrFloatBitWidth() + 7) /
           8) *
          *storageBytes;
    row.bytesRead += bytes;
  }
  return row;
}

Row countElementwise(Operation *op, int64_t dynamicSize) {
  Row row;
  row.op = op->getName().getStringRef().str();
  Type type = op->getResult(0).getType();
  std::optional<int64_t> n = 1;
  row.isStatic = true;
  if (auto shaped = dyn_cast<ShapedType>(type)) {
    n = shaped.hasRank() ? staticCount(shaped.getShape(), dynamicSize)
                         : std::nullopt;
    row.isStatic = shaped.hasRank() && !hasDynamicDim(shaped.getShape());
  }
  row.perIteration = !n.has_value();
  int64_t count = n.value_or(1);
  if (auto lmul = dyn_cast<LMulOp>(op)) {
    row.form = lmulForm(lmul);
    row.multiplies = count;
  } else if (isa<arith::MulFOp>(op)) {
    row.form = formOfOperand(op->getOperand(0));
    row.multiplies = count;
  } else {
    row.form = formOfOperand(op->getOperand(0));
    row.adds = count;
  }
  return row;
}

std::string fmtEnergy(std::optional<double> pj) {
  return pj ? llvm::formatv("{0:F2}", *pj).str() : std::string("n/a");
}

struct EnergyReportPass
    : public calm::impl::CALMEnergyReportBase<EnergyReportPass> {
  using Base::Base;

  void runOnOperation() override {
    std::string error;
    auto file = mlir::openOutputFile(output, &error);
    if (!file) {
      emitError(getOperation().getLoc())
          << "calm-energy-report: cannot write '" << output << "': " << error;
      return signalPassFailure();
    }
    llvm::raw_ostream &os = file->os();
    llvm::json::Array functions;
    if (!json)
      os << "calm-energy-report (" << kTableName << ")\n";

    getOperation().walk([&](FunctionOpInterface func) {
      if (func.isExternal())
        return;
      SmallVector<Row> rows;
      func->walk<WalkOrder::PreOrder>([&](Operation *op) {
        if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
          Row row = countLinalg(linalgOp, dynamicSize);
          if (row.multiplies || row.adds)
            rows.push_back(row);
          return WalkResult::skip();
        }
        if (isa<LMulOp, arith::MulFOp, arith::AddFOp, arith::SubFOp>(op))
          rows.push_back(countElementwise(op, dynamicSize));
        return WalkResult::advance();
      });
      for (Row &row : rows)
        price(row);
      emit(os, func, rows, functions);
    });
    if (json)
      os << llvm::formatv("{0:2}", llvm::json::Value(llvm::json::Object{
                                       {"table", kTableName},
                                       {"functions", std::move(functions)}}))
         << "\n";
    file->keep();
    markAllAnalysesPreserved();
  }

  void emit(llvm::raw_ostream &os, FunctionOpInterface func, ArrayRef<Row> rows,
            llvm::json::Array &functions) {
    int64_t muls = 0, adds = 0, bytes = 0;
    double total = 0;
    bool totalKnown = true, allStatic = true, perIteration = false;
    for (const Row &r : rows) {
      muls += r.multiplies;
      adds += r.adds;
      bytes += r.bytesRead;
      allStatic &= r.isStatic;
      perIteration |= r.perIteration;
      if (std::optional<double> e = r.energy())
        total += *e;
      else
        totalKnown = false;
    }
    if (json) {
      llvm::json::Array ops;
      for (const Row &r : rows) {
        auto opt = [](std::optional<double> v) -> llvm::json::Value {
          return v ? llvm::json::Value(*v) : llvm::json::Value(nullptr);
        };
        ops.push_back(llvm::json::Object{{"op", r.op},
                                         {"form", r.form},
                                         {"multiplies", r.multiplies},
                                         {"adds", r.adds},
                                         {"mul_pj", opt(r.mulPJ)},
                                         {"add_pj", opt(r.addPJ)},
                                         {"energy_pj", opt(r.energy())},
                                         {"bytes_read", r.bytesRead},
                                         {"static", r.isStatic},
                                         {"per_iteration", r.perIteration}});
      }
      functions.push_back(llvm::json::Object{
          {"name", func.getName().str()},
          {"ops", std::move(ops)},
          {"multiplies", muls},
          {"adds", adds},
          {"energy_pj",
           totalKnown ? llvm::json::Value(total) : llvm::json::Value(nullptr)},
          {"bytes_read", bytes},
          {"static", allStatic},
          {"per_iteration", perIteration}});
      return;
    }
    os << "function @" << func.getName();
    if (perIteration)
      os << "  (dynamic shapes: counts are per iteration)";
    else if (!allStatic)
      os << "  (dynamic sizes priced as " << dynamicSize << ")";
    os << "\n";
    os << llvm::formatv("  {0,-22} {1,-16} {2,12} {3,12} {4,14} {5,12}\n", "op",
                        "form", "multiplies", "adds", "energy pJ",
                        "bytes read");
    for (const Row &r : rows)
      os << llvm::formatv("  {0,-22} {1,-16} {2,12} {3,12} {4,14} {5,12}{6}\n",
                          r.op, r.form, r.multiplies, r.adds,
                          fmtEnergy(r.energy()), r.bytesRead,
                          r.perIteration ? "  per iteration" : "");
    os << llvm::formatv(
        "  {0,-22} {1,-16} {2,12} {3,12} {4,14} {5,12}\n", "total", "", muls,
        adds, totalKnown ? fmtEnergy(total) : fmtEnergy(total) + "+n/a", bytes);
  }
};

} // namespace
