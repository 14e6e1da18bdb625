// RUN: calm-opt %s --split-input-file --canonicalize | FileCheck %s
// Constant operands fold through the same semantics as the lowering; the
// expected bit patterns are test vectors of the spec (lmul.md).

// CHECK-LABEL: func.func @fold_f32
func.func @fold_f32() -> (f32, f32, f32, f32, f32, f32) {
  %one = arith.constant 1.0 : f32
  %half = arith.constant 0.5 : f32
  %x = arith.constant 0x3FF80000 : f32
  %zero = arith.constant 0.0 : f32
  %inf = arith.constant 0x7F800000 : f32
  %big = arith.constant 0x5F800000 : f32
  // 1 * 1 with m = 4: 1.125 (0x3F900000)
  %0 = calm.lmul %one, %one mantissa_bits(4) : f32
  // 1 * 0.5 with m = 3: 0x3F100000
  %1 = calm.lmul %one, %half mantissa_bits(3) : f32
  // double carry: 0x40800000 = 4.0
  %2 = calm.lmul %x, %x mantissa_bits(4) : f32
  // 0 * inf is NaN
  %3 = calm.lmul %zero, %inf mantissa_bits(23) : f32
  // overflow to inf
  %4 = calm.lmul %big, %big mantissa_bits(23) : f32
  // -0 from a negative operand
  %neg = arith.constant -3.0 : f32
  %5 = calm.lmul %zero, %neg mantissa_bits(4) : f32
  // CHECK-DAG: arith.constant 1.125000e+00 : f32
  // CHECK-DAG: arith.constant 5.625000e-01 : f32
  // CHECK-DAG: arith.constant 4.000000e+00 : f32
  // CHECK-DAG: arith.constant 0x7FC00000 : f32
  // CHECK-DAG: arith.constant 0x7F800000 : f32
  // CHECK-DAG: arith.constant -0.000000e+00 : f32
  // CHECK-NOT: calm.lmul
  return %0, %1, %2, %3, %4, %5 : f32, f32, f32, f32, f32, f32
}

// -----

// CHECK-LABEL: func.func @fold_small_formats
func.func @fold_small_formats() -> (bf16, f16, f8E4M3FN, f8E4M3FN, f8E5M2) {
  %b = arith.constant 1.5 : bf16
  %h = arith.constant 0x7BFF : f16
  %h2 = arith.constant 2.0 : f16
  %e = arith.constant 448.0 : f8E4M3FN
  %e2 = arith.constant 2.0 : f8E4M3FN
  %e3 = arith.constant 1.5 : f8E4M3FN
  %f = arith.constant 1.5 : f8E5M2
  // bf16 1.5*1.5 -> 0x4008 (2.125)
  %0 = calm.lmul %b, %b mantissa_bits(7) : bf16
  // f16 overflow -> inf
  %1 = calm.lmul %h, %h2 mantissa_bits(10) : f16
  // e4m3 448 * 2 saturates to 448
  %2 = calm.lmul %e, %e2 mantissa_bits(3) : f8E4M3FN
  // e4m3 1.5 * 1.5 -> 0x41 (2.25)
  %3 = calm.lmul %e3, %e3 mantissa_bits(3) : f8E4M3FN
  // e5m2 1.5 * 1.5 -> 0x41 (2.5)
  %4 = calm.lmul %f, %f mantissa_bits(2) : f8E5M2
  // CHECK-DAG: arith.constant 2.125000e+00 : bf16
  // CHECK-DAG: arith.constant 0x7C00 : f16
  // CHECK-DAG: arith.constant 4.480000e+02 : f8E4M3FN
  // CHECK-DAG: arith.constant 2.250000e+00 : f8E4M3FN
  // CHECK-DAG: arith.constant 2.500000e+00 : f8E5M2
  // CHECK-NOT: calm.lmul
  return %0, %1, %2, %3, %4 : bf16, f16, f8E4M3FN, f8E4M3FN, f8E5M2
}

// -----

// Splat and non-splat dense constants fold elementwise.
// CHECK-LABEL: func.func @fold_dense
func.func @fold_dense() -> (vector<4xf32>, tensor<2xf32>) {
  %a = arith.constant dense<[1.0, 1.5, -2.0, 0.0]> : vector<4xf32>
  %b = arith.constant dense<1.5> : vector<4xf32>
  %c = arith.constant dense<1.0> : tensor<2xf32>
  // 1*1.5 -> 1.625 (m=3: 0x3FC00000+0x3F800000-0x3F700000 = 0x3FD00000)
  // 1.5*1.5 -> 0x40100000 = 2.25 (carry), -2*1.5 -> -3.25, 0*1.5 -> 0
  %0 = calm.lmul %a, %b mantissa_bits(3) : vector<4xf32>
  %1 = calm.lmul %c, %c mantissa_bits(4) : tensor<2xf32>
  // CHECK-DAG: arith.constant dense<[1.625000e+00, 2.250000e+00, -3.250000e+00, 0.000000e+00]> : vector<4xf32>
  // CHECK-DAG: arith.constant dense<1.125000e+00> : tensor<2xf32>
  // CHECK-NOT: calm.lmul
  return %0, %1 : vector<4xf32>, tensor<2xf32>
}

// -----

// Non-constant operands are not folded.
// CHECK-LABEL: func.func @no_fold
func.func @no_fold(%a: f32) -> f32 {
  %one = arith.constant 1.0 : f32
  // CHECK: calm.lmul
  %0 = calm.lmul %a, %one mantissa_bits(4) : f32
  return %0 : f32
}
