//===- CALMTypes.cpp - calm dialect types ---------------------------------===//

#include "calm/Dialect/CALM/IR/CALMTypes.h"
#include "calm/Dialect/CALM/IR/CALMDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::calm;

#define GET_TYPEDEF_CLASSES
#include "calm/Dialect/CALM/IR/CALMOpsTypes.cpp.inc"

void CALMDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "calm/Dialect/CALM/IR/CALMOpsTypes.cpp.inc"
      >();
}

// !calm.chunk<[batch x ...] K x latent x element>
Type ChunkType::parse(AsmParser &parser) {
  SmallVector<int64_t> shape;
  Type elementType;
  llvm::SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, /*allowDynamic=*/true,
                                /*withTrailingX=*/true) ||
      parser.parseType(elementType) || parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(loc); },
                    parser.getContext(), shape, elementType);
}

void ChunkType::print(AsmPrinter &printer) const {
  printer << "<";
  for (int64_t d : getShape()) {
    if (ShapedType::isDynamic(d))
      printer << "?";
    else
      printer << d;
    printer << "x";
  }
  printer << getElementType() << ">";
}

LogicalResult
ChunkType::verify(function_ref<InFlightDiagnostic()> emitError,
                  ArrayRef<int64_t> shape, Type elementType) {
  if (shape.size() < 2)
    return emitError() << "!calm.chunk needs at least K and the latent size "
                          "(e.g. !calm.chunk<4x64xf32>), got "
                       << shape.size() << " dimension(s)";
  if (llvm::count_if(shape.drop_back(2), ShapedType::isDynamic) > 1)
    return emitError() << "!calm.chunk allows at most one dynamic batch "
                          "dimension";
  for (auto [i, d] : llvm::enumerate(shape)) {
    // Batch dimensions may be dynamic (a number of samples chosen at run
    // time); K and the latent size are the model's and must be known.
    if (ShapedType::isDynamic(d) && i + 2 < shape.size())
      continue;
    if (d <= 0 || ShapedType::isDynamic(d))
      return emitError() << "!calm.chunk "
                         << (i + 2 < shape.size() ? "batch dimensions"
                                                  : "K and latent size")
                         << " must be positive"
                         << (i + 2 < shape.size() ? " or ?" : "")
                         << ", got "
                         << (ShapedType::isDynamic(d) ? std::string("?")
                                                      : std::to_string(d));
  }
  if (!isa<FloatType>(elementType))
    return emitError() << "!calm.chunk element type must be a float type, got "
                       << elementType;
  return success();
}

RankedTensorType ChunkType::getLatentTensorType() const {
  SmallVector<int64_t> shape(getBatchShape());
  shape.push_back(getLatentSize());
  return RankedTensorType::get(shape, getElementType());
}

ChunkType ChunkType::getForLatents(RankedTensorType latents,
                                   int64_t patchSize) {
  SmallVector<int64_t> shape(latents.getShape().drop_back());
  shape.push_back(patchSize);
  shape.push_back(latents.getShape().back());
  return ChunkType::get(latents.getContext(), shape,
                        latents.getElementType());
}
