// Linalg ops inside scf.for tile loops whose tile sizes are affine.min of
// the loop variable, as upstream/IREE tiling emits them: the tiles are
// generated here by mlir-opt's transform interpreter from the tiled_*
// functions (schedule in Inputs/general-linalg-tiling.mlir), the reference_*
// functions stay untiled. Every extent is a tile size plus a ragged
// remainder (M = 13 = 3*4 + 1, N = 7 = 2*3 + 1, K = 11 = 2*5 + 1). All
// inputs are small integers, so every sum is exact in f32 in any order and
// the expected values (numpy, C + A.B etc. in float64; generator in the
// comment at the end) are checked exactly, for tiled and reference alike.
//
// RUN: mlir-opt %s --transform-preload-library=transform-library-paths=%S/Inputs/general-linalg-tiling.mlir \
// RUN:     --transform-interpreter --canonicalize --cse > %t.tiled.mlir
// RUN: FileCheck %s --check-prefix=TILED < %t.tiled.mlir
// RUN: calm-opt %t.tiled.mlir --calm-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s
// RUN: calm-opt %t.tiled.mlir --calm-cpu-pipeline=vector-width=0 \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s
// The tiles of the linear layer still take calm-vectorize-dot-products'
// register reductions; the tiled matmul's bounds are not affine, so it
// becomes scf loops (no affine.for left to refuse them).
// RUN: calm-opt %t.tiled.mlir --calm-cpu-pipeline --mlir-disable-threading \
// RUN:     --mlir-print-ir-after=calm-linalg-to-loops 2>&1 >/dev/null \
// RUN: | FileCheck %s --check-prefix=LOOPS

// What the tiling produced (the input the pipeline sees).
// TILED-LABEL: func.func @tiled_mm_bias_relu
// TILED: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// TILED: scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// TILED: affine.min #{{.*}}(%[[I]])
// TILED: affine.min #{{.*}}(%[[J]])
// TILED: scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// TILED: affine.min #{{.*}}(%[[K]])
// TILED: tensor.extract_slice {{.*}} to tensor<?x?xf32>
// TILED: linalg.matmul ins({{.*}} : tensor<?x?xf32>, tensor<?x?xf32>) outs({{.*}} : tensor<?x?xf32>) -> tensor<?x?xf32>
// TILED: tensor.insert_slice
// TILED: linalg.generic {{.*}} ins({{.*}} : tensor<?x?xf32>, tensor<?xf32>) outs({{.*}} : tensor<?x?xf32>)
// TILED-LABEL: func.func @reference_mm_bias_relu
// TILED-NOT: scf.for
// TILED-LABEL: func.func @tiled_matmul
// TILED: affine.min #{{.*}}(%{{.*}})[%{{.*}}]
// TILED: linalg.matmul ins({{.*}} : tensor<?x?xf32>, tensor<?x?xf32>)
// TILED-LABEL: func.func @tiled_linear
// TILED: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins({{.*}} : tensor<?x?xf32>, tensor<?x?xf32>)
// TILED-LABEL: func.func @tiled_rowsum
// TILED: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]{{.*}} ins({{.*}} : tensor<?x?xf32>) outs({{.*}} : tensor<?xf32>)

// LOOPS-LABEL: func.func @tiled_mm_bias_relu
// LOOPS-NOT: affine.for
// LOOPS-LABEL: func.func @reference_mm_bias_relu
// LOOPS-LABEL: func.func @tiled_linear
// LOOPS: vector.reduction <add>
// LOOPS-LABEL: func.func @reference_linear
// LOOPS: vector.reduction <add>
// LOOPS-LABEL: func.func @main

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
#row = affine_map<(i, j) -> (i)>
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#y = affine_map<(m, n, k) -> (m, n)>

