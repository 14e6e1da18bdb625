//===- Numerics.cpp - the vocabulary of numerics forms --------------------===//

#include "calm/Dialect/CALM/IR/Numerics.h"
#include "calm/Dialect/CALM/IR/CALMDialect.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
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

Type Numerics::getStorageType(MLIRContext *context) const {
  Builder b(context);
  switch (kind) {
  case NumericsKind::BF16:
    return b.getBF16Type();
  case NumericsKind::F16:
    return b.getF16Type();
  case NumericsKind::F8E4M3:
    return b.getType<Float8E4M3FNType>();
  case NumericsKind::F8E5M2:
    return b.getType<Float8E5M2Type>();
  case NumericsKind::I8:
    return b.getI8Type();
  default:
    return b.getF32Type();
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

Numerics NumericsSelection::forRole(llvm::StringRef role) const {
  for (const auto &[name, n] : roles)
    if (name == role)
      return n;
  return defaults;
}

std::string NumericsSelection::str() const {
  std::string s = defaults.str();
  auto sorted = roles;
  llvm::sort(sorted, [](const auto &a, const auto &b) { return a.first < b.first; });
  for (const auto &[name, n] : sorted)
    if (!(n == defaults))
      s += "," + name + "=" + n.str();
  return s;
}

std::optional<NumericsSelection>
mlir::calm::parseNumericsSelection(llvm::StringRef spec, std::string &error) {
  NumericsSelection selection;
  llvm::SmallVector<llvm::StringRef> items;
  spec.split(items, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  if (items.empty()) {
    error = "empty numerics selection; give FORM or ROLE=FORM[,...], forms: " +
            getNumericsGrammar().str();
    return std::nullopt;
  }
  for (llvm::StringRef item : items) {
    llvm::StringRef role, form;
    std::tie(role, form) = item.trim().split('=');
    if (form.empty() && !item.contains('=')) {
      std::optional<Numerics> n = parseNumerics(role, error);
      if (!n)
        return std::nullopt;
      selection.defaults = *n;
      continue;
    }
    role = role.trim();
    if (!llvm::is_contained(getModelRoles(), role)) {
      error = ("unknown role '" + role + "' in '" + item.trim() +
               "'; roles: " + llvm::join(getModelRoles(), ", "))
                  .str();
      return std::nullopt;
    }
    std::optional<Numerics> n = parseNumerics(form, error);
    if (!n) {
      error = ("role " + role + ": " + error).str();
      return std::nullopt;
    }
    llvm::erase_if(selection.roles,
                   [&](const auto &r) { return r.first == role; });
    selection.roles.push_back({role.str(), *n});
  }
  return selection;
}
