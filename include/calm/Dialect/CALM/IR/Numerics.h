//===- Numerics.h - the vocabulary of numerics forms ------------*- C++ -*-===//
//
// One spelling of "how a contraction computes", shared by pass options, the
// `calm.numerics` attribute and (later) calm-run --numerics:
//
//   f32 | bf16 | f16 | f8e4m3[/G] | f8e5m2[/G] | i8[/G] | lmul:M
//   G = tensor (default) | channel
//
// The MLIR type spellings f8E4M3FN and f8E5M2 are accepted as aliases.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_DIALECT_CALM_IR_NUMERICS_H
#define CALM_DIALECT_CALM_IR_NUMERICS_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace mlir {
class MLIRContext;
class Type;
namespace calm {

/// Name of the discardable attribute that selects an op's numerics.
constexpr llvm::StringLiteral kNumericsAttrName = "calm.numerics";

enum class NumericsKind { F32, BF16, F16, F8E4M3, F8E5M2, I8, LMul };
enum class Granularity { Tensor, Channel };

struct Numerics {
  NumericsKind kind = NumericsKind::F32;
  /// Mantissa bits kept, for lmul only.
  unsigned mantissaBits = 0;
  /// Scale granularity, for the scaled forms (f8e4m3, f8e5m2, i8) only.
  Granularity granularity = Granularity::Tensor;

  /// Forms stored in fewer bits than f32 (bf16, f16, fp8, i8).
  bool isQuantized() const {
    return kind != NumericsKind::F32 && kind != NumericsKind::LMul;
  }
  /// Forms that need a scale (fp8, i8).
  bool isScaled() const {
    return kind == NumericsKind::F8E4M3 || kind == NumericsKind::F8E5M2 ||
           kind == NumericsKind::I8;
  }
  /// The largest magnitude the storage holds (QMAX of quant.md), scaled forms.
  double maxMagnitude() const;
  /// The storage element type (f8 types for fp8, i8 for i8, bf16, f16).
  Type getStorageType(MLIRContext *context) const;
  /// The canonical spelling, e.g. "f8e4m3/channel" or "lmul:4".
  std::string str() const;

  bool operator==(const Numerics &other) const {
    return kind == other.kind && mantissaBits == other.mantissaBits &&
           granularity == other.granularity;
  }
};

/// The valid spellings, for error messages.
llvm::StringRef getNumericsGrammar();

/// Parses `spec`. On failure returns std::nullopt and sets `error` to one
/// line that says what is wrong and lists the valid forms.
std::optional<Numerics> parseNumerics(llvm::StringRef spec, std::string &error);

/// Numerics for a whole model, per role: what `calm-run --numerics` and
/// calm-assign-numerics take. Spelling: comma-separated items, each either
/// FORM (every role not named otherwise) or ROLE=FORM, e.g.
/// "f8e4m3/channel,attention=lmul:4". Later items override earlier ones.
struct NumericsSelection {
  Numerics defaults;
  llvm::SmallVector<std::pair<std::string, Numerics>> roles;
  /// The numerics of `role`.
  Numerics forRole(llvm::StringRef role) const;
  /// Canonical spelling (default first, roles sorted), e.g. for cache keys.
  std::string str() const;
};

/// Parses a selection; roles must be among getModelRoles(). On failure sets
/// `error` to one line.
std::optional<NumericsSelection> parseNumericsSelection(llvm::StringRef spec,
                                                        std::string &error);

} // namespace calm
} // namespace mlir

#endif // CALM_DIALECT_CALM_IR_NUMERICS_H
