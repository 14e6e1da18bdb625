//===- FuzzSafeTensors.cpp - libFuzzer target: safetensors files ----------===//
//
// Any bytes as a .safetensors file: the reader either refuses them with one
// error line or hands out views that lie inside the input. Every view's
// bytes are read, so that ASan reports a view reaching past the file.
//
//===----------------------------------------------------------------------===//

#include "io/SafeTensors.h"

#include <cstddef>
#include <cstdint>

using namespace calm::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  auto file = SafeTensorsFile::parse(
      llvm::MemoryBuffer::getMemBuffer(bytes, "fuzz.safetensors",
                                       /*RequiresNullTerminator=*/false),
      "fuzz.safetensors");
  if (!file) {
    std::string message = llvm::toString(file.takeError());
    if (message.find('\n') != std::string::npos)
      __builtin_trap(); // the one-line contract
    return 0;
  }
  uint64_t sum = 0;
  for (const TensorView &t : (*file)->getTensors()) {
    if (t.bytes != uint64_t(t.numElements()) * getDTypeSize(t.dtype))
      __builtin_trap(); // a view whose size disagrees with its shape
    for (uint64_t i = 0; i < t.bytes; ++i)
      sum += t.data[i];
    if ((*file)->find(t.name) != &t)
      __builtin_trap();
  }
  for (const auto &[key, value] : (*file)->getMetadata())
    sum += key.size() + value.size();
  // Keep the reads.
  volatile uint64_t sink = sum;
  (void)sink;
  return 0;
}
