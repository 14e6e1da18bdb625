// RUN: calm-opt %s --split-input-file --calm-vectorize-elementwise | FileCheck %s
// RUN: calm-opt %s --split-input-file --calm-vectorize-elementwise=vector-width=4 | FileCheck %s --check-prefix=W4
// RUN: not calm-opt %s --calm-vectorize-elementwise=vector-width=0 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: calm-vectorize-elementwise: vector-width must be at least 1

// CHECK-LABEL: func.func @lmul_1d
// CHECK-SAME: (%[[X:.*]]: memref<?xf32>, %[[Y:.*]]: memref<?xf32>, %[[O:.*]]: memref<?xf32>, %[[S:.*]]: f32)
// CHECK: %[[N:.*]] = memref.dim %[[X]], %c0
// CHECK: %[[REM:.*]] = arith.remui %[[N]], %c8
// CHECK: %[[END:.*]] = arith.subi %[[N]], %[[REM]]
// CHECK: scf.for %[[I:.*]] = %c0{{.*}} to %[[END]] step %c8 {
// CHECK:   %[[A:.*]] = vector.load %[[X]][%[[I]]] : memref<?xf32>, vector<8xf32>
// CHECK:   %[[B:.*]] = vector.load %[[Y]][%[[I]]] : memref<?xf32>, vector<8xf32>
// CHECK:   %[[P:.*]] = calm.lmul %[[A]], %[[B]] mantissa_bits(4) : vector<8xf32>
// CHECK:   %[[SB:.*]] = vector.broadcast %[[S]] : f32 to vector<8xf32>
// CHECK:   %[[Q:.*]] = arith.addf %[[P]], %[[SB]] : vector<8xf32>
// CHECK:   vector.store %[[Q]], %[[O]][%[[I]]] : memref<?xf32>, vector<8xf32>
// CHECK: }
// CHECK: scf.for %[[J:.*]] = %[[END]] to %[[N]] step %c1{{.*}} {
// CHECK:   memref.load %[[X]][%[[J]]] : memref<?xf32>
// CHECK:   calm.lmul %{{.*}}, %{{.*}} mantissa_bits(4) : f32
// CHECK:   memref.store %{{.*}}, %[[O]][%[[J]]] : memref<?xf32>
// CHECK-NOT: linalg.generic
// W4-LABEL: func.func @lmul_1d
// W4: vector.load %{{.*}} : memref<?xf32>, vector<4xf32>
func.func @lmul_1d(%x: memref<?xf32>, %y: memref<?xf32>, %o: memref<?xf32>, %s: f32) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x, %y : memref<?xf32>, memref<?xf32>) outs(%o : memref<?xf32>) {
  ^bb0(%a: f32, %b: f32, %unused: f32):
    %p = calm.lmul %a, %b mantissa_bits(4) : f32
    %q = arith.addf %p, %s : f32
    linalg.yield %q : f32
  }
  return
}

// -----

// 2-d: an outer scalar loop; the output is read when the body uses it.
// CHECK-LABEL: func.func @accumulate_2d
// CHECK: scf.for %[[R:.*]] = %c0{{.*}} to %{{.*}} step %c1{{.*}} {
// CHECK:   scf.for %[[C:.*]] = %c0{{.*}} to %{{.*}} step %c8 {
// CHECK:     vector.load %{{.*}}[%[[R]], %[[C]]] : memref<4x?xi32>, vector<8xi32>
// CHECK:     vector.load %{{.*}}[%[[R]], %[[C]]] : memref<4x?xi32>, vector<8xi32>
// CHECK:     arith.addi %{{.*}} : vector<8xi32>
// CHECK:     vector.store
func.func @accumulate_2d(%x: memref<4x?xi32>, %o: memref<4x?xi32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x?xi32>) outs(%o : memref<4x?xi32>) {
  ^bb0(%a: i32, %acc: i32):
    %s = arith.addi %a, %acc : i32
    linalg.yield %s : i32
  }
  return
}

// -----

// Not elementwise or not plain: left to the general path.
// CHECK-LABEL: func.func @not_handled
// CHECK-COUNT-4: linalg.generic
func.func @not_handled(%x: memref<?xf32>, %m: memref<?x?xf32>, %o: memref<?xf32>,
                       %t: memref<?xf32, strided<[2]>>) {
  // A reduction.
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%m : memref<?x?xf32>) outs(%o : memref<?xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  // A broadcast (non-identity map).
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<?xf32>) outs(%m : memref<?x?xf32>) {
  ^bb0(%a: f32, %unused: f32):
    linalg.yield %a : f32
  }
  // Uses the iteration index.
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%o : memref<?xf32>) {
  ^bb0(%unused: f32):
    %i = linalg.index 0 : index
    %c = arith.index_cast %i : index to i32
    %f = arith.sitofp %c : i32 to f32
    linalg.yield %f : f32
  }
  // Strided innermost dimension.
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%t : memref<?xf32, strided<[2]>>) outs(%o : memref<?xf32>) {
  ^bb0(%a: f32, %unused: f32):
    linalg.yield %a : f32
  }
  return
}