func.func @tiled_mm_bias_relu(%a: tensor<13x11xf32>, %b: tensor<11x7xf32>, %c: tensor<13x7xf32>, %bias: tensor<7xf32>) -> tensor<13x7xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<13x11xf32>, tensor<11x7xf32>) outs(%c : tensor<13x7xf32>) -> tensor<13x7xf32>
  %e = tensor.empty() : tensor<13x7xf32>
  %1 = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]} ins(%0, %bias : tensor<13x7xf32>, tensor<7xf32>) outs(%e : tensor<13x7xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %z = arith.constant 0.0 : f32
    %r = arith.maximumf %s, %z : f32
    linalg.yield %r : f32
  } -> tensor<13x7xf32>
  return %1 : tensor<13x7xf32>
}

func.func @reference_mm_bias_relu(%a: tensor<13x11xf32>, %b: tensor<11x7xf32>, %c: tensor<13x7xf32>, %bias: tensor<7xf32>) -> tensor<13x7xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<13x11xf32>, tensor<11x7xf32>) outs(%c : tensor<13x7xf32>) -> tensor<13x7xf32>
  %e = tensor.empty() : tensor<13x7xf32>
  %1 = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]} ins(%0, %bias : tensor<13x7xf32>, tensor<7xf32>) outs(%e : tensor<13x7xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %z = arith.constant 0.0 : f32
    %r = arith.maximumf %s, %z : f32
    linalg.yield %r : f32
  } -> tensor<13x7xf32>
  return %1 : tensor<13x7xf32>
}

func.func @tiled_matmul(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>, %c: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<?x?xf32>, tensor<?x?xf32>) outs(%c : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

func.func @reference_matmul(%a: tensor<13x11xf32>, %b: tensor<11x7xf32>, %c: tensor<13x7xf32>) -> tensor<13x7xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<13x11xf32>, tensor<11x7xf32>) outs(%c : tensor<13x7xf32>) -> tensor<13x7xf32>
  return %0 : tensor<13x7xf32>
}

func.func @tiled_linear(%x: tensor<13x11xf32>, %w: tensor<7x11xf32>, %c: tensor<13x7xf32>) -> tensor<13x7xf32> {
  %0 = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<13x11xf32>, tensor<7x11xf32>) outs(%c : tensor<13x7xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<13x7xf32>
  return %0 : tensor<13x7xf32>
}

func.func @reference_linear(%x: tensor<13x11xf32>, %w: tensor<7x11xf32>, %c: tensor<13x7xf32>) -> tensor<13x7xf32> {
  %0 = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<13x11xf32>, tensor<7x11xf32>) outs(%c : tensor<13x7xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<13x7xf32>
  return %0 : tensor<13x7xf32>
}

func.func @tiled_rowsum(%a: tensor<13x7xf32>, %init: tensor<13xf32>) -> tensor<13xf32> {
  %0 = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%a : tensor<13x7xf32>) outs(%init : tensor<13xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %x, %o : f32
    linalg.yield %s : f32
  } -> tensor<13xf32>
  return %0 : tensor<13xf32>
}

func.func @reference_rowsum(%a: tensor<13x7xf32>, %init: tensor<13xf32>) -> tensor<13xf32> {
  %0 = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%a : tensor<13x7xf32>) outs(%init : tensor<13xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %x, %o : f32
    linalg.yield %s : f32
  } -> tensor<13xf32>
  return %0 : tensor<13xf32>
}

