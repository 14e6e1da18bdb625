//===- InitAllCALM.cpp - register calm dialects and passes ----------------===//

#include "calm/InitAllCALM.h"
#include "calm/Conversion/Passes.h"
#include "calm/Dialect/CALM/IR/CALMDialect.h"
#include "calm/Pipelines/Pipelines.h"
#include "calm/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"

void mlir::calm::registerAllDialects(DialectRegistry &registry) {
  registry.insert<CALMDialect>();
}

void mlir::calm::registerAllPasses() {
  registerCALMTransformsPasses();
  registerCALMConversionPasses();
  registerCPUPipeline();
  registerGPUPipeline();
}
