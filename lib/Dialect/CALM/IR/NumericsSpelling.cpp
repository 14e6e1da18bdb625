//===- NumericsSpelling.cpp - numerics forms as text ----------------------===//
//
// Parsing and printing of single numerics forms, apart from the MLIR types
// they map to (Numerics.cpp): the runtime without MLIR (libcalm) compiles
// this file too, to read the forms of a model library's weight manifest.
//
//===----------------------------------------------------------------------===//

#include "calm/Dialect/CALM/IR/Numerics.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/Twine.h"

using namespace mlir::calm;

llvm::StringRef mlir::calm::getNumericsGrammar() {
  return "f32, bf16, f16, f8e4m3[/tensor|/channel], f8e5m2[/tensor|/channel], "
         "i8[/tensor|/channel], lmul:M (M = 1..23); f8E4M3FN and f8E5M2 are "
         "aliases";
}

double Numerics::maxMagnitude() const {
  switch (kind) {
  case NumericsKind::F8E4M3:
    return 448.0;
  case NumericsKind::F8E5M2:
    return 57344.0;
  case NumericsKind::I8:
    return 127.0;
  case NumericsKind::F16:
    return 65504.0;
  default:
    return 3.4028234663852886e38;
  }
}

std::string Numerics::str() const {
  std::string s;
  switch (kind) {
  case NumericsKind::F32:
    return "f32";
  case NumericsKind::BF16:
    return "bf16";
  case NumericsKind::F16:
    return "f16";
  case NumericsKind::LMul:
    return "lmul:" + std::to_string(mantissaBits);
  case NumericsKind::F8E4M3:
    s = "f8e4m3";
    break;
  case NumericsKind::F8E5M2:
    s = "f8e5m2";
    break;
  case NumericsKind::I8:
    s = "i8";
    break;
  }
  return s + (granularity == Granularity::Channel ? "/channel" : "/tensor");
}

std::optional<Numerics> mlir::calm::parseNumerics(llvm::StringRef spec,
                                                  std::string &error) {
  auto fail = [&](const llvm::Twine &why) -> std::optional<Numerics> {
    error = (why + "; valid forms: " + getNumericsGrammar()).str();
    return std::nullopt;
  };
  llvm::StringRef name = spec.trim(), suffix;
  std::tie(name, suffix) = name.split('/');
  bool hasSuffix = spec.contains('/');

  Numerics n;
  if (name.starts_with("lmul:")) {
    unsigned bits;
    if (name.drop_front(5).getAsInteger(10, bits) || bits < 1 || bits > 23)
      return fail("'" + spec +
                  "': lmul takes a mantissa width from 1 to 23, "
                  "as in lmul:4");
    n.kind = NumericsKind::LMul;
    n.mantissaBits = bits;
  } else {
    std::optional<NumericsKind> kind =
        llvm::StringSwitch<std::optional<NumericsKind>>(name)
            .Case("f32", NumericsKind::F32)
            .Case("bf16", NumericsKind::BF16)
            .Case("f16", NumericsKind::F16)
            .Cases({"f8e4m3", "f8E4M3FN"}, NumericsKind::F8E4M3)
            .Cases({"f8e5m2", "f8E5M2"}, NumericsKind::F8E5M2)
            .Case("i8", NumericsKind::I8)
            .Default(std::nullopt);
    if (!kind)
      return fail("unknown numerics form '" + spec + "'");
    n.kind = *kind;
  }
  if (hasSuffix) {
    if (!n.isScaled())
      return fail("'" + spec + "': " + name +
                  " has no scale, so it takes no /tensor or /channel");
    if (suffix == "channel")
      n.granularity = Granularity::Channel;
    else if (suffix != "tensor")
      return fail("'" + spec + "': granularity must be tensor or channel");
  }
  return n;
}
