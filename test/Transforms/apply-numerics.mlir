// RUN: calm-opt %s --split-input-file --calm-apply-numerics --verify-diagnostics | FileCheck %s
// No tag is left anywhere:
// RUN: calm-opt %s --split-input-file --calm-apply-numerics --verify-diagnostics | FileCheck %s --check-prefix=NOTAG
// NOTAG-NOT: calm.numerics

// Only tagged contractions change, each to the form its tag names, on the
// matmul's own operands; the tag is consumed.
// CHECK-LABEL: func.func @mixed
// CHECK-SAME: (%[[A:[^:]*]]: tensor<4x8xf32>, %[[B:[^:]*]]: tensor<8x16xf32>, %[[C:[^:]*]]: tensor<4x16xf32>)
// lmul:3: A's element times B's, accumulated in f32:
// CHECK: %[[L:.*]] = linalg.generic {{.*}} ins(%[[A]], %[[B]] : tensor<4x8xf32>, tensor<8x16xf32>) outs(%[[C]] : tensor<4x16xf32>)
// CHECK-NEXT: ^bb0(%[[X:[^:]*]]: f32, %[[Y:[^:]*]]: f32, %[[ACC:[^:]*]]: f32):
// CHECK-NEXT: %[[P:.*]] = calm.lmul %[[X]], %[[Y]] mantissa_bits(3) : f32
// CHECK-NEXT: arith.addf %[[ACC]], %[[P]] : f32
// f8E5M2/channel: A quantized by row scales, B by column scales, then the
// product of the two quantized tensors:
// CHECK: %[[QA:.*]] = linalg.generic {{.*}} ins(%[[A]], %{{.*}} : tensor<4x8xf32>, tensor<4xf32>) outs(%{{.*}} : tensor<4x8xi8>)
// CHECK: arith.truncf %{{.*}} : f32 to f8E5M2
// CHECK: %[[QB:.*]] = linalg.generic {{.*}} ins(%[[B]], %{{.*}} : tensor<8x16xf32>, tensor<16xf32>) outs(%{{.*}} : tensor<8x16xi8>)
// CHECK: arith.truncf %{{.*}} : f32 to f8E5M2
// CHECK: %[[Q:.*]] = linalg.generic {{.*}} ins(%[[QA]], %[[QB]] : tensor<4x8xi8>, tensor<8x16xi8>)
// CHECK: %[[F8:.*]] = linalg.generic {{.*}} ins(%[[Q]], %{{.*}}, %{{.*}}, %[[C]] : {{.*}})
// Untagged and f32-tagged: plain matmuls.
// CHECK: %[[M2:.*]] = linalg.matmul ins(%[[A]], %[[B]] : {{.*}}) outs(%[[C]] : {{.*}})
// CHECK-NEXT: %[[M3:.*]] = linalg.matmul ins(%[[A]], %[[B]] : {{.*}}) outs(%[[C]] : {{.*}})
// CHECK-NEXT: return %[[L]], %[[F8]], %[[M2]], %[[M3]]
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
