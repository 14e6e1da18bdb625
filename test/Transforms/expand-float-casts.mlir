// RUN: calm-opt %s --split-input-file --calm-expand-float-casts | FileCheck %s
// Values are checked by test/Execution/FloatCasts; this checks that no fp8
// or bf16 cast survives and that the work happens in i32.

// CHECK-LABEL: func.func @ext
// CHECK-NOT: arith.extf
// CHECK: arith.extui %{{.*}} : vector<8xi8> to vector<8xi32>
// CHECK: arith.uitofp
// CHECK: arith.bitcast %{{.*}} : vector<8xi32> to vector<8xf32>
func.func @ext(%x: vector<8xf8E4M3FN>) -> vector<8xf32> {
  %0 = arith.extf %x : vector<8xf8E4M3FN> to vector<8xf32>
  return %0 : vector<8xf32>
}

// -----

// CHECK-LABEL: func.func @trunc
// CHECK-NOT: arith.truncf
// CHECK: arith.bitcast %{{.*}} : f32 to i32
// CHECK: arith.trunci %{{.*}} : i32 to i8
// CHECK: arith.bitcast %{{.*}} : i8 to f8E5M2
func.func @trunc(%x: f32) -> f8E5M2 {
  %0 = arith.truncf %x : f32 to f8E5M2
  return %0 : f8E5M2
}

// -----

// Through f32 for other source and destination types.
// CHECK-LABEL: func.func @via_f32
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.extf %{{.*}} : f32 to f64
// CHECK-NOT: f8E4M3FN to f64
func.func @via_f32(%x: f16, %y: f8E4M3FN) -> (f8E4M3FN, f64) {
  %0 = arith.truncf %x : f16 to f8E4M3FN
  %1 = arith.extf %y : f8E4M3FN to f64
  return %0, %1 : f8E4M3FN, f64
}

// -----

// CHECK-LABEL: func.func @bf16
// CHECK-NOT: arith.truncf
// CHECK-NOT: arith.extf
func.func @bf16(%x: tensor<4xf32>, %y: bf16) -> (tensor<4xbf16>, f32) {
  %0 = arith.truncf %x : tensor<4xf32> to tensor<4xbf16>
  %1 = arith.extf %y : bf16 to f32
  return %0, %1 : tensor<4xbf16>, f32
}
