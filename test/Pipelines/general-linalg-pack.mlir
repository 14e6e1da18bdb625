// linalg.pack / linalg.unpack (data tiling) through calm-cpu-pipeline:
// calm-decompose-pack-and-pad lowers them to pad + expand_shape + transpose
// and transpose + collapse_shape + extract_slice + copy before
// bufferization (they have no bufferization of their own: "op was not
// bufferized"). Every shape leaves a ragged tile, filled with the padding
// value. Expected values: numpy (generator in the comment at the end).
//
// RUN: calm-opt %s --calm-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s
// RUN: calm-opt %s --calm-cpu-pipeline=vector-width=0 \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s
// The same module after upstream's block packing of its matmul
// (linalg-block-pack-matmul, 4 x 3 x 5 blocks, padded): pack, a
// 6-d mmt4d-like generic, unpack.
// RUN: mlir-opt %s --linalg-block-pack-matmul="block-factors=4,3,5 allow-padding=true" > %t.packed.mlir
// RUN: FileCheck %s --check-prefix=PACKED < %t.packed.mlir
// RUN: calm-opt %t.packed.mlir --calm-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s

// PACKED-LABEL: func.func @block_packed_matmul
// PACKED: linalg.pack %{{.*}} padding_value(%{{.*}} : f32) {{.*}} inner_tiles = [4, 5] {{.*}} : tensor<13x11xf32> -> tensor<4x3x4x5xf32>
// PACKED: linalg.pack %{{.*}} inner_tiles = [3, 5] {{.*}} : tensor<11x7xf32> -> tensor<3x3x3x5xf32>
// PACKED: linalg.generic
// PACKED: linalg.unpack %{{.*}} : tensor<4x3x4x3xf32> -> tensor<13x7xf32>

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

// 5 x 3 in 2 x 2 tiles, padded with -1: 3 x 2 tiles of 2 x 2, printed as
// 12 rows (tile row, tile column, row in the tile) of 2.
func.func @pack_small(%x: tensor<5x3xf32>) -> tensor<12x2xf32> {
  %pad = arith.constant -1.0 : f32
  %e = tensor.empty() : tensor<3x2x2x2xf32>
  %p = linalg.pack %x padding_value(%pad : f32) inner_dims_pos = [0, 1] inner_tiles = [2, 2] into %e : tensor<5x3xf32> -> tensor<3x2x2x2xf32>
  %f = tensor.collapse_shape %p [[0, 1, 2], [3]] : tensor<3x2x2x2xf32> into tensor<12x2xf32>
  return %f : tensor<12x2xf32>
}

// The layout of a matmul's B in data tiling: tiles transposed (N outer)
// and each tile transposed (N0 x K0).
func.func @pack_transposed(%x: tensor<5x3xf32>) -> tensor<12x2xf32> {
  %pad = arith.constant -1.0 : f32
  %e = tensor.empty() : tensor<2x3x2x2xf32>
  %p = linalg.pack %x padding_value(%pad : f32) outer_dims_perm = [1, 0] inner_dims_pos = [1, 0] inner_tiles = [2, 2] into %e : tensor<5x3xf32> -> tensor<2x3x2x2xf32>
  %f = tensor.collapse_shape %p [[0, 1, 2], [3]] : tensor<2x3x2x2xf32> into tensor<12x2xf32>
  return %f : tensor<12x2xf32>
}

// unpack drops the padding again: unpack(pack(A)) = A.
func.func @roundtrip(%a: tensor<13x11xf32>) -> tensor<13x11xf32> {
  %pad = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x4x5x4xf32>
  %p = linalg.pack %a padding_value(%pad : f32) outer_dims_perm = [1, 0] inner_dims_pos = [1, 0] inner_tiles = [5, 4] into %e : tensor<13x11xf32> -> tensor<3x4x5x4xf32>
  %e2 = tensor.empty() : tensor<13x11xf32>
  %u = linalg.unpack %p outer_dims_perm = [1, 0] inner_dims_pos = [1, 0] inner_tiles = [5, 4] into %e2 : tensor<3x4x5x4xf32> -> tensor<13x11xf32>
  return %u : tensor<13x11xf32>
}

