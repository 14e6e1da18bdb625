//===- FuzzMLIRLMul.cpp - libFuzzer target: IR through the L-Mul passes ---===//
//
// Arbitrary text as MLIR: parse, verify, then calm-mulf-to-lmul (mantissa
// bits from the first byte, 0..24 so that the out-of-range error path runs
// too) and convert-calm-to-arith, verifying after each pass. Parse and pass
// failures are expected; crashes, hangs and sanitizer reports are findings.
// The dialects are those the L-Mul passes and the lit corpus use.
//
//===----------------------------------------------------------------------===//

#include "calm/InitAllCALM.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstddef>
#include <cstdint>

using namespace mlir;

static MLIRContext &context() {
  static MLIRContext *ctx = [] {
    calm::registerAllPasses();
    DialectRegistry registry;
    registry
        .insert<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
                math::MathDialect, memref::MemRefDialect, scf::SCFDialect,
                tensor::TensorDialect, vector::VectorDialect>();
    calm::registerAllDialects(registry);
    auto *c = new MLIRContext(registry, MLIRContext::Threading::DISABLED);
    c->loadAllAvailableDialects();
    // Parse and pass errors are expected: keep them off stderr.
    c->getDiagEngine().registerHandler([](Diagnostic &) { return success(); });
    return c;
  }();
  return *ctx;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  MLIRContext &ctx = context();
  unsigned mantissaBits = data[0] % 25;
  // MLIR's lexer relies on the NUL that llvm::MemoryBuffer puts after every
  // file it reads (calm-opt's only way in); libFuzzer's bytes have none, and
  // without it the parser reads past them (docs/ROBUSTNESS.md).
  std::string text(reinterpret_cast<const char *>(data + 1), size - 1);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(
      llvm::StringRef(text.c_str(), text.size()),
      ParserConfig(&ctx, /*verifyAfterParse=*/true));
  if (!module)
    return 0;
  PassManager pm(&ctx);
  std::string pipeline =
      llvm::formatv("builtin.module(calm-mulf-to-lmul{{mantissa-bits={0}}, "
                    "convert-calm-to-arith)",
                    mantissaBits)
          .str();
  if (failed(parsePassPipeline(pipeline, pm)))
    __builtin_trap();
  (void)pm.run(*module);
  return 0;
}
