// Input IR already vectorized with vector.mask (as IREE's and upstream's
// masked vectorization emit it for ragged tails): the ownership-based
// deallocation used to insert an op into the mask region ("'vector.mask' op
// expects only one operation to mask"). lower-vector-mask now runs first.
// 13 elements in vectors of 8: the second vector is masked to 5 lanes.
// Each result is printed next to a scalar scf loop computing the same, and
// both are checked against values worked by hand (comment at the end).
//
// RUN: calm-opt %s --calm-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s
// RUN: calm-opt %s --calm-cpu-pipeline=vector-width=0 \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

#tail = affine_map<(i)[n] -> (-i + n, 8)>

// out = a * b + 1 on memrefs, masked reads and writes of the last vector.
func.func @masked_fma(%a: memref<?xf32>, %b: memref<?xf32>, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %pad = arith.constant 0.0 : f32
  %one = arith.constant dense<1.0> : vector<8xf32>
  %n = memref.dim %a, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c8 {
    %len = affine.min #tail(%i)[%n]
    %m = vector.create_mask %len : vector<8xi1>
    %va = vector.mask %m { vector.transfer_read %a[%i], %pad : memref<?xf32>, vector<8xf32> } : vector<8xi1> -> vector<8xf32>
    %vb = vector.mask %m { vector.transfer_read %b[%i], %pad : memref<?xf32>, vector<8xf32> } : vector<8xi1> -> vector<8xf32>
    %p = arith.mulf %va, %vb : vector<8xf32>
    %s = arith.addf %p, %one : vector<8xf32>
    vector.mask %m { vector.transfer_write %s, %out[%i] : vector<8xf32>, memref<?xf32> } : vector<8xi1>
  }
  return
}

// 2 * t on tensors: masked transfers on tensors bufferize too.
func.func @masked_double(%t: tensor<?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %pad = arith.constant 0.0 : f32
  %n = tensor.dim %t, %c0 : tensor<?xf32>
  %init = tensor.empty(%n) : tensor<?xf32>
  %r = scf.for %i = %c0 to %n step %c8 iter_args(%acc = %init) -> (tensor<?xf32>) {
    %len = affine.min #tail(%i)[%n]
    %m = vector.create_mask %len : vector<8xi1>
    %v = vector.mask %m { vector.transfer_read %t[%i], %pad : tensor<?xf32>, vector<8xf32> } : vector<8xi1> -> vector<8xf32>
    %d = arith.addf %v, %v : vector<8xf32>
    %w = vector.mask %m { vector.transfer_write %d, %acc[%i] : vector<8xf32>, tensor<?xf32> } : vector<8xi1> -> tensor<?xf32>
    scf.yield %w : tensor<?xf32>
  }
  return %r : tensor<?xf32>
}

// A masked reduction: the sum of a, the masked-off lanes left out.
func.func @masked_sum(%a: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %nan = arith.constant 0x7FC00000 : f32
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %a, %c0 : memref<?xf32>
  %sum = scf.for %i = %c0 to %n step %c8 iter_args(%acc = %zero) -> (f32) {
    %len = affine.min #tail(%i)[%n]
    %m = vector.create_mask %len : vector<8xi1>
    // Padding with NaN: a masked-off lane that reached the sum would show.
    %v = vector.mask %m { vector.transfer_read %a[%i], %nan : memref<?xf32>, vector<8xf32> } : vector<8xi1> -> vector<8xf32>
    %s = vector.mask %m { vector.reduction <add>, %v, %acc : vector<8xf32> into f32 } : vector<8xi1> -> f32
    scf.yield %s : f32
  }
  return %sum : f32
}

// The references: scalar loops.
func.func @scalar_fma(%a: memref<?xf32>, %b: memref<?xf32>, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %n = memref.dim %a, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %a[%i] : memref<?xf32>
    %y = memref.load %b[%i] : memref<?xf32>
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %p, %one : f32
    memref.store %s, %out[%i] : memref<?xf32>
  }
  return
}

func.func @scalar_sum(%a: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %a, %c0 : memref<?xf32>
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
    %x = memref.load %a[%i] : memref<?xf32>
    %s = arith.addf %acc, %x : f32
    scf.yield %s : f32
  }
  return %sum : f32
}

