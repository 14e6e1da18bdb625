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
