//===- StopSequences.h - cut streamed text at a stop sequence --*- C++ -*-===//
//
// OpenAI's `stop`: the completion ends before the first occurrence of any
// stop sequence, which may span decoded chunks. Text is released as soon
// as no stop sequence can begin in it, so that a stream shows each chunk
// at once but never a piece it must take back, and the pieces released
// add up to the non-streamed text exactly.
//
//===----------------------------------------------------------------------===//

#ifndef CALM_RUNTIME_SERVING_STOPSEQUENCES_H
#define CALM_RUNTIME_SERVING_STOPSEQUENCES_H

#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace calm::runtime {

class StopSequences {
public:
  explicit StopSequences(std::vector<std::string> stops)
      : stops(std::move(stops)) {}

  /// Appends `text`; returns what may be shown now. After a match, the
  /// text up to the match is returned and matched() is true: generation
  /// should stop, and later calls return nothing.
  std::string push(llvm::StringRef text);
  /// The text held back (a possible start of a stop sequence) once no more
  /// comes.
  std::string finish();
  bool matched() const { return hit; }

private:
  std::vector<std::string> stops;
  /// Text not yet released: the longest suffix that begins a stop sequence.
  std::string held;
  bool hit = false;
};

} // namespace calm::runtime

#endif // CALM_RUNTIME_SERVING_STOPSEQUENCES_H
