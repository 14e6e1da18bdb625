// tensor.pad through calm-cpu-pipeline. linalg-fold-unit-extent-dims
// rebuilt a pad whose amount is an SSA constant with an inferred type that
// does not match ("specified type 'tensor<?xf32>' does not match the
// inferred type 'tensor<9xf32>'"); calm-decompose-pack-and-pad now turns
// every pad into empty + fill + insert_slice before that step. The last
// case pads ragged matmul tiles to a static 4 x 3 (generated at test time
// by upstream's transform.structured.pad, schedule in
// Inputs/general-linalg-padding.mlir) and is compared with the untiled
// matmul and numpy (generator in the comment at the end).
//
// RUN: mlir-opt %s --transform-preload-library=transform-library-paths=%S/Inputs/general-linalg-padding.mlir \
// RUN:     --transform-interpreter --canonicalize --cse > %t.padded.mlir
// RUN: FileCheck %s --check-prefix=PADDED < %t.padded.mlir
// RUN: calm-opt %t.padded.mlir --calm-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s
// RUN: calm-opt %t.padded.mlir --calm-cpu-pipeline=vector-width=0 \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s

// PADDED-LABEL: func.func @padded_tiles
// PADDED: scf.for
// PADDED: affine.min
// PADDED: tensor.pad %{{.*}} low[0, 0] high[%{{.*}}, 0] {
// PADDED: } : tensor<?x11xf32> to tensor<4x11xf32>
// PADDED: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x11xf32>, tensor<11x3xf32>) outs(%{{.*}} : tensor<4x3xf32>)

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

// Unit dims around a padded one, the high amount an SSA constant: 1x5x1
// padded with 7 to 1x8x1 (low 1, high 2), printed as 8 values.
func.func @pad_unit_dims(%x: tensor<1x5x1xf32>) -> tensor<8xf32> {
  %seven = arith.constant 7.0 : f32
  %c2 = arith.constant 2 : index
  %p = tensor.pad %x low[0, 1, 0] high[0, %c2, 0] {
  ^bb0(%i: index, %j: index, %k: index):
    tensor.yield %seven : f32
  } : tensor<1x5x1xf32> to tensor<1x?x1xf32>
  %s = tensor.cast %p : tensor<1x?x1xf32> to tensor<1x8x1xf32>
  %f = tensor.collapse_shape %s [[0, 1, 2]] : tensor<1x8x1xf32> into tensor<8xf32>
  return %f : tensor<8xf32>
}

// The unit dim padded too, with SSA constants: 1x5 to 3x8 with -1.
func.func @pad_2d(%y: tensor<1x5xf32>) -> tensor<3x8xf32> {
  %m1 = arith.constant -1.0 : f32
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %p = tensor.pad %y low[%c1, 1] high[1, %c2] {
  ^bb0(%i: index, %j: index):
    tensor.yield %m1 : f32
  } : tensor<1x5xf32> to tensor<?x?xf32>
  %s = tensor.cast %p : tensor<?x?xf32> to tensor<3x8xf32>
  return %s : tensor<3x8xf32>
}

// A padding value computed from the index: -i for the 3 padded positions.
func.func @pad_computed(%x: tensor<1x5xf32>) -> tensor<8xf32> {
  %v = tensor.collapse_shape %x [[0, 1]] : tensor<1x5xf32> into tensor<5xf32>
  %p = tensor.pad %v low[1] high[2] {
  ^bb0(%i: index):
    %n = arith.index_cast %i : index to i32
    %f = arith.sitofp %n : i32 to f32
    %g = arith.negf %f : f32
    tensor.yield %g : f32
  } : tensor<5xf32> to tensor<8xf32>
  return %p : tensor<8xf32>
}

func.func @padded_tiles(%a: tensor<13x11xf32>, %b: tensor<11x7xf32>, %c: tensor<13x7xf32>) -> tensor<13x7xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<13x11xf32>, tensor<11x7xf32>) outs(%c : tensor<13x7xf32>) -> tensor<13x7xf32>
  return %0 : tensor<13x7xf32>
}