// The same on dynamic shapes (the tile counts computed at run time).
func.func @roundtrip_dynamic(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %m = tensor.dim %x, %c0 : tensor<?x?xf32>
  %k = tensor.dim %x, %c1 : tensor<?x?xf32>
  %mo = arith.ceildivui %m, %c4 : index
  %ko = arith.ceildivui %k, %c5 : index
  %pad = arith.constant 0.0 : f32
  %e = tensor.empty(%mo, %ko) : tensor<?x?x4x5xf32>
  %p = linalg.pack %x padding_value(%pad : f32) inner_dims_pos = [0, 1] inner_tiles = [4, 5] into %e : tensor<?x?xf32> -> tensor<?x?x4x5xf32>
  %e2 = tensor.empty(%m, %k) : tensor<?x?xf32>
  %u = linalg.unpack %p inner_dims_pos = [0, 1] inner_tiles = [4, 5] into %e2 : tensor<?x?x4x5xf32> -> tensor<?x?xf32>
  return %u : tensor<?x?xf32>
}

// C + A.B; packed by the third RUN line, a plain matmul in the others.
func.func @block_packed_matmul(%a: tensor<13x11xf32>, %b: tensor<11x7xf32>, %c: tensor<13x7xf32>) -> tensor<13x7xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<13x11xf32>, tensor<11x7xf32>) outs(%c : tensor<13x7xf32>) -> tensor<13x7xf32>
  return %0 : tensor<13x7xf32>
}

