//===- InitAllCALM.h - register calm dialects and passes --------*- C++ -*-===//

#ifndef CALM_INITALLCALM_H
#define CALM_INITALLCALM_H

namespace mlir {
class DialectRegistry;
namespace calm {

/// Adds the calm dialect to `registry`.
void registerAllDialects(DialectRegistry &registry);

/// Registers every calm pass and pipeline with the global pass registry.
void registerAllPasses();

} // namespace calm
} // namespace mlir

#endif // CALM_INITALLCALM_H
