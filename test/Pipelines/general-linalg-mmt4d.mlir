// linalg.mmt4d in a data-tiled matmul (pack A and B, mmt4d, unpack), as
// IREE's CPU data tiling emits it. M0 x N0 x K0 = 8 x 8 x 1 is the usual
// f32 choice: its innermost loop is a single-iteration reduction, which
// upstream's affine super-vectorizer widened into an invalid broadcast
// vector.transfer_write; calm-linalg-to-loops never hands it a reduction.
// 4 x 3 x 5 leaves ragged tiles in every dimension (M = 13, N = 7, K = 11).
// Expected values: numpy C + A.B (generator in the comment at the end),
// for both and for the untiled linalg.matmul they are compared with.
//
// RUN: calm-opt %s --calm-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s
// RUN: calm-opt %s --calm-cpu-pipeline=vector-width=0 \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s
// What reaches LLVM has no broadcast transfer left, and the parallel M0
// loop of the 8 x 8 x 1 mmt4d is still widened.
// RUN: calm-opt %s --calm-cpu-pipeline --mlir-disable-threading \
// RUN:     --mlir-print-ir-after=calm-linalg-to-loops 2>&1 >/dev/null \
// RUN: | FileCheck %s --check-prefix=LOOPS

// LOOPS-LABEL: func.func @mmt4d_8x8x1
// LOOPS:       affine.for %{{.*}} = 0 to 8 step 8 {
// LOOPS:         affine.for %{{.*}} = 0 to 1 {
// LOOPS:           vector.transfer_write %{{.*}} : vector<8xf32>, memref<2x1x8x8xf32>
// LOOPS-NOT:   -> (0)>} : vector
// LOOPS-LABEL: func.func @mmt4d_4x3x5

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

func.func @mmt4d_8x8x1(%a: tensor<13x11xf32>, %b: tensor<11x7xf32>, %c: tensor<13x7xf32>) -> tensor<13x7xf32> {
  %zero = arith.constant 0.0 : f32
  %ea = tensor.empty() : tensor<2x11x8x1xf32>
  %pa = linalg.pack %a padding_value(%zero : f32) inner_dims_pos = [0, 1] inner_tiles = [8, 1] into %ea : tensor<13x11xf32> -> tensor<2x11x8x1xf32>
  %eb = tensor.empty() : tensor<1x11x8x1xf32>
  %pb = linalg.pack %b padding_value(%zero : f32) outer_dims_perm = [1, 0] inner_dims_pos = [1, 0] inner_tiles = [8, 1] into %eb : tensor<11x7xf32> -> tensor<1x11x8x1xf32>
  %ec = tensor.empty() : tensor<2x1x8x8xf32>
  %pc = linalg.pack %c padding_value(%zero : f32) inner_dims_pos = [0, 1] inner_tiles = [8, 8] into %ec : tensor<13x7xf32> -> tensor<2x1x8x8xf32>
  %mm = linalg.mmt4d ins(%pa, %pb : tensor<2x11x8x1xf32>, tensor<1x11x8x1xf32>) outs(%pc : tensor<2x1x8x8xf32>) -> tensor<2x1x8x8xf32>
  %e = tensor.empty() : tensor<13x7xf32>
  %r = linalg.unpack %mm inner_dims_pos = [0, 1] inner_tiles = [8, 8] into %e : tensor<2x1x8x8xf32> -> tensor<13x7xf32>
  return %r : tensor<13x7xf32>
}

func.func @mmt4d_4x3x5(%a: tensor<13x11xf32>, %b: tensor<11x7xf32>, %c: tensor<13x7xf32>) -> tensor<13x7xf32> {
  %zero = arith.constant 0.0 : f32
  %ea = tensor.empty() : tensor<4x3x4x5xf32>
  %pa = linalg.pack %a padding_value(%zero : f32) inner_dims_pos = [0, 1] inner_tiles = [4, 5] into %ea : tensor<13x11xf32> -> tensor<4x3x4x5xf32>
  %eb = tensor.empty() : tensor<3x3x3x5xf32>
  %pb = linalg.pack %b padding_value(%zero : f32) outer_dims_perm = [1, 0] inner_dims_pos = [1, 0] inner_tiles = [3, 5] into %eb : tensor<11x7xf32> -> tensor<3x3x3x5xf32>
  %ec = tensor.empty() : tensor<4x3x4x3xf32>
  %pc = linalg.pack %c padding_value(%zero : f32) inner_dims_pos = [0, 1] inner_tiles = [4, 3] into %ec : tensor<13x7xf32> -> tensor<4x3x4x3xf32>
  %mm = linalg.mmt4d ins(%pa, %pb : tensor<4x3x4x5xf32>, tensor<3x3x3x5xf32>) outs(%pc : tensor<4x3x4x3xf32>) -> tensor<4x3x4x3xf32>
  %e = tensor.empty() : tensor<13x7xf32>
  %r = linalg.unpack %mm inner_dims_pos = [0, 1] inner_tiles = [4, 3] into %e : tensor<4x3x4x3xf32> -> tensor<13x7xf32>
  return %r : tensor<13x7xf32>
}