func.func @print(%t: tensor<?x?xf32>) {
  %m = bufferization.to_buffer %t : tensor<?x?xf32> to memref<?x?xf32>
  %u = memref.cast %m : memref<?x?xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @main() {
  %x = arith.constant dense<[[1.0, 2.0, 3.0], [11.0, 12.0, 13.0], [21.0, 22.0, 23.0], [31.0, 32.0, 33.0], [41.0, 42.0, 43.0]]> : tensor<5x3xf32>
  %a = arith.constant dense<[[-5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0], [2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0], [-2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0], [5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0], [1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0], [-3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0], [4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0], [0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0], [-4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0], [3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0], [-1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0], [-5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0], [2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0]]> : tensor<13x11xf32>
  %b = arith.constant dense<[[-4.0, -2.0, 0.0, 2.0, 4.0, -3.0, -1.0], [1.0, 3.0, -4.0, -2.0, 0.0, 2.0, 4.0], [-3.0, -1.0, 1.0, 3.0, -4.0, -2.0, 0.0], [2.0, 4.0, -3.0, -1.0, 1.0, 3.0, -4.0], [-2.0, 0.0, 2.0, 4.0, -3.0, -1.0, 1.0], [3.0, -4.0, -2.0, 0.0, 2.0, 4.0, -3.0], [-1.0, 1.0, 3.0, -4.0, -2.0, 0.0, 2.0], [4.0, -3.0, -1.0, 1.0, 3.0, -4.0, -2.0], [0.0, 2.0, 4.0, -3.0, -1.0, 1.0, 3.0], [-4.0, -2.0, 0.0, 2.0, 4.0, -3.0, -1.0], [1.0, 3.0, -4.0, -2.0, 0.0, 2.0, 4.0]]> : tensor<11x7xf32>
  %c = arith.constant dense<[[-2.0, 2.0, 1.0, 0.0, -1.0, -2.0, 2.0], [-1.0, -2.0, 2.0, 1.0, 0.0, -1.0, -2.0], [0.0, -1.0, -2.0, 2.0, 1.0, 0.0, -1.0], [1.0, 0.0, -1.0, -2.0, 2.0, 1.0, 0.0], [2.0, 1.0, 0.0, -1.0, -2.0, 2.0, 1.0], [-2.0, 2.0, 1.0, 0.0, -1.0, -2.0, 2.0], [-1.0, -2.0, 2.0, 1.0, 0.0, -1.0, -2.0], [0.0, -1.0, -2.0, 2.0, 1.0, 0.0, -1.0], [1.0, 0.0, -1.0, -2.0, 2.0, 1.0, 0.0], [2.0, 1.0, 0.0, -1.0, -2.0, 2.0, 1.0], [-2.0, 2.0, 1.0, 0.0, -1.0, -2.0, 2.0], [-1.0, -2.0, 2.0, 1.0, 0.0, -1.0, -2.0], [0.0, -1.0, -2.0, 2.0, 1.0, 0.0, -1.0]]> : tensor<13x7xf32>
  %p1 = call @pack_small(%x) : (tensor<5x3xf32>) -> tensor<12x2xf32>
  %p1d = tensor.cast %p1 : tensor<12x2xf32> to tensor<?x?xf32>
  vector.print str "pack 5x3 by 2x2\n"
  call @print(%p1d) : (tensor<?x?xf32>) -> ()
  %p2 = call @pack_transposed(%x) : (tensor<5x3xf32>) -> tensor<12x2xf32>
  %p2d = tensor.cast %p2 : tensor<12x2xf32> to tensor<?x?xf32>
  vector.print str "pack 5x3 by 2x2 transposed\n"
  call @print(%p2d) : (tensor<?x?xf32>) -> ()
  %r = call @roundtrip(%a) : (tensor<13x11xf32>) -> tensor<13x11xf32>
  %rd = tensor.cast %r : tensor<13x11xf32> to tensor<?x?xf32>
  vector.print str "unpack(pack(A))\n"
  call @print(%rd) : (tensor<?x?xf32>) -> ()
  %ad = tensor.cast %a : tensor<13x11xf32> to tensor<?x?xf32>
  %s = call @roundtrip_dynamic(%ad) : (tensor<?x?xf32>) -> tensor<?x?xf32>
  vector.print str "unpack(pack(A)) dynamic\n"
  call @print(%s) : (tensor<?x?xf32>) -> ()
  %mm = call @block_packed_matmul(%a, %b, %c) : (tensor<13x11xf32>, tensor<11x7xf32>, tensor<13x7xf32>) -> tensor<13x7xf32>
  %mmd = tensor.cast %mm : tensor<13x7xf32> to tensor<?x?xf32>
  vector.print str "block-packed matmul\n"
  call @print(%mmd) : (tensor<?x?xf32>) -> ()
  return
}

// CHECK-LABEL: pack 5x3 by 2x2
// CHECK: data =
// CHECK-NEXT: {{\[\[}}1, 2],
// CHECK-NEXT: [11, 12],
// CHECK-NEXT: [3, -1],
// CHECK-NEXT: [13, -1],
// CHECK-NEXT: [21, 22],
// CHECK-NEXT: [31, 32],
// CHECK-NEXT: [23, -1],
// CHECK-NEXT: [33, -1],
// CHECK-NEXT: [41, 42],
// CHECK-NEXT: [-1, -1],
// CHECK-NEXT: [43, -1],
// CHECK-NEXT: [-1, -1]]
// CHECK-LABEL: pack 5x3 by 2x2 transposed
// CHECK: data =
// CHECK-NEXT: {{\[\[}}1, 11],
// CHECK-NEXT: [2, 12],
// CHECK-NEXT: [21, 31],
// CHECK-NEXT: [22, 32],
// CHECK-NEXT: [41, -1],
// CHECK-NEXT: [42, -1],
// CHECK-NEXT: [3, 13],
// CHECK-NEXT: [-1, -1],
// CHECK-NEXT: [23, 33],
// CHECK-NEXT: [-1, -1],
// CHECK-NEXT: [43, -1],
// CHECK-NEXT: [-1, -1]]
// CHECK-LABEL: unpack(pack(A))
// CHECK: data =
// CHECK-NEXT: {{\[\[}}-5, -2, 1, 4, -4, -1, 2, 5, -3, 0, 3],
// CHECK-NEXT: [2, 5, -3, 0, 3, -5, -2, 1, 4, -4, -1],
// CHECK-NEXT: [-2, 1, 4, -4, -1, 2, 5, -3, 0, 3, -5],
// CHECK-NEXT: [5, -3, 0, 3, -5, -2, 1, 4, -4, -1, 2],
// CHECK-NEXT: [1, 4, -4, -1, 2, 5, -3, 0, 3, -5, -2],
// CHECK-NEXT: [-3, 0, 3, -5, -2, 1, 4, -4, -1, 2, 5],
// CHECK-NEXT: [4, -4, -1, 2, 5, -3, 0, 3, -5, -2, 1],
// CHECK-NEXT: [0, 3, -5, -2, 1, 4, -4, -1, 2, 5, -3],
// CHECK-NEXT: [-4, -1, 2, 5, -3, 0, 3, -5, -2, 1, 4],
// CHECK-NEXT: [3, -5, -2, 1, 4, -4, -1, 2, 5, -3, 0],
// CHECK-NEXT: [-1, 2, 5, -3, 0, 3, -5, -2, 1, 4, -4],
// CHECK-NEXT: [-5, -2, 1, 4, -4, -1, 2, 5, -3, 0, 3],
// CHECK-NEXT: [2, 5, -3, 0, 3, -5, -2, 1, 4, -4, -1]]
// CHECK-LABEL: unpack(pack(A)) dynamic
// CHECK: data =
// CHECK-NEXT: {{\[\[}}-5, -2, 1, 4, -4, -1, 2, 5, -3, 0, 3],
// CHECK-NEXT: [2, 5, -3, 0, 3, -5, -2, 1, 4, -4, -1],
// CHECK-NEXT: [-2, 1, 4, -4, -1, 2, 5, -3, 0, 3, -5],
// CHECK-NEXT: [5, -3, 0, 3, -5, -2, 1, 4, -4, -1, 2],
// CHECK-NEXT: [1, 4, -4, -1, 2, 5, -3, 0, 3, -5, -2],
// CHECK-NEXT: [-3, 0, 3, -5, -2, 1, 4, -4, -1, 2, 5],
// CHECK-NEXT: [4, -4, -1, 2, 5, -3, 0, 3, -5, -2, 1],
// CHECK-NEXT: [0, 3, -5, -2, 1, 4, -4, -1, 2, 5, -3],
// CHECK-NEXT: [-4, -1, 2, 5, -3, 0, 3, -5, -2, 1, 4],
// CHECK-NEXT: [3, -5, -2, 1, 4, -4, -1, 2, 5, -3, 0],
// CHECK-NEXT: [-1, 2, 5, -3, 0, 3, -5, -2, 1, 4, -4],
// CHECK-NEXT: [-5, -2, 1, 4, -4, -1, 2, 5, -3, 0, 3],
// CHECK-NEXT: [2, 5, -3, 0, 3, -5, -2, 1, 4, -4, -1]]
// CHECK-LABEL: block-packed matmul
// CHECK: data =
// CHECK-NEXT: {{\[\[}}47, 15, -31, -23, 3, 2, -21],
// CHECK-NEXT: [5, 40, 8, -11, -12, -4, 40],
// CHECK-NEXT: [-37, -29, 42, 1, -27, -10, 7],
// CHECK-NEXT: [9, -10, -29, -3, 46, -27, -37],
// CHECK-NEXT: [44, -2, -12, -13, 4, 44, 7],
// CHECK-NEXT: [-25, 6, 5, -23, -33, 11, 51],
// CHECK-NEXT: [-12, -13, 0, 44, 7, -39, -31],
// CHECK-NEXT: [1, -27, -10, 12, 47, 10, -9],
// CHECK-NEXT: [3, 47, -26, -36, -23, 48, 2],
// CHECK-NEXT: [-6, 11, 46, 9, -10, -24, 2],
// CHECK-NEXT: [-31, -36, 8, 43, -3, -13, -9],
// CHECK-NEXT: [48, 11, -30, -22, 4, 3, -25],
// CHECK-NEXT: [6, 41, 4, -10, -11, -3, 41]]

// Expected values (numpy, float64):
//   X[i][j] = 10 i + j + 1 (5 x 3); Xp = X padded to 6 x 4 with -1;
//   pack 2x2:            Xp.reshape(3,2,2,2).transpose(0,2,1,3).reshape(12,2)
//   pack 2x2 transposed: Xp.reshape(3,2,2,2).transpose(2,0,3,1).reshape(12,2)
//   A[i][k] = (7i + 3k) mod 11 - 5, B[k][j] = (5k + 2j) mod 9 - 4,
//   C[i][j] = (i - j) mod 5 - 2; block-packed matmul = C + A.B
