//===- MemRefCopy.cpp - memrefCopy for model libraries --------------------===//
//
// Generated code copies strided memrefs through `memrefCopy`, which MLIR's
// C runner utils provide to the JIT and to calm-run; libcalm has no MLIR,
// so it defines the function itself (same signature and meaning: copy
// src's elements into dst, both of src's shape, any strides).
//
//===----------------------------------------------------------------------===//

#include "mlir/ExecutionEngine/CRunnerUtils.h"

#include <cstring>
#include <vector>

extern "C" void memrefCopy(int64_t elemSize, UnrankedMemRefType<char> *srcArg,
                           UnrankedMemRefType<char> *dstArg) {
  DynamicMemRefType<char> src(*srcArg), dst(*dstArg);
  int64_t rank = src.rank;
  char *s = src.data + src.offset * elemSize;
  char *d = dst.data + dst.offset * elemSize;
  if (rank == 0) {
    std::memcpy(d, s, elemSize);
    return;
  }
  for (int64_t r = 0; r < rank; ++r)
    if (src.sizes[r] == 0)
      return;
  // An odometer over the indices: the innermost dimension moves fastest.
  std::vector<int64_t> index(rank, 0);
  while (true) {
    std::memcpy(d, s, elemSize);
    int64_t r = rank - 1;
    for (; r >= 0; --r) {
      s += src.strides[r] * elemSize;
      d += dst.strides[r] * elemSize;
      if (++index[r] < src.sizes[r])
        break;
      s -= src.strides[r] * elemSize * src.sizes[r];
      d -= dst.strides[r] * elemSize * dst.sizes[r];
      index[r] = 0;
    }
    if (r < 0)
      return;
  }
}
