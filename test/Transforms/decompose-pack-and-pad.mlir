// RUN: calm-opt %s --split-input-file --calm-decompose-pack-and-pad | FileCheck %s

// Pack: the padded source, reshaped into tiles, tiles moved outer.
// CHECK-LABEL: func.func @pack
// CHECK:       %[[DEST:.*]] = tensor.empty() : tensor<4x3x4x5xf32>
// CHECK:       %[[E:.*]] = tensor.empty() : tensor<16x15xf32>
// CHECK:       %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<16x15xf32>)
// CHECK:       %[[S:.*]] = tensor.insert_slice %{{.*}} into %[[F]][0, 0] [13, 11] [1, 1]
// CHECK:       %[[X:.*]] = tensor.expand_shape %[[S]] {{\[}}[0, 1], [2, 3]] output_shape [4, 4, 3, 5]
// CHECK:       linalg.transpose ins(%[[X]] : tensor<4x4x3x5xf32>) outs(%[[DEST]] : tensor<4x3x4x5xf32>) permutation = [0, 2, 1, 3]
// CHECK-NOT:   linalg.pack
// CHECK-NOT:   tensor.pad
func.func @pack(%x: tensor<13x11xf32>) -> tensor<4x3x4x5xf32> {
  %pad = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x3x4x5xf32>
  %p = linalg.pack %x padding_value(%pad : f32) inner_dims_pos = [0, 1] inner_tiles = [4, 5] into %e : tensor<13x11xf32> -> tensor<4x3x4x5xf32>
  return %p : tensor<4x3x4x5xf32>
}

// -----

// Unpack: tiles moved back, collapsed, the padding sliced off.
// CHECK-LABEL: func.func @unpack
// CHECK:       %[[T:.*]] = linalg.transpose ins(%{{.*}} : tensor<3x4x5x4xf32>) outs(%{{.*}} : tensor<4x4x3x5xf32>) permutation = [1, 3, 0, 2]
// CHECK:       %[[C:.*]] = tensor.collapse_shape %[[T]] {{\[}}[0, 1], [2, 3]] : tensor<4x4x3x5xf32> into tensor<16x15xf32>
// CHECK:       %[[S:.*]] = tensor.extract_slice %[[C]][0, 0] [13, 11] [1, 1]
// CHECK:       linalg.copy ins(%[[S]] : tensor<13x11xf32>)
// CHECK-NOT:   linalg.unpack
func.func @unpack(%p: tensor<3x4x5x4xf32>) -> tensor<13x11xf32> {
  %e = tensor.empty() : tensor<13x11xf32>
  %u = linalg.unpack %p outer_dims_perm = [1, 0] inner_dims_pos = [1, 0] inner_tiles = [5, 4] into %e : tensor<3x4x5x4xf32> -> tensor<13x11xf32>
  return %u : tensor<13x11xf32>
}

// -----

// A pad (here with an SSA-constant amount, which linalg-fold-unit-extent-
// dims would rebuild with a mismatched type): fill + insert_slice.
// CHECK-LABEL: func.func @pad
// CHECK:       %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<1x?x1xf32>
// CHECK:       %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<1x?x1xf32>)
// CHECK:       tensor.insert_slice %{{.*}} into %[[F]][0, 1, 0] [1, 5, 1] [1, 1, 1]
// CHECK-NOT:   tensor.pad
func.func @pad(%x: tensor<1x5x1xf32>) -> tensor<1x?x1xf32> {
  %seven = arith.constant 7.0 : f32
  %c2 = arith.constant 2 : index
  %p = tensor.pad %x low[0, 1, 0] high[0, %c2, 0] {
  ^bb0(%i: index, %j: index, %k: index):
    tensor.yield %seven : f32
  } : tensor<1x5x1xf32> to tensor<1x?x1xf32>
  return %p : tensor<1x?x1xf32>
}

// -----

// A padding value computed from the index: tensor.generate.
// CHECK-LABEL: func.func @pad_computed
// CHECK:       %[[G:.*]] = tensor.generate
// CHECK:         arith.sitofp
// CHECK:       tensor.insert_slice %{{.*}} into %[[G]][1] [5] [1]
// CHECK-NOT:   tensor.pad
func.func @pad_computed(%x: tensor<5xf32>) -> tensor<8xf32> {
  %p = tensor.pad %x low[1] high[2] {
  ^bb0(%i: index):
    %v = arith.index_cast %i : index to i32
    %f = arith.sitofp %v : i32 to f32
    tensor.yield %f : f32
  } : tensor<5xf32> to tensor<8xf32>
  return %p : tensor<8xf32>
}

// -----

// Without pack, unpack or pad nothing is rewritten (no greedy sweep that
// would fold this addition).
// CHECK-LABEL: func.func @untouched
// CHECK:       arith.addi
func.func @untouched(%x: tensor<4xf32>) -> (tensor<4xf32>, index) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %s = arith.addi %c1, %c2 : index
  return %x, %s : tensor<4xf32>, index
}
