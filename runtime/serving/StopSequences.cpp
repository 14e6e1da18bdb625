//===- StopSequences.cpp - cut streamed text at a stop sequence -----------===//

#include "serving/StopSequences.h"

using namespace calm::runtime;

std::string StopSequences::push(llvm::StringRef text) {
  if (hit)
    return "";
  held += text.str();
  // The earliest match of any sequence wins.
  size_t first = std::string::npos;
  for (const std::string &s : stops)
    first = std::min(first, held.find(s));
  if (first != std::string::npos) {
    hit = true;
    std::string out = held.substr(0, first);
    held.clear();
    return out;
  }
  // Hold back the longest suffix that is a proper prefix of a sequence.
  // It starts where a sequence starts, on a UTF-8 lead byte, so the text
  // released never splits a character that was whole.
  size_t keep = 0;
  for (const std::string &s : stops)
    for (size_t n = std::min(s.size() - 1, held.size()); n > keep; --n)
      if (llvm::StringRef(held).ends_with(llvm::StringRef(s).take_front(n))) {
        keep = n;
        break;
      }
  std::string out = held.substr(0, held.size() - keep);
  held.erase(0, held.size() - keep);
  return out;
}

std::string StopSequences::finish() {
  std::string out;
  out.swap(held);
  return hit ? std::string() : out;
}
