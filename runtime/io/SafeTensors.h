//===- SafeTensors.h - memory-mapped safetensors reader ---------*- C++ -*-===//
//
// Reads a .safetensors file (u64 little-endian header length, JSON header,
// raw little-endian data) by mmap and validates every entry before handing
// out views: dtype known, shape non-negative and not overflowing, offsets in
// range, size = product(shape) * dtype size, no two tensors overlapping.
// Every defect is one llvm::Error line that names the file (and the key).
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_IO_SAFETENSORS_H
#define CALM_RUNTIME_IO_SAFETENSORS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace calm::runtime {

/// The runtime's one error shape: "PATH: what", one line.
llvm::Error fileError(llvm::StringRef path, const llvm::Twine &what);

/// JSON nesting deeper than this is refused by parseJSON.
constexpr unsigned kMaxJSONDepth = 512;

/// llvm::json::parse, but refusing input nested deeper than kMaxJSONDepth
/// first: the parser and json::Value's destructor recurse once per level,
/// so a file of a million '[' would overflow the stack. The error has no
/// path; callers add it.
llvm::Expected<llvm::json::Value> parseJSON(llvm::StringRef text);

enum class DType {
  F64,
  F32,
  F16,
  BF16,
  I64,
  I32,
  I16,
  I8,
  U8,
  Bool,
  F8E4M3,
  F8E5M2
};

/// The safetensors spelling ("F32", "BF16", ...), and the size in bytes.
llvm::StringRef getDTypeName(DType dtype);
unsigned getDTypeSize(DType dtype);

/// One tensor inside a mapped file.
struct TensorView {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  const uint8_t *data; // inside the mapping; little-endian, row-major
  uint64_t bytes;

  int64_t numElements() const;
};

class SafeTensorsFile {
public:
  /// Maps and validates `path`. The header may not exceed `maxHeaderBytes`.
  static llvm::Expected<std::unique_ptr<SafeTensorsFile>>
  open(llvm::StringRef path, uint64_t maxHeaderBytes = 100u << 20);
  /// Validates a file already in memory (the fuzzer's entry point); `path`
  /// only names it in errors. The views point into `buffer`.
  static llvm::Expected<std::unique_ptr<SafeTensorsFile>>
  parse(std::unique_ptr<llvm::MemoryBuffer> buffer, llvm::StringRef path,
        uint64_t maxHeaderBytes = 100u << 20);

  llvm::StringRef getPath() const { return path; }
  llvm::ArrayRef<TensorView> getTensors() const { return tensors; }
  /// The tensor called `name`, or nullptr.
  const TensorView *find(llvm::StringRef name) const;
  /// The `__metadata__` object's string values, in file order.
  llvm::ArrayRef<std::pair<std::string, std::string>> getMetadata() const {
    return metadata;
  }

private:
  SafeTensorsFile() = default;
  std::string path;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  std::vector<TensorView> tensors; // sorted by name
  std::vector<std::pair<std::string, std::string>> metadata;
};

} // namespace calm::runtime

#endif // CALM_RUNTIME_IO_SAFETENSORS_H
