//===- NumericsForm.h - the numerics vocabulary as a ukernel form -*- C++
//-*-===//
//
// For the compiler side only (the pass, the runtime's packing, tests):
// runtime/ukernels itself stays free of LLVM/MLIR, and the numerics grammar
// is parsed in one place, mlir::calm::parseNumerics.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_UKERNELS_NUMERICSFORM_H
#define CALM_RUNTIME_UKERNELS_NUMERICSFORM_H

#include "UKernels.h"

#include "calm/Dialect/CALM/IR/Numerics.h"

namespace calm::ukernels {

inline Form toForm(const mlir::calm::Numerics &n) {
  using K = mlir::calm::NumericsKind;
  static_assert(static_cast<int>(K::F8E4M3) == static_cast<int>(Kind::E4M3) &&
                    static_cast<int>(K::LMul) == static_cast<int>(Kind::LMul),
                "the two kind enums list the forms in the same order");
  Form f;
  f.kind = static_cast<Kind>(static_cast<int>(n.kind));
  f.channel = n.granularity == mlir::calm::Granularity::Channel;
  f.mantissaBits = static_cast<int>(n.mantissaBits);
  return f;
}

/// parseNumerics, as a Form; false (with `error`) if `text` is not a form.
inline bool parseForm(llvm::StringRef text, Form &out, std::string &error) {
  std::optional<mlir::calm::Numerics> n =
      mlir::calm::parseNumerics(text, error);
  if (!n)
    return false;
  out = toForm(*n);
  return true;
}

} // namespace calm::ukernels

#endif // CALM_RUNTIME_UKERNELS_NUMERICSFORM_H
