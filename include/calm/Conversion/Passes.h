//===- Passes.h - calm conversion passes ------------------------*- C++ -*-===//

#ifndef CALM_CONVERSION_PASSES_H
#define CALM_CONVERSION_PASSES_H

#include "calm/Conversion/CALMToArith/CALMToArith.h"

namespace mlir::calm {

#define GEN_PASS_REGISTRATION
#include "calm/Conversion/Passes.h.inc"

} // namespace mlir::calm

#endif // CALM_CONVERSION_PASSES_H