func.func @print2d(%t: tensor<13x7xf32>) {
  %m = bufferization.to_buffer %t : tensor<13x7xf32> to memref<13x7xf32>
  %u = memref.cast %m : memref<13x7xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @print1d(%t: tensor<13xf32>) {
  %m = bufferization.to_buffer %t : tensor<13xf32> to memref<13xf32>
  %u = memref.cast %m : memref<13xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @main() {
  %a = arith.constant dense<[[-5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0], [2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0], [-2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0], [5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0], [1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0], [-3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0], [4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0], [0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0], [-4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0], [3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0], [-1.0, 2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0], [-5.0, -2.0, 1.0, 4.0, -4.0, -1.0, 2.0, 5.0, -3.0, 0.0, 3.0], [2.0, 5.0, -3.0, 0.0, 3.0, -5.0, -2.0, 1.0, 4.0, -4.0, -1.0]]> : tensor<13x11xf32>
  %b = arith.constant dense<[[-4.0, -2.0, 0.0, 2.0, 4.0, -3.0, -1.0], [1.0, 3.0, -4.0, -2.0, 0.0, 2.0, 4.0], [-3.0, -1.0, 1.0, 3.0, -4.0, -2.0, 0.0], [2.0, 4.0, -3.0, -1.0, 1.0, 3.0, -4.0], [-2.0, 0.0, 2.0, 4.0, -3.0, -1.0, 1.0], [3.0, -4.0, -2.0, 0.0, 2.0, 4.0, -3.0], [-1.0, 1.0, 3.0, -4.0, -2.0, 0.0, 2.0], [4.0, -3.0, -1.0, 1.0, 3.0, -4.0, -2.0], [0.0, 2.0, 4.0, -3.0, -1.0, 1.0, 3.0], [-4.0, -2.0, 0.0, 2.0, 4.0, -3.0, -1.0], [1.0, 3.0, -4.0, -2.0, 0.0, 2.0, 4.0]]> : tensor<11x7xf32>
  %w = arith.constant dense<[[-5.0, 2.0, -1.0, -4.0, 3.0, 0.0, -3.0, 4.0, 1.0, -2.0, -5.0], [-1.0, -4.0, 3.0, 0.0, -3.0, 4.0, 1.0, -2.0, -5.0, 2.0, -1.0], [3.0, 0.0, -3.0, 4.0, 1.0, -2.0, -5.0, 2.0, -1.0, -4.0, 3.0], [-3.0, 4.0, 1.0, -2.0, -5.0, 2.0, -1.0, -4.0, 3.0, 0.0, -3.0], [1.0, -2.0, -5.0, 2.0, -1.0, -4.0, 3.0, 0.0, -3.0, 4.0, 1.0], [-5.0, 2.0, -1.0, -4.0, 3.0, 0.0, -3.0, 4.0, 1.0, -2.0, -5.0], [-1.0, -4.0, 3.0, 0.0, -3.0, 4.0, 1.0, -2.0, -5.0, 2.0, -1.0]]> : tensor<7x11xf32>
  %c = arith.constant dense<[[-2.0, 2.0, 1.0, 0.0, -1.0, -2.0, 2.0], [-1.0, -2.0, 2.0, 1.0, 0.0, -1.0, -2.0], [0.0, -1.0, -2.0, 2.0, 1.0, 0.0, -1.0], [1.0, 0.0, -1.0, -2.0, 2.0, 1.0, 0.0], [2.0, 1.0, 0.0, -1.0, -2.0, 2.0, 1.0], [-2.0, 2.0, 1.0, 0.0, -1.0, -2.0, 2.0], [-1.0, -2.0, 2.0, 1.0, 0.0, -1.0, -2.0], [0.0, -1.0, -2.0, 2.0, 1.0, 0.0, -1.0], [1.0, 0.0, -1.0, -2.0, 2.0, 1.0, 0.0], [2.0, 1.0, 0.0, -1.0, -2.0, 2.0, 1.0], [-2.0, 2.0, 1.0, 0.0, -1.0, -2.0, 2.0], [-1.0, -2.0, 2.0, 1.0, 0.0, -1.0, -2.0], [0.0, -1.0, -2.0, 2.0, 1.0, 0.0, -1.0]]> : tensor<13x7xf32>
  %bias = arith.constant dense<[-10.0, 0.0, 10.0, -10.0, 0.0, 10.0, -10.0]> : tensor<7xf32>
  %init = arith.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0]> : tensor<13xf32>
  %r1 = call @tiled_mm_bias_relu(%a, %b, %c, %bias) : (tensor<13x11xf32>, tensor<11x7xf32>, tensor<13x7xf32>, tensor<7xf32>) -> tensor<13x7xf32>
  vector.print str "tiled mm_bias_relu\n"
  call @print2d(%r1) : (tensor<13x7xf32>) -> ()
  %q1 = call @reference_mm_bias_relu(%a, %b, %c, %bias) : (tensor<13x11xf32>, tensor<11x7xf32>, tensor<13x7xf32>, tensor<7xf32>) -> tensor<13x7xf32>
  vector.print str "reference mm_bias_relu\n"
  call @print2d(%q1) : (tensor<13x7xf32>) -> ()

  %ad = tensor.cast %a : tensor<13x11xf32> to tensor<?x?xf32>
  %bd = tensor.cast %b : tensor<11x7xf32> to tensor<?x?xf32>
  %cd = tensor.cast %c : tensor<13x7xf32> to tensor<?x?xf32>
  %r2d = call @tiled_matmul(%ad, %bd, %cd) : (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>) -> tensor<?x?xf32>
  %r2 = tensor.cast %r2d : tensor<?x?xf32> to tensor<13x7xf32>
  vector.print str "tiled dynamic matmul\n"
  call @print2d(%r2) : (tensor<13x7xf32>) -> ()
  %q2 = call @reference_matmul(%a, %b, %c) : (tensor<13x11xf32>, tensor<11x7xf32>, tensor<13x7xf32>) -> tensor<13x7xf32>
  vector.print str "reference matmul\n"
  call @print2d(%q2) : (tensor<13x7xf32>) -> ()

  %r3 = call @tiled_linear(%a, %w, %c) : (tensor<13x11xf32>, tensor<7x11xf32>, tensor<13x7xf32>) -> tensor<13x7xf32>
  vector.print str "tiled linear\n"
  call @print2d(%r3) : (tensor<13x7xf32>) -> ()
  %q3 = call @reference_linear(%a, %w, %c) : (tensor<13x11xf32>, tensor<7x11xf32>, tensor<13x7xf32>) -> tensor<13x7xf32>
  vector.print str "reference linear\n"
  call @print2d(%q3) : (tensor<13x7xf32>) -> ()

  %r4 = call @tiled_rowsum(%r1, %init) : (tensor<13x7xf32>, tensor<13xf32>) -> tensor<13xf32>
  vector.print str "tiled rowsum\n"
  call @print1d(%r4) : (tensor<13xf32>) -> ()
  %q4 = call @reference_rowsum(%q1, %init) : (tensor<13x7xf32>, tensor<13xf32>) -> tensor<13xf32>
  vector.print str "reference rowsum\n"
  call @print1d(%q4) : (tensor<13xf32>) -> ()
  return
}

// CHECK-LABEL: tiled mm_bias_relu
// CHECK: data =
// CHECK-NEXT: {{\[\[}}37, 15, 0, 0, 3, 12, 0],
// CHECK-NEXT: [0, 40, 18, 0, 0, 6, 30],
// CHECK-NEXT: [0, 0, 52, 0, 0, 0, 0],
// CHECK-NEXT: [0, 0, 0, 0, 46, 0, 0],
// CHECK-NEXT: [34, 0, 0, 0, 4, 54, 0],
// CHECK-NEXT: [0, 6, 15, 0, 0, 21, 41],
// CHECK-NEXT: [0, 0, 10, 34, 7, 0, 0],
// CHECK-NEXT: [0, 0, 0, 2, 47, 20, 0],
// CHECK-NEXT: [0, 47, 0, 0, 0, 58, 0],
// CHECK-NEXT: [0, 11, 56, 0, 0, 0, 0],
// CHECK-NEXT: [0, 0, 18, 33, 0, 0, 0],
// CHECK-NEXT: [38, 11, 0, 0, 4, 13, 0],
// CHECK-NEXT: [0, 41, 14, 0, 0, 7, 31]]
// CHECK-LABEL: reference mm_bias_relu
// CHECK: data =
// CHECK-NEXT: {{\[\[}}37, 15, 0, 0, 3, 12, 0],
// CHECK-NEXT: [0, 40, 18, 0, 0, 6, 30],
// CHECK-NEXT: [0, 0, 52, 0, 0, 0, 0],
// CHECK-NEXT: [0, 0, 0, 0, 46, 0, 0],
// CHECK-NEXT: [34, 0, 0, 0, 4, 54, 0],
// CHECK-NEXT: [0, 6, 15, 0, 0, 21, 41],
// CHECK-NEXT: [0, 0, 10, 34, 7, 0, 0],
// CHECK-NEXT: [0, 0, 0, 2, 47, 20, 0],
// CHECK-NEXT: [0, 47, 0, 0, 0, 58, 0],
// CHECK-NEXT: [0, 11, 56, 0, 0, 0, 0],
// CHECK-NEXT: [0, 0, 18, 33, 0, 0, 0],
// CHECK-NEXT: [38, 11, 0, 0, 4, 13, 0],
// CHECK-NEXT: [0, 41, 14, 0, 0, 7, 31]]
// CHECK-LABEL: tiled dynamic matmul
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
// CHECK-LABEL: tiled linear
// CHECK: data =
// CHECK-NEXT: {{\[\[}}-14, 30, 9, -22, 27, -14, 30],
// CHECK-NEXT: [38, -93, 51, 0, -11, 38, -93],
// CHECK-NEXT: [13, 42, -99, 55, -16, 13, 42],
// CHECK-NEXT: [-56, 23, 42, -49, 45, -56, 23],
// CHECK-NEXT: [51, -40, 29, 28, -53, 51, -40],
// CHECK-NEXT: [-34, 40, -61, 28, -3, -34, 40],
// CHECK-NEXT: [-15, -6, 58, -93, 36, -15, -6],
// CHECK-NEXT: [37, -14, -15, 39, -2, 37, -14],
// CHECK-NEXT: [-65, 44, -17, 12, 26, -65, 44],
// CHECK-NEXT: [9, -52, 47, -54, 5, 9, -52],
// CHECK-NEXT: [34, 28, -43, 56, -55, 34, 28],
// CHECK-NEXT: [-13, 26, 10, -21, 28, -13, 26],
// CHECK-NEXT: [39, -92, 47, 1, -10, 39, -92]]
// CHECK-LABEL: reference linear
// CHECK: data =
// CHECK-NEXT: {{\[\[}}-14, 30, 9, -22, 27, -14, 30],
// CHECK-NEXT: [38, -93, 51, 0, -11, 38, -93],
// CHECK-NEXT: [13, 42, -99, 55, -16, 13, 42],
// CHECK-NEXT: [-56, 23, 42, -49, 45, -56, 23],
// CHECK-NEXT: [51, -40, 29, 28, -53, 51, -40],
// CHECK-NEXT: [-34, 40, -61, 28, -3, -34, 40],
// CHECK-NEXT: [-15, -6, 58, -93, 36, -15, -6],
// CHECK-NEXT: [37, -14, -15, 39, -2, 37, -14],
// CHECK-NEXT: [-65, 44, -17, 12, 26, -65, 44],
// CHECK-NEXT: [9, -52, 47, -54, 5, 9, -52],
// CHECK-NEXT: [34, 28, -43, 56, -55, 34, 28],
// CHECK-NEXT: [-13, 26, 10, -21, 28, -13, 26],
// CHECK-NEXT: [39, -92, 47, 1, -10, 39, -92]]
// CHECK-LABEL: tiled rowsum
// CHECK: data =
// CHECK-NEXT: [67, 95, 54, 49, 96, 88, 57, 76, 113, 76, 61, 77, 105]
// CHECK-LABEL: reference rowsum
// CHECK: data =
// CHECK-NEXT: [67, 95, 54, 49, 96, 88, 57, 76, 113, 76, 61, 77, 105]

// Expected values, from (numpy, float64):
//   A[i][k] = (7i + 3k) mod 11 - 5        (13 x 11)
//   B[k][j] = (5k + 2j) mod 9 - 4         (11 x 7)
//   W[n][k] = (4n + 7k) mod 10 - 5        (7 x 11)
//   C[i][j] = (i - j) mod 5 - 2           (13 x 7)
//   bias[j] = 10 (j mod 3) - 10,  init[i] = i
//   mm_bias_relu = max(C + A.B + bias, 0); matmul = C + A.B;
//   linear = C + A.W^T; rowsum = init + sum_j mm_bias_relu[i][j]