func.func @print(%m: memref<?xf32>) {
  %u = memref.cast %m : memref<?xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @main() {
  %ca = arith.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0]> : tensor<13xf32>
  %cb = arith.constant dense<[2.0, 1.0, 0.0, 2.0, 1.0, 0.0, 2.0, 1.0, 0.0, 2.0, 1.0, 0.0, 2.0]> : tensor<13xf32>
  %ba = bufferization.to_buffer %ca : tensor<13xf32> to memref<13xf32>
  %bb = bufferization.to_buffer %cb : tensor<13xf32> to memref<13xf32>
  %a = memref.cast %ba : memref<13xf32> to memref<?xf32>
  %b = memref.cast %bb : memref<13xf32> to memref<?xf32>
  // Sentinels past the 13 elements: a masked write that spilled would
  // overwrite them.
  %c0 = arith.constant 0 : index
  %c13 = arith.constant 13 : index
  %sentinel = arith.constant -100.0 : f32
  %o1 = memref.alloc() : memref<16xf32>
  %o2 = memref.alloc() : memref<16xf32>
  linalg.fill ins(%sentinel : f32) outs(%o1 : memref<16xf32>)
  linalg.fill ins(%sentinel : f32) outs(%o2 : memref<16xf32>)
  %v1 = memref.subview %o1[0] [13] [1] : memref<16xf32> to memref<13xf32, strided<[1]>>
  %v2 = memref.subview %o2[0] [13] [1] : memref<16xf32> to memref<13xf32, strided<[1]>>
  %d1 = memref.cast %v1 : memref<13xf32, strided<[1]>> to memref<?xf32>
  %d2 = memref.cast %v2 : memref<13xf32, strided<[1]>> to memref<?xf32>
  call @masked_fma(%a, %b, %d1) : (memref<?xf32>, memref<?xf32>, memref<?xf32>) -> ()
  vector.print str "masked fma\n"
  %f1 = memref.cast %o1 : memref<16xf32> to memref<?xf32>
  call @print(%f1) : (memref<?xf32>) -> ()
  call @scalar_fma(%a, %b, %d2) : (memref<?xf32>, memref<?xf32>, memref<?xf32>) -> ()
  vector.print str "scalar fma\n"
  %f2 = memref.cast %o2 : memref<16xf32> to memref<?xf32>
  call @print(%f2) : (memref<?xf32>) -> ()

  %ta = tensor.cast %ca : tensor<13xf32> to tensor<?xf32>
  %t = call @masked_double(%ta) : (tensor<?xf32>) -> tensor<?xf32>
  %bt = bufferization.to_buffer %t : tensor<?xf32> to memref<?xf32>
  vector.print str "masked double\n"
  call @print(%bt) : (memref<?xf32>) -> ()

  %s1 = call @masked_sum(%a) : (memref<?xf32>) -> f32
  vector.print str "masked sum\n"
  vector.print %s1 : f32
  %s2 = call @scalar_sum(%a) : (memref<?xf32>) -> f32
  vector.print str "scalar sum\n"
  vector.print %s2 : f32
  memref.dealloc %o1 : memref<16xf32>
  memref.dealloc %o2 : memref<16xf32>
  return
}

// a = 1..13, b = 2, 1, 0 repeated: a * b + 1 =
//   3, 3, 1, 9, 6, 1, 15, 9, 1, 21, 12, 1, 27, then the three sentinels.
// CHECK-LABEL: masked fma
// CHECK: data =
// CHECK-NEXT: [3, 3, 1, 9, 6, 1, 15, 9, 1, 21, 12, 1, 27, -100, -100, -100]
// CHECK-LABEL: scalar fma
// CHECK: data =
// CHECK-NEXT: [3, 3, 1, 9, 6, 1, 15, 9, 1, 21, 12, 1, 27, -100, -100, -100]
// CHECK-LABEL: masked double
// CHECK: data =
// CHECK-NEXT: [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26]
// 1 + ... + 13 = 91.
// CHECK-LABEL: masked sum
// CHECK-NEXT: 91
// CHECK-LABEL: scalar sum
// CHECK-NEXT: 91