func.func @reference_matmul(%a: tensor<13x11xf32>, %b: tensor<11x7xf32>, %c: tensor<13x7xf32>) -> tensor<13x7xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<13x11xf32>, tensor<11x7xf32>) outs(%c : tensor<13x7xf32>) -> tensor<13x7xf32>
  return %0 : tensor<13x7xf32>
}

func.func @print(%t: tensor<13x7xf32>) {
  %m = bufferization.to_buffer %t : tensor<13x7xf32> to memref<13x7xf32>
  %u = memref.cast %m : memref<13x7xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @main() {
  %a = arith.constant dense<[[-5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0], [2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0], [-2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0], [5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0], [1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0], [-3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0], [4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0], [0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0], [-4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0], [3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0], [-1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0], [-5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0], [2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0]]> : tensor<13x11xf32>
  %b = arith.constant dense<[[-4.0, -2.0, 0.0, 2.0, 4.0, -3.0, -1.0], [1.0, 3.0, -4.0, -2.0, 0.0, 2.0, 4.0], [-3.0, -1.0, 1.0, 3.0, -4.0, -2.0, 0.0], [2.0, 4.0, -3.0, -1.0, 1.0, 3.0, -4.0], [-2.0, 0.0, 2.0, 4.0, -3.0, -1.0, 1.0], [3.0, -4.0, -2.0, 0.0, 2.0, 4.0, -3.0], [-1.0, 1.0, 3.0, -4.0, -2.0, 0.0, 2.0], [4.0, -3.0, -1.0, 1.0, 3.0, -4.0, -2.0], [0.0, 2.0, 4.0, -3.0, -1.0, 1.0, 3.0], [-4.0, -2.0, 0.0, 2.0, 4.0, -3.0, -1.0], [1.0, 3.0, -4.0, -2.0, 0.0, 2.0, 4.0]]> : tensor<11x7xf32>
  %c = arith.constant dense<[[-2.0, 2.0, 1.0, 0.0, -1.0, -2.0, 2.0], [-1.0, -2.0, 2.0, 1.0, 0.0, -1.0, -2.0], [0.0, -1.0, -2.0, 2.0, 1.0, 0.0, -1.0], [1.0, 0.0, -1.0, -2.0, 2.0, 1.0, 0.0], [2.0, 1.0, 0.0, -1.0, -2.0, 2.0, 1.0], [-2.0, 2.0, 1.0, 0.0, -1.0, -2.0, 2.0], [-1.0, -2.0, 2.0, 1.0, 0.0, -1.0, -2.0], [0.0, -1.0, -2.0, 2.0, 1.0, 0.0, -1.0], [1.0, 0.0, -1.0, -2.0, 2.0, 1.0, 0.0], [2.0, 1.0, 0.0, -1.0, -2.0, 2.0, 1.0], [-2.0, 2.0, 1.0, 0.0, -1.0, -2.0, 2.0], [-1.0, -2.0, 2.0, 1.0, 0.0, -1.0, -2.0], [0.0, -1.0, -2.0, 2.0, 1.0, 0.0, -1.0]]> : tensor<13x7xf32>
  %r1 = call @mmt4d_8x8x1(%a, %b, %c) : (tensor<13x11xf32>, tensor<11x7xf32>, tensor<13x7xf32>) -> tensor<13x7xf32>
  vector.print str "mmt4d 8x8x1\n"
  call @print(%r1) : (tensor<13x7xf32>) -> ()
  %r2 = call @mmt4d_4x3x5(%a, %b, %c) : (tensor<13x11xf32>, tensor<11x7xf32>, tensor<13x7xf32>) -> tensor<13x7xf32>
  vector.print str "mmt4d 4x3x5\n"
  call @print(%r2) : (tensor<13x7xf32>) -> ()
  %r3 = call @reference_matmul(%a, %b, %c) : (tensor<13x11xf32>, tensor<11x7xf32>, tensor<13x7xf32>) -> tensor<13x7xf32>
  vector.print str "reference matmul\n"
  call @print(%r3) : (tensor<13x7xf32>) -> ()
  return
}

// CHECK-LABEL: mmt4d 8x8x1
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
// CHECK-LABEL: mmt4d 4x3x5
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

// Expected values (numpy, float64): A[i][k] = (7i + 3k) mod 11 - 5,
// B[k][j] = (5k + 2j) mod 9 - 4, C[i][j] = (i - j) mod 5 - 2; C + A.B.
