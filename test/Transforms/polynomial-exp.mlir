// RUN: calm-opt %s --split-input-file --calm-polynomial-exp | FileCheck %s
// The second run checks that from the label to the return of each rewritten
// function no math.exp is left (a CHECK-NOT right after the label only looks
// as far as the first positive match).
// RUN: calm-opt %s --split-input-file --calm-polynomial-exp | FileCheck %s --check-prefix=NOEXP

// Scalar f32 exp becomes arith (range reduction, polynomial, exponent bits).
// CHECK-LABEL: func.func @scalar
// NOEXP-LABEL: func.func @scalar
// NOEXP-NOT: math.exp
// NOEXP: return
// CHECK: math.floor
// CHECK: math.fma
// CHECK: arith.shli
// CHECK: arith.bitcast {{.*}} : i32 to f32
// CHECK: return
func.func @scalar(%x: f32) -> f32 {
  %e = math.exp %x : f32
  return %e : f32
}

// -----

// Vectors keep their shape.
// CHECK-LABEL: func.func @vector
// NOEXP-LABEL: func.func @vector
// NOEXP-NOT: math.exp
// NOEXP: return
// CHECK: math.fma {{.*}} : vector<8xf32>
// CHECK: arith.bitcast {{.*}} : vector<8xi32> to vector<8xf32>
// CHECK: return {{.*}} : vector<8xf32>
func.func @vector(%x: vector<8xf32>) -> vector<8xf32> {
  %e = math.exp %x : vector<8xf32>
  return %e : vector<8xf32>
}

// -----

// Other element types and other math ops are left to libm.
// CHECK-LABEL: func.func @untouched
// NOEXP-LABEL: func.func @untouched
// CHECK: math.exp %{{.*}} : f64
// CHECK: math.exp %{{.*}} : f16
// CHECK: math.log %{{.*}} : f32
func.func @untouched(%x: f64, %h: f16, %y: f32) -> (f64, f16, f32) {
  %e = math.exp %x : f64
  %f = math.exp %h : f16
  %l = math.log %y : f32
  return %e, %f, %l : f64, f16, f32
}
