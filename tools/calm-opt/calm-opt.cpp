//===- calm-opt.cpp - mlir-opt with the calm dialect and passes -----------===//

#include "calm/InitAllCALM.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::calm::registerAllPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::calm::registerAllDialects(registry);
  // gpu-module-to-binary (calm-gpu-pipeline) translates gpu.modules to LLVM
  // IR inside the pass, which needs these interfaces in the context.
  mlir::registerAllGPUToLLVMIRTranslations(registry);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "calm-opt: MLIR optimizer with the calm dialect\n",
      registry));
}
