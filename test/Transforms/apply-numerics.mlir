// RUN: calm-opt %s --split-input-file --calm-apply-numerics --verify-diagnostics | FileCheck %s

// Only tagged contractions change, each to the form its tag names; the tag
// is consumed.
// CHECK-LABEL: func.func @mixed
// CHECK: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(3) : f32
// CHECK: arith.truncf %{{.*}} : f32 to f8E5M2
// CHECK: linalg.matmul ins
// CHECK-NOT: calm.numerics
// CHECK: return
func.func @mixed(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>)
    -> (tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>) {
  %0 = linalg.matmul {calm.numerics = #calm.numerics<lmul:3>} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  %1 = linalg.matmul {calm.numerics = #calm.numerics<f8E5M2/channel>} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  %2 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  %3 = linalg.matmul {calm.numerics = #calm.numerics<f32>} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0, %1, %2, %3 : tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// A tagged contraction that cannot take its form is a located error.
func.func @memref_tagged(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>) {
  // expected-error @+1 {{cannot compute this op in i8/tensor: operates on memrefs: apply numerics before bufferization}}
  linalg.matmul {calm.numerics = #calm.numerics<i8>} ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  return
}