func.func @reference_matmul(%a: tensor<13x11xf32>, %b: tensor<11x7xf32>, %c: tensor<13x7xf32>) -> tensor<13x7xf32> {
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
  %x = arith.constant dense<[[[1.0], [2.0], [3.0], [4.0], [5.0]]]> : tensor<1x5x1xf32>
  %y = arith.constant dense<[[10.0, 20.0, 30.0, 40.0, 50.0]]> : tensor<1x5xf32>
  %a = arith.constant dense<[[-5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0], [2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0], [-2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0], [5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0], [1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0], [-3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0], [4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0], [0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0], [-4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0], [3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0], [-1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0], [-5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0], [2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0]]> : tensor<13x11xf32>
  %b = arith.constant dense<[[-4.0, -2.0, 0.0, 2.0, 4.0, -3.0, -1.0], [1.0, 3.0, -4.0, -2.0, 0.0, 2.0, 4.0], [-3.0, -1.0, 1.0, 3.0, -4.0, -2.0, 0.0], [2.0, 4.0, -3.0, -1.0, 1.0, 3.0, -4.0], [-2.0, 0.0, 2.0, 4.0, -3.0, -1.0, 1.0], [3.0, -4.0, -2.0, 0.0, 2.0, 4.0, -3.0], [-1.0, 1.0, 3.0, -4.0, -2.0, 0.0, 2.0], [4.0, -3.0, -1.0, 1.0, 3.0, -4.0, -2.0], [0.0, 2.0, 4.0, -3.0, -1.0, 1.0, 3.0], [-4.0, -2.0, 0.0, 2.0, 4.0, -3.0, -1.0], [1.0, 3.0, -4.0, -2.0, 0.0, 2.0, 4.0]]> : tensor<11x7xf32>
  %c = arith.constant dense<[[-2.0, 2.0, 1.0, 0.0, -1.0, -2.0, 2.0], [-1.0, -2.0, 2.0, 1.0, 0.0, -1.0, -2.0], [0.0, -1.0, -2.0, 2.0, 1.0, 0.0, -1.0], [1.0, 0.0, -1.0, -2.0, 2.0, 1.0, 0.0], [2.0, 1.0, 0.0, -1.0, -2.0, 2.0, 1.0], [-2.0, 2.0, 1.0, 0.0, -1.0, -2.0, 2.0], [-1.0, -2.0, 2.0, 1.0, 0.0, -1.0, -2.0], [0.0, -1.0, -2.0, 2.0, 1.0, 0.0, -1.0], [1.0, 0.0, -1.0, -2.0, 2.0, 1.0, 0.0], [2.0, 1.0, 0.0, -1.0, -2.0, 2.0, 1.0], [-2.0, 2.0, 1.0, 0.0, -1.0, -2.0, 2.0], [-1.0, -2.0, 2.0, 1.0, 0.0, -1.0, -2.0], [0.0, -1.0, -2.0, 2.0, 1.0, 0.0, -1.0]]> : tensor<13x7xf32>
  %p1 = call @pad_unit_dims(%x) : (tensor<1x5x1xf32>) -> tensor<8xf32>
  %m1 = bufferization.to_buffer %p1 : tensor<8xf32> to memref<8xf32>
  %u1 = memref.cast %m1 : memref<8xf32> to memref<*xf32>
  vector.print str "pad 1x5x1\n"
  call @printMemrefF32(%u1) : (memref<*xf32>) -> ()
  %p2 = call @pad_2d(%y) : (tensor<1x5xf32>) -> tensor<3x8xf32>
  %p2d = tensor.cast %p2 : tensor<3x8xf32> to tensor<?x?xf32>
  vector.print str "pad 1x5\n"
  call @print(%p2d) : (tensor<?x?xf32>) -> ()
  %p3 = call @pad_computed(%y) : (tensor<1x5xf32>) -> tensor<8xf32>
  %m3 = bufferization.to_buffer %p3 : tensor<8xf32> to memref<8xf32>
  %u3 = memref.cast %m3 : memref<8xf32> to memref<*xf32>
  vector.print str "pad computed\n"
  call @printMemrefF32(%u3) : (memref<*xf32>) -> ()
  %r1 = call @padded_tiles(%a, %b, %c) : (tensor<13x11xf32>, tensor<11x7xf32>, tensor<13x7xf32>) -> tensor<13x7xf32>
  %r1d = tensor.cast %r1 : tensor<13x7xf32> to tensor<?x?xf32>
  vector.print str "padded tiles\n"
  call @print(%r1d) : (tensor<?x?xf32>) -> ()
  %r2 = call @reference_matmul(%a, %b, %c) : (tensor<13x11xf32>, tensor<11x7xf32>, tensor<13x7xf32>) -> tensor<13x7xf32>
  %r2d = tensor.cast %r2 : tensor<13x7xf32> to tensor<?x?xf32>
  vector.print str "reference matmul\n"
  call @print(%r2d) : (tensor<?x?xf32>) -> ()
  return
}

// CHECK-LABEL: pad 1x5x1
// CHECK: data =
// CHECK-NEXT: [7, 1, 2, 3, 4, 5, 7, 7]
// CHECK-LABEL: pad 1x5
// CHECK: data =
// CHECK-NEXT: {{\[\[}}-1, -1, -1, -1, -1, -1, -1, -1],
// CHECK-NEXT: [-1, 10, 20, 30, 40, 50, -1, -1],
// CHECK-NEXT: [-1, -1, -1, -1, -1, -1, -1, -1]]
// CHECK-LABEL: pad computed
// CHECK: data =
// CHECK-NEXT: [-0, 10, 20, 30, 40, 50, -6, -7]
// CHECK-LABEL: padded tiles
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
// CHECK-LABEL: reference matmul
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

// Expected values (numpy, float64): pad 1x5x1 = [7, 1, 2, 3, 4, 5, 7, 7];
// pad 1x5 = a 3 x 8 of -1 with row 1, columns 1..5 = 10, 20, 30, 40, 50;
// pad computed = [-0, 10, 20, 30, 40, 50, -6, -7] (by hand);
// A[i][k] = (7i + 3k) mod 11 - 5, B[k][j] = (5k + 2j) mod 9 - 4,
// C[i][j] = (i - j) mod 5 - 2; padded tiles = C + A.B.
