//===- CInterface.cpp - the ukernels as the generated code calls them -----===//
//
// calm-contractions-to-ukernels emits
//   func.call @calm_uk_linear(x, weights, offset, n, k, form, init, out)
// with x/init/out as memref<?x?xf32, strided<[?, ?], offset: ?>>, weights as
// memref<?xi8> (the flat buffer) and `offset` the packed weight's byte
// offset in it; `llvm.emit_c_interface` makes that this function. An init
// with no elements stands for zeros.
//
//===----------------------------------------------------------------------===//

#include "UKernels.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"

#include <vector>

using namespace calm::ukernels;

namespace {
/// A row-major pointer and row stride for a 2-D descriptor, copying into
/// `copy` when its inner stride is not 1.
const float *rows(const StridedMemRefType<float, 2> &m,
                  std::vector<float> &copy, int64_t &stride) {
  const float *base = m.data + m.offset;
  if (m.strides[1] == 1) {
    stride = m.strides[0];
    return base;
  }
  copy.resize(m.sizes[0] * m.sizes[1]);
  for (int64_t i = 0; i < m.sizes[0]; ++i)
    for (int64_t j = 0; j < m.sizes[1]; ++j)
      copy[i * m.sizes[1] + j] = base[i * m.strides[0] + j * m.strides[1]];
  stride = m.sizes[1];
  return copy.data();
}
} // namespace

extern "C" void _mlir_ciface_calm_uk_linear(void *xArg, void *weightsArg,
                                            int64_t offset, int64_t n,
                                            int64_t k, int32_t form,
                                            void *initArg, void *outArg) {
  auto *x = static_cast<StridedMemRefType<float, 2> *>(xArg);
  auto *weights = static_cast<StridedMemRefType<int8_t, 1> *>(weightsArg);
  auto *init = static_cast<StridedMemRefType<float, 2> *>(initArg);
  auto *out = static_cast<StridedMemRefType<float, 2> *>(outArg);
  std::vector<float> xCopy, initCopy, outCopy;
  int64_t xStride, initStride, outStride;
  const float *xp = rows(*x, xCopy, xStride);
  // An empty init (calm-contractions-to-ukernels' zero init): add onto 0.
  const float *ip = nullptr;
  initStride = 0;
  if (init->sizes[0] != 0 && init->sizes[1] != 0)
    ip = rows(*init, initCopy, initStride);
  float *op = out->data + out->offset;
  bool direct = out->strides[1] == 1;
  if (direct) {
    outStride = out->strides[0];
  } else {
    outCopy.resize(out->sizes[0] * out->sizes[1]);
    op = outCopy.data();
    outStride = out->sizes[1];
  }
  const int8_t *packed = weights->data + weights->offset + offset;
  linear(Form::decode(form), xp, x->sizes[0], xStride, packed, n, k, ip,
         initStride, op, outStride);
  if (!direct)
    for (int64_t i = 0; i < out->sizes[0]; ++i)
      for (int64_t j = 0; j < out->sizes[1]; ++j)
        out->data[out->offset + i * out->strides[0] + j * out->strides[1]] =
            outCopy[i * out->sizes[1] + j];
}
