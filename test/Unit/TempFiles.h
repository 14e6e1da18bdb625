//===- TempFiles.h - files the unit tests write --------------------*- C++
//-*-===//

#ifndef CALM_TEST_UNIT_TEMPFILES_H
#define CALM_TEST_UNIT_TEMPFILES_H

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>

namespace calm_test {

/// A fresh file `name` with `contents` in a new temporary directory.
inline std::string writeText(const std::string &name,
                             const std::string &contents) {
  llvm::SmallString<128> dir;
  llvm::sys::fs::createUniqueDirectory("calm-unit", dir);
  std::string path = (dir + "/" + name).str();
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

/// A safetensors file: the header length field (the text's length unless
/// given), the header text, and `dataBytes` bytes of data.
inline std::string writeSafeTensors(const std::string &name,
                                    const std::string &header, size_t dataBytes,
                                    std::optional<uint64_t> lengthField = {}) {
  std::string bytes;
  uint64_t len = lengthField.value_or(header.size());
  for (int i = 0; i < 8; ++i)
    bytes.push_back(char((len >> (8 * i)) & 0xFF));
  return writeText(name, bytes + header + std::string(dataBytes, '\x01'));
}

} // namespace calm_test

#endif // CALM_TEST_UNIT_TEMPFILES_H
