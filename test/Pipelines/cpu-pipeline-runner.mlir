// The issue's command as written: every arith.mulf of a func/scf/memref/
// tensor/linalg program computes L-Mul, printed through the runner utils.
// RUN: calm-opt %s --calm-mulf-to-lmul=mantissa-bits=4 --calm-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s --check-prefix=LMUL4
// RUN: calm-opt %s --calm-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s --check-prefix=EXACT
// With vectorization off the results are the same.
// RUN: calm-opt %s --calm-mulf-to-lmul=mantissa-bits=4 --calm-cpu-pipeline=vector-width=0 \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s --check-prefix=LMUL4

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

// Expected L-Mul values with m = 4 (offset 0x3F700000), worked by hand:
//   1 * 1       -> 0x3F900000 = 1.125
//   1.5 * 1.5   -> 0x3FC00000 + 0x3FC00000 - 0x3F700000 = 0x40100000 = 2.25
//   -1.5 * 2    -> 0xC0500000 = -3.25
//   1.875 * 1.875 (0x3FF00000) -> 0x40700000 = 3.75
//   3 * 0       -> 0
//   0.75 * 0.75 -> 0x3F400000*2 - 0x3F700000 = 0x3F100000 = 0.5625
//   inf * 2     -> inf;  0 * inf -> nan;  2 * 2 -> 0x40900000 = 4.5
// and one element past a vector of 8, to exercise the remainder.
func.func @main() {
  %a = arith.constant dense<[1.0, 1.5, -1.5, 1.875, 3.0, 0.75, 0x7F800000, 0.0, 2.0]> : tensor<9xf32>
  %b = arith.constant dense<[1.0, 1.5, 2.0, 1.875, 0.0, 0.75, 2.0, 0x7F800000, 2.0]> : tensor<9xf32>
  %p = call @mul(%a, %b) : (tensor<9xf32>, tensor<9xf32>) -> tensor<9xf32>
  %buf = bufferization.to_buffer %p : tensor<9xf32> to memref<9xf32>
  %u = memref.cast %buf : memref<9xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  // A scalar loop: x = x * 1.5 three times from 1.0.
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %one = arith.constant 1.0 : f32
  %f = arith.constant 1.5 : f32
  %r = scf.for %i = %c0 to %c3 step %c1 iter_args(%x = %one) -> f32 {
    %y = arith.mulf %x, %f : f32
    scf.yield %y : f32
  }
  %m = memref.alloc() : memref<1xf32>
  memref.store %r, %m[%c0] : memref<1xf32>
  %mu = memref.cast %m : memref<1xf32> to memref<*xf32>
  call @printMemrefF32(%mu) : (memref<*xf32>) -> ()
  memref.dealloc %m : memref<1xf32>
  return
}

func.func @mul(%a: tensor<9xf32>, %b: tensor<9xf32>) -> tensor<9xf32> {
  %0 = arith.mulf %a, %b : tensor<9xf32>
  return %0 : tensor<9xf32>
}

// LMUL4: data =
// LMUL4-NEXT: [1.125,  2.25,  -3.25,  3.75,  0,  0.5625,  inf,  nan,  4.5]
// 1 * 1.5 -> 1.625 (0x3FD00000); 1.625 * 1.5 -> 0x3FD00000 + 0x3FC00000
// - 0x3F700000 = 0x40200000 = 2.5; 2.5 * 1.5 -> 0x40200000 + 0x3FC00000 -
// 0x3F700000 = 0x40700000 = 3.75
// LMUL4: data =
// LMUL4-NEXT: [3.75]
// EXACT: data =
// EXACT-NEXT: [1,  2.25,  -3,  3.51562,  0,  0.5625,  inf,  {{-?}}nan,  4]
// EXACT: data =
// EXACT-NEXT: [3.375]
