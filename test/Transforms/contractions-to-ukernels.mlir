// RUN: calm-opt %s --split-input-file --calm-contractions-to-ukernels | FileCheck %s

// A linear layer over a named weight view becomes a microkernel call in its
// form; the weight is only read packed, so its f32 view goes away; the
// norm weight stays f32 and moves to its new offset after the packed entry.
// The manifest lists both with their new offsets. Its zero init is passed
// as an empty memref (the kernel adds onto zeros) and the fill goes away.

// CHECK-LABEL: func.func @layer
// CHECK-SAME: {calm.weights = "w"}
// CHECK: %[[NORMOFF:.*]] = arith.constant 2304 : index
// CHECK: memref.view %arg0[%[[NORMOFF]]][] {calm.weight = "norm"} : memref<8192xi8> to memref<32xf32>
// CHECK-NOT: linalg.generic
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x32xf32>
// CHECK-DAG: %[[OFF:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[N:.*]] = arith.constant 32 : i64
// CHECK-DAG: %[[K:.*]] = arith.constant 64 : i64
// CHECK-DAG: %[[FORM:.*]] = arith.constant 21 : i32
// CHECK: %[[ZERO:.*]] = memref.alloca() : memref<0x0xf32>
// CHECK: %[[INIT:.*]] = memref.cast %[[ZERO]]
// CHECK: call @calm_uk_linear(%{{.*}}, %{{.*}}, %[[OFF]], %[[N]], %[[K]], %[[FORM]], %[[INIT]], %{{.*}})
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: func.func private @calm_uk_linear(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xi8>, i64, i64, i64, i32, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>) attributes {llvm.emit_c_interface}
// CHECK: memref.global "public" constant @calm_weight_manifest : memref<{{[0-9]+}}xi8>
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#y = affine_map<(m, n, k) -> (m, n)>
func.func @layer(%buf: memref<8192xi8> {calm.weights = "w"}, %x: tensor<1x64xf32>) -> (tensor<1x32xf32>, tensor<32xf32>) {
  %c0 = arith.constant 0 : index
  %c8192 = arith.constant 8000 : index
  %wv = memref.view %buf[%c0][] {calm.weight = "proj"} : memref<8192xi8> to memref<32x64xf32>
  %nv = memref.view %buf[%c8192][] {calm.weight = "norm"} : memref<8192xi8> to memref<32xf32>
  %w = bufferization.to_tensor %wv restrict : memref<32x64xf32> to tensor<32x64xf32>
  %n = bufferization.to_tensor %nv restrict : memref<32xf32> to tensor<32xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x32xf32>) -> tensor<1x32xf32>
  %y = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x64xf32>, tensor<32x64xf32>) outs(%init : tensor<1x32xf32>)
      attrs = {calm.numerics = #calm.numerics<i8/channel>, calm.role = #calm.role<mlp>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x32xf32>
  return %y, %n : tensor<1x32xf32>, tensor<32xf32>
}

// -----

// A weight read by a contraction and by something else (a tied embedding)
// is stored twice: packed for the contraction, f32 for the gather. An
// untagged contraction runs in the f32 microkernel (form 0). The two
// functions share the buffer's one layout. A contraction over a weight that
// is not a named view is left to calm-apply-numerics.

