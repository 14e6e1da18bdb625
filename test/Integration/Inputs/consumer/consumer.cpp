// Parses a module, rewrites its multiplies to L-Mul and lowers them to
// arith through calm-mlir's C++ API, then prints the result.
#include "calm/Conversion/Passes.h"
#include "calm/Dialect/CALM/IR/CALMOps.h"
#include "calm/InitAllCALM.h"
#include "calm/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

int main() {
  mlir::DialectRegistry registry;
  registry.insert<mlir::func::FuncDialect, mlir::arith::ArithDialect>();
  mlir::calm::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  const char *source = R"mlir(
    func.func @f(%x: f32) -> f32 {
      %0 = arith.mulf %x, %x : f32
      return %0 : f32
    })mlir";
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  if (!module)
    return 1;
  mlir::PassManager pm(&context);
  mlir::calm::CALMMulfToLMulOptions options;
  options.mantissaBits = 4;
  pm.addPass(mlir::calm::createCALMMulfToLMul(options));
  if (mlir::failed(pm.run(*module)))
    return 1;
  module->print(llvm::outs());
  mlir::PassManager lower(&context);
  lower.addPass(mlir::calm::createConvertCALMToArith());
  if (mlir::failed(lower.run(*module)))
    return 1;
  module->print(llvm::outs());
  return 0;
}
