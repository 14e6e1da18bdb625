// RUN: calm-opt %s --split-input-file --calm-linalg-to-loops | FileCheck %s
// RUN: calm-opt %s --split-input-file --calm-linalg-to-loops=vector-width=8 | FileCheck %s --check-prefix=VEC

// At function level the bounds are affine: an affine.for nest, as
// convert-linalg-to-affine-loops builds it. Vectorized, the parallel
// innermost loop (j) is widened; the reduction loop (k) is not.
// CHECK-LABEL: func.func @top_level
// CHECK:       affine.for %{{.*}} = 0 to 4 {
// CHECK-NEXT:    affine.for %{{.*}} = 0 to 8 {
// CHECK-NEXT:      affine.for %{{.*}} = 0 to 16 {
// CHECK:             affine.load
// CHECK:             affine.store
// CHECK-NOT:   scf.for
// CHECK-NOT:   calm.linalg_reduction_loop
// VEC-LABEL:   func.func @top_level
// VEC:         affine.for %{{.*}} = 0 to 4 {
// VEC-NEXT:      affine.for %{{.*}} = 0 to 8 {
// VEC-NEXT:        affine.for %{{.*}} = 0 to 16 step 8 {
// VEC:               vector.transfer_read %{{.*}} : memref<8x16xf32>, vector<8xf32>
// VEC:               vector.transfer_write %{{.*}} : vector<8xf32>, memref<4x16xf32>
// VEC-NOT:     calm.linalg_reduction_loop
func.func @top_level(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, k, j) -> (i, k)>, affine_map<(i, k, j) -> (k, j)>, affine_map<(i, k, j) -> (i, j)>], iterator_types = ["parallel", "reduction", "parallel"]} ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A tile of an scf.for loop, sized by an affine.min of the loop variable:
// not an affine symbol, so scf.for loops (an affine.for would not verify:
// "operand cannot be used as a dimension id").
// CHECK-LABEL: func.func @tile
// CHECK:       scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:         %[[M:.*]] = affine.min #{{.*}}(%[[I]])
// CHECK:         scf.for %{{.*}} = %{{.*}} to %[[M]] step %{{.*}} {
// CHECK-NEXT:      scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT:        scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:               memref.load
// CHECK:               memref.store
// CHECK-NOT:   affine.for
// VEC-LABEL:   func.func @tile
// VEC-NOT:     vector.
func.func @tile(%a: memref<13x11xf32>, %b: memref<11x7xf32>, %c: memref<13x7xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c13 = arith.constant 13 : index
  scf.for %i = %c0 to %c13 step %c4 {
    %m = affine.min affine_map<(d0) -> (-d0 + 13, 4)>(%i)
    %sa = memref.subview %a[%i, 0] [%m, 11] [1, 1] : memref<13x11xf32> to memref<?x11xf32, strided<[11, 1], offset: ?>>
    %sc = memref.subview %c[%i, 0] [%m, 7] [1, 1] : memref<13x7xf32> to memref<?x7xf32, strided<[7, 1], offset: ?>>
    linalg.matmul ins(%sa, %b : memref<?x11xf32, strided<[11, 1], offset: ?>>, memref<11x7xf32>) outs(%sc : memref<?x7xf32, strided<[7, 1], offset: ?>>)
  }
  return
}

// -----

// The same op on a tile of static size inside the scf.for: affine again.
// CHECK-LABEL: func.func @static_tile
// CHECK:       scf.for
// CHECK:         affine.for %{{.*}} = 0 to 4 {
// CHECK-NEXT:      affine.for %{{.*}} = 0 to 7 {
// CHECK-NEXT:        affine.for %{{.*}} = 0 to 11 {
func.func @static_tile(%a: memref<12x11xf32>, %b: memref<11x7xf32>, %c: memref<12x7xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c12 = arith.constant 12 : index
  scf.for %i = %c0 to %c12 step %c4 {
    %sa = memref.subview %a[%i, 0] [4, 11] [1, 1] : memref<12x11xf32> to memref<4x11xf32, strided<[11, 1], offset: ?>>
    %sc = memref.subview %c[%i, 0] [4, 7] [1, 1] : memref<12x7xf32> to memref<4x7xf32, strided<[7, 1], offset: ?>>
    linalg.matmul ins(%sa, %b : memref<4x11xf32, strided<[11, 1], offset: ?>>, memref<11x7xf32>) outs(%sc : memref<4x7xf32, strided<[7, 1], offset: ?>>)
  }
  return
}

// -----

// mmt4d with K0 = 1: the innermost loop is a reduction with one iteration,
// which affine-super-vectorize's dependence check lets through and widens
// into `vector.transfer_write ... {permutation_map = (d0, d1, d2, d3) -> (0)}`
// (a broadcast write, invalid). Here only a parallel loop (M0) is widened.
// VEC-DAG:     #[[M0:.*]] = affine_map<(d0, d1, d2, d3) -> (d2)>
// VEC-LABEL:   func.func @mmt4d_k0_1
// VEC:         affine.for %{{.*}} = 0 to 8 step 8 {
// VEC-NEXT:      affine.for %{{.*}} = 0 to 8 {
// VEC-NEXT:        affine.for %{{.*}} = 0 to 1 {
// VEC:               vector.transfer_write %{{.*}} {permutation_map = #[[M0]]} : vector<8xf32>, memref<2x3x8x8xf32>
func.func @mmt4d_k0_1(%a: memref<2x3x8x1xf32>, %b: memref<3x3x8x1xf32>, %c: memref<2x3x8x8xf32>) {
  linalg.mmt4d ins(%a, %b : memref<2x3x8x1xf32>, memref<3x3x8x1xf32>) outs(%c : memref<2x3x8x8xf32>)
  return
}

// -----

// The same bug without mmt4d: affine-super-vectorize widens the
// single-iteration reduction r into a broadcast transfer_write to %c. Here
// the reduction stays scalar (and j, with r nested in it, is not widened).
// VEC-LABEL:   func.func @unit_reduction
// VEC:         affine.for %{{.*}} = 0 to 16 {
// VEC-NEXT:      affine.for %{{.*}} = 0 to 1 {
// VEC:             affine.store %{{.*}} : memref<16xf32>
// VEC-NOT:     vector.
func.func @unit_reduction(%a: memref<16x1xf32>, %c: memref<16xf32>) {
  linalg.generic {indexing_maps = [affine_map<(j, r) -> (j, r)>, affine_map<(j, r) -> (j)>], iterator_types = ["parallel", "reduction"]} ins(%a : memref<16x1xf32>) outs(%c : memref<16xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %x, %o : f32
    linalg.yield %s : f32
  }
  return
}
