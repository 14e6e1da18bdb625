// RUN: calm-opt %s --split-input-file --calm-interchange-contractions | FileCheck %s
// RUN: calm-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(calm-interchange-contractions,convert-linalg-to-affine-loops,affine-super-vectorize{virtual-vector-size=8},calm-mark-transfers-in-bounds))" | FileCheck %s --check-prefix=INBOUNDS

// matmul runs i-k-j: the innermost loop walks rows of B and C.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @matmul
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["parallel", "reduction", "parallel"]}
// Static extents that the vectors divide: no masked transfers.
// INBOUNDS-LABEL: func.func @matmul
// INBOUNDS: affine.for %{{.*}} = 0 to 4 {
// INBOUNDS:   affine.for %{{.*}} = 0 to 8 {
// INBOUNDS:     affine.for %{{.*}} = 0 to 16 step 8 {
// INBOUNDS:       vector.transfer_read %{{.*}} {in_bounds = [true]} : memref<8x16xf32>, vector<8xf32>
// INBOUNDS:       vector.transfer_read %{{.*}} {in_bounds = [true]} : memref<4x16xf32>, vector<8xf32>
// INBOUNDS:       vector.transfer_write %{{.*}} {in_bounds = [true]} : vector<8xf32>, memref<4x16xf32>
func.func @matmul(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  return
}

// -----

// A vecmat (GEMV with the vector on the left) runs k-j. An extent the
// vector does not divide stays masked.
// CHECK-LABEL: func.func @vecmat
// CHECK: iterator_types = ["reduction", "parallel"]
// INBOUNDS-LABEL: func.func @vecmat
// INBOUNDS: vector.transfer_read %{{.*}} : memref<8x12xf32>, vector<8xf32>
// INBOUNDS-NOT: in_bounds = [true]
func.func @vecmat(%a: memref<8xf32>, %b: memref<8x12xf32>, %c: memref<12xf32>) {
  linalg.vecmat ins(%a, %b : memref<8xf32>, memref<8x12xf32>) outs(%c : memref<12xf32>)
  return
}

// -----

// Tensors are left for after bufferization; an already good order stays.
// CHECK-LABEL: func.func @tensors
// INBOUNDS-LABEL: func.func @tensors
// CHECK: linalg.matmul
// CHECK: linalg.matvec
func.func @tensors(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>,
                   %m: memref<4x8xf32>, %v: memref<8xf32>, %y: memref<4xf32>) -> tensor<4x16xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  linalg.matvec ins(%m, %v : memref<4x8xf32>, memref<8xf32>) outs(%y : memref<4xf32>)
  return %0 : tensor<4x16xf32>
}

// -----

// An L-Matmul generic is reordered like the matmul it came from.
// CHECK-LABEL: func.func @lmatmul
// INBOUNDS-LABEL: func.func @lmatmul
// CHECK: iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: calm.lmul
func.func @lmatmul(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = calm.lmul %x, %y mantissa_bits(4) : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
