//===- CALMAttrs.cpp - calm dialect attributes ----------------------------===//

#include "calm/Dialect/CALM/IR/CALMAttrs.h"
#include "calm/Dialect/CALM/IR/CALMDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::calm;

#include "calm/Dialect/CALM/IR/CALMEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "calm/Dialect/CALM/IR/CALMAttrs.cpp.inc"

void CALMDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "calm/Dialect/CALM/IR/CALMAttrs.cpp.inc"
      >();
}

ArrayRef<StringRef> mlir::calm::getModelRoles() {
  static const SmallVector<StringRef> roles = [] {
    SmallVector<StringRef> all;
    for (uint32_t i = 0; i <= getMaxEnumValForRole(); ++i)
      all.push_back(stringifyRole(static_cast<Role>(i)));
    return all;
  }();
  return roles;
}

// #calm.role<ROLE>
Attribute RoleAttr::parse(AsmParser &parser, Type) {
  llvm::SMLoc loc;
  StringRef keyword;
  if (parser.parseLess() || parser.getCurrentLocation(&loc) ||
      parser.parseKeyword(&keyword))
    return {};
  std::optional<Role> role = symbolizeRole(keyword);
  if (!role) {
    parser.emitError(loc) << "unknown role '" << keyword
                          << "'; roles: " << llvm::join(getModelRoles(), ", ");
    return {};
  }
  if (parser.parseGreater())
    return {};
  return RoleAttr::get(parser.getContext(), *role);
}

void RoleAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringifyRole(getValue()) << ">";
}

// #calm.numerics<FORM>, FORM as --numerics spells it: a keyword, then
// `/granularity` or `:mantissa-bits`. The form is checked here, once; passes
// read the parsed value.
Attribute NumericsAttr::parse(AsmParser &parser, Type) {
  llvm::SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (parser.parseLess() || parser.parseKeyword(&keyword))
    return {};
  std::string spec = keyword.str();
  if (succeeded(parser.parseOptionalSlash())) {
    StringRef granularity;
    if (parser.parseKeyword(&granularity))
      return {};
    spec += "/" + granularity.str();
  } else if (succeeded(parser.parseOptionalColon())) {
    int64_t bits = 0;
    if (parser.parseInteger(bits))
      return {};
    spec += ":" + std::to_string(bits);
  }
  if (parser.parseGreater())
    return {};
  std::string error;
  std::optional<Numerics> numerics = parseNumerics(spec, error);
  if (!numerics) {
    parser.emitError(loc) << "invalid #calm.numerics: " << error;
    return {};
  }
  return NumericsAttr::get(parser.getContext(), *numerics);
}

void NumericsAttr::print(AsmPrinter &printer) const {
  printer << "<" << getValue().str() << ">";
}
