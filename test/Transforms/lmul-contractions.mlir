// RUN: calm-opt %s --split-input-file --calm-lmul-contractions | FileCheck %s
// RUN: calm-opt %s --split-input-file --calm-lmul-contractions="mantissa-bits=3 func-filter=^attn" | FileCheck %s --check-prefix=FILTER

// Contractions get L-Mul products with f32 accumulation; the other
// multiplies stay (contrast calm-mulf-to-lmul).
// CHECK-LABEL: func.func @attn_scores
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:   calm.lmul %{{.*}}, %{{.*}} mantissa_bits(4) : f32
// CHECK:   arith.addf
// CHECK: arith.mulf %{{.*}}, %{{.*}} : tensor<4x16xf32>
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK:   calm.lmul
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK:   calm.lmul
// FILTER-LABEL: func.func @attn_scores
// FILTER-COUNT-3: mantissa_bits(3)
func.func @attn_scores(%q: tensor<4x8xf32>, %k: tensor<16x8xf32>, %s: tensor<4x16xf32>,
                       %v: tensor<8xf32>, %y: tensor<4xf32>,
                       %ba: tensor<2x4x8xf32>, %bb: tensor<2x8x5xf32>, %bc: tensor<2x4x5xf32>)
    -> (tensor<4x16xf32>, tensor<4xf32>, tensor<2x4x5xf32>) {
  %0 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
       ins(%q, %k : tensor<4x8xf32>, tensor<16x8xf32>) outs(%s : tensor<4x16xf32>) -> tensor<4x16xf32>
  %1 = arith.mulf %0, %0 : tensor<4x16xf32>
  %2 = linalg.matvec ins(%q, %v : tensor<4x8xf32>, tensor<8xf32>) outs(%y : tensor<4xf32>) -> tensor<4xf32>
  %3 = linalg.batch_matmul ins(%ba, %bb : tensor<2x4x8xf32>, tensor<2x8x5xf32>) outs(%bc : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  return %1, %2, %3 : tensor<4x16xf32>, tensor<4xf32>, tensor<2x4x5xf32>
}

// -----

// FILTER-LABEL: func.func @mlp
// FILTER: linalg.matmul
// FILTER-NOT: calm.lmul
func.func @mlp(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}