// CHECK-LABEL: func.func @tied
// CHECK: %[[F32OFF:.*]] = arith.constant 16384 : index
// CHECK: memref.view %arg0[%[[F32OFF]]][] {calm.weight = "embed"}
// CHECK-DAG: %[[OFF:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[N:.*]] = arith.constant 64 : i64
// CHECK-DAG: %[[FORM:.*]] = arith.constant 0 : i32
// CHECK: call @calm_uk_linear(%{{.*}}, %{{.*}}, %[[OFF]], %[[N]], %{{.*}}, %[[FORM]]
// CHECK-LABEL: func.func @other
// CHECK: %[[F32OFF2:.*]] = arith.constant 16384 : index
// CHECK: memref.view %arg0[%[[F32OFF2]]][] {calm.weight = "embed"}
// CHECK: linalg.generic
// CHECK-SAME: calm.numerics = #calm.numerics<bf16>
#x2 = affine_map<(m, n, k) -> (m, k)>
#w2 = affine_map<(m, n, k) -> (n, k)>
#y2 = affine_map<(m, n, k) -> (m, n)>
func.func @tied(%buf: memref<40000xi8> {calm.weights = "w"}, %x: tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<64x64xf32>) {
  %c0 = arith.constant 0 : index
  %wv = memref.view %buf[%c0][] {calm.weight = "embed"} : memref<40000xi8> to memref<64x64xf32>
  %w = bufferization.to_tensor %wv restrict : memref<64x64xf32> to tensor<64x64xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x64xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x64xf32>) -> tensor<2x64xf32>
  %y = linalg.generic {indexing_maps = [#x2, #w2, #y2], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<2x64xf32>, tensor<64x64xf32>) outs(%init : tensor<2x64xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x64xf32>
  return %y, %w : tensor<2x64xf32>, tensor<64x64xf32>
}
func.func @other(%buf: memref<40000xi8> {calm.weights = "w"}, %x: tensor<2x64xf32>, %w: tensor<64x64xf32>) -> (tensor<2x64xf32>, tensor<64x64xf32>) {
  %c0 = arith.constant 0 : index
  %wv = memref.view %buf[%c0][] {calm.weight = "embed"} : memref<40000xi8> to memref<64x64xf32>
  %wt = bufferization.to_tensor %wv restrict : memref<64x64xf32> to tensor<64x64xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x64xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x64xf32>) -> tensor<2x64xf32>
  %y = linalg.generic {indexing_maps = [#x2, #w2, #y2], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<2x64xf32>, tensor<64x64xf32>) outs(%init : tensor<2x64xf32>)
      attrs = {calm.numerics = #calm.numerics<bf16>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x64xf32>
  return %y, %wt : tensor<2x64xf32>, tensor<64x64xf32>
}

// -----

// A result only stored (through reshapes) into a restrict, writable memref
// argument is computed in that argument, viewed as [M, N]: no buffer, no
// copy. A bias init is passed as it is.

// CHECK-LABEL: func.func @stored
// CHECK-SAME: %[[DEST:[a-z0-9]+]]: memref<?x4x32xf32>
// CHECK-NOT: memref.alloc(
// CHECK: %[[VIEW:.*]] = memref.reinterpret_cast %[[DEST]] to offset: [0], sizes: [%{{.*}}, 32], strides: [32, 1]
// CHECK: %[[BIAS:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<?x32xf32>
// CHECK: %[[INIT:.*]] = memref.cast %[[BIAS]]
// CHECK: %[[OUT:.*]] = memref.cast %[[VIEW]]
// CHECK: call @calm_uk_linear({{.*}}, %[[INIT]], %[[OUT]])
// CHECK-NOT: materialize_in_destination
// CHECK-NOT: expand_shape
// CHECK: return
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#y = affine_map<(m, n, k) -> (m, n)>
#b = affine_map<(m, n) -> (n)>
#i = affine_map<(m, n) -> (m, n)>
func.func @stored(%buf: memref<8192xi8> {calm.weights = "w"}, %x: tensor<?x64xf32>, %bias: tensor<32xf32>, %dest: memref<?x4x32xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %wv = memref.view %buf[%c0][] {calm.weight = "proj"} : memref<8192xi8> to memref<32x64xf32>
  %w = bufferization.to_tensor %wv restrict : memref<32x64xf32> to tensor<32x64xf32>
  %m = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%m) : tensor<?x32xf32>
  %init = linalg.generic {indexing_maps = [#b, #i], iterator_types = ["parallel", "parallel"]}
      ins(%bias : tensor<32xf32>) outs(%e : tensor<?x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<?x32xf32>
  %y = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x64xf32>, tensor<32x64xf32>) outs(%init : tensor<?x32xf32>)
      attrs = {calm.numerics = #calm.numerics<bf16>, calm.role = #calm.role<ae>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x32xf32>
  %flat = tensor.collapse_shape %y [[0, 1]] : tensor<?x32xf32> into tensor<?xf32>
  %n = arith.divui %m, %c4 : index
  %r = tensor.expand_shape %flat [[0, 1, 2]] output_shape [%n, 4, 32] : tensor<?xf32> into tensor<?x4x32xf32>
  bufferization.materialize_in_destination %r in restrict writable %dest : (tensor<?x4x32xf32>, memref<?x4x32xf32>) -> ()
  return
}

// -----

// Without restrict the destination may be read or written elsewhere: the
// result gets its own buffer and is stored as before.

// CHECK-LABEL: func.func @not_restrict
// CHECK: memref.alloc(
// CHECK: call @calm_uk_linear
// CHECK: bufferization.materialize_in_destination
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#y = affine_map<(m, n, k) -> (m, n)>
func.func @not_restrict(%buf: memref<8192xi8> {calm.weights = "w"}, %x: tensor<?x64xf32>, %dest: memref<?x32xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %wv = memref.view %buf[%c0][] {calm.weight = "proj"} : memref<8192xi8> to memref<32x64xf32>
  %w = bufferization.to_tensor %wv restrict : memref<32x64xf32> to tensor<32x64xf32>
  %m = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%m) : tensor<?x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  %y = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x64xf32>, tensor<32x64xf32>) outs(%init : tensor<?x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x32xf32>
  bufferization.materialize_in_destination %y in writable %dest : (tensor<?x32xf32>, memref<?x32xf32>) -> ()
  return
}
