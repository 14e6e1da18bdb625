//===- Reconstruction.cpp - held-out accuracy of a CALM's autoencoder -----===//

#include "generation/Reconstruction.h"

using namespace calm::runtime;

void ReconstructionCounts::add(const ReconstructionCounts &other) {
  tokens += other.tokens;
  correctTokens += other.correctTokens;
  chunks += other.chunks;
  correctChunks += other.correctChunks;
}

double ReconstructionCounts::tokenAccuracy() const {
  return tokens ? double(correctTokens) / double(tokens) : 0.0;
}

double ReconstructionCounts::chunkAccuracy() const {
  return chunks ? double(correctChunks) / double(chunks) : 0.0;
}

llvm::Expected<ReconstructionCounts> calm::runtime::evaluateReconstruction(
    CALMModel &model, llvm::ArrayRef<int32_t> stream, int64_t blockTokens,
    int64_t blocks, ReconstructionProgress progress,
    std::vector<ReconstructionCounts> *perBlock) {
  const AutoencoderConfig &a = model.getAEConfig();
  int64_t k = a.patchSize, n = blockTokens / k;
  std::vector<float> mean(n * a.latentSize), logStd(n * a.latentSize);
  ReconstructionCounts total;
  model.clearDeviceError();
  for (int64_t b = 0; b < blocks; ++b) {
    llvm::ArrayRef<int32_t> block = stream.slice(b * blockTokens, n * k);
    model.aeEncode(block, mean, logStd);
    std::vector<int32_t> decoded = model.decodeTokens(mean);
    // Neither pass reports an error of its own: a device failure must not
    // be counted as decoded tokens.
    if (llvm::Error err = model.deviceStatus())
      return std::move(err);
    ReconstructionCounts counts;
    for (int64_t c = 0; c < n; ++c) {
      bool whole = true;
      for (int64_t j = 0; j < k; ++j) {
        bool same = decoded[c * k + j] == block[c * k + j];
        counts.correctTokens += same;
        whole = whole && same;
      }
      counts.correctChunks += whole;
    }
    counts.tokens = n * k;
    counts.chunks = n;
    total.add(counts);
    if (perBlock)
      perBlock->push_back(counts);
    progress(b + 1, blocks, total);
  }
  return total;
}
