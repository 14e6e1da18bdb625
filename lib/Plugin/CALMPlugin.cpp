//===- CALMPlugin.cpp - calm as an mlir-opt dialect and pass plugin -------===//

#include "calm/InitAllCALM.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"

using namespace mlir;

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {
      MLIR_PLUGIN_API_VERSION, "CALM", LLVM_VERSION_STRING,
      [](DialectRegistry *registry) { calm::registerAllDialects(*registry); }};
}

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "CALM", LLVM_VERSION_STRING,
          []() { calm::registerAllPasses(); }};
}
