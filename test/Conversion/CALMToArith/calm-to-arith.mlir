// RUN: calm-opt %s --split-input-file --convert-calm-to-arith | FileCheck %s
// RUN: calm-opt %s --split-input-file --convert-calm-to-arith | FileCheck %s --check-prefix=NOFLOAT
// The expansion's values are checked by executing it (test/Execution); this
// file checks its shape: the widths, the constants that carry the format, and
// that no float arithmetic is left (the second run: from each function's
// label to its return, no float multiply, add, fma or calm op).

// f32 with m = 4: keep mask 0x7FF80000 (2146959360), offset 0x3F700000
// (1064304640), underflow bound offset + 2^23 = 0x3FF00000 (1072693248).
// CHECK-LABEL: func.func @f32_m4
// CHECK-SAME: (%[[X:.*]]: f32, %[[Y:.*]]: f32)
// CHECK-DAG: %[[KEEP:.*]] = arith.constant 2146959360 : i32
// CHECK-DAG: %[[OFF:.*]] = arith.constant 1064304640 : i32
// CHECK-DAG: %[[UNDER:.*]] = arith.constant 1072693248 : i32
// CHECK-DAG: %[[INF:.*]] = arith.constant 2139095040 : i32
// CHECK-DAG: %[[QNAN:.*]] = arith.constant 2143289344 : i32
// CHECK: %[[XI:.*]] = arith.bitcast %[[X]] : f32 to i32
// CHECK: %[[YI:.*]] = arith.bitcast %[[Y]] : f32 to i32
// CHECK: %[[XT:.*]] = arith.andi %[[XI]], %[[KEEP]] : i32
// CHECK: %[[YT:.*]] = arith.andi %[[YI]], %[[KEEP]] : i32
// CHECK: %[[LO:.*]] = arith.minsi %[[XT]], %[[YT]]
// CHECK: %[[HI:.*]] = arith.maxsi %[[XT]], %[[YT]]
// CHECK: arith.cmpi slt, %[[LO]]
// f32 tests NaN with one unordered float compare, before truncation.
// CHECK: arith.cmpf uno, %[[X]], %[[Y]] : f32
// CHECK: arith.cmpi eq, %[[HI]], %[[INF]]
// CHECK: %[[SUM:.*]] = arith.addi %[[XT]], %[[YT]] : i32
// CHECK: arith.cmpi ult, %[[SUM]], %[[UNDER]] : i32
// CHECK: %[[R:.*]] = arith.subi %[[SUM]], %[[OFF]] : i32
// CHECK: arith.minui %[[R]], %[[INF]] : i32
// CHECK: arith.select %{{.*}}, %[[QNAN]], %{{.*}} : i32
// CHECK: %[[RES:.*]] = arith.select %{{.*}}, %[[QNAN]], %{{.*}} : i32
// CHECK-NEXT: %[[F:.*]] = arith.bitcast %[[RES]] : i32 to f32
// CHECK: return %[[F]]
// NOFLOAT-LABEL: func.func @f32_m4
// NOFLOAT-NOT: {{arith.mulf|arith.addf|math.fma|calm.lmul}}
// NOFLOAT: return
func.func @f32_m4(%x: f32, %y: f32) -> f32 {
  %0 = calm.lmul %x, %y mantissa_bits(4) : f32
  return %0 : f32
}

// -----

// Full width: no truncation mask; the paper's constant 0x3F780000.
// CHECK-LABEL: func.func @f32_full
// CHECK-NOT: arith.constant 2146959360
// CHECK: arith.constant 1064828928 : i32
// NOFLOAT-LABEL: func.func @f32_full
// NOFLOAT-NOT: {{arith.mulf|arith.addf|math.fma|calm.lmul}}
// NOFLOAT: return
func.func @f32_full(%x: f32, %y: f32) -> f32 {
  %0 = calm.lmul %x, %y mantissa_bits(23) : f32
  return %0 : f32
}

// -----

// Vectors stay vectors at the format's own width.
// CHECK-LABEL: func.func @bf16_vector
// CHECK-DAG: arith.constant dense<16248> : vector<8xi16>
// CHECK-DAG: arith.bitcast %{{.*}} : vector<8xbf16> to vector<8xi16>
// CHECK: arith.addi %{{.*}}, %{{.*}} : vector<8xi16>
// CHECK: arith.bitcast %{{.*}} : vector<8xi16> to vector<8xbf16>
// NOFLOAT-LABEL: func.func @bf16_vector
// NOFLOAT-NOT: {{arith.mulf|arith.addf|math.fma|calm.lmul}}
// NOFLOAT: return
func.func @bf16_vector(%x: vector<8xbf16>, %y: vector<8xbf16>) -> vector<8xbf16> {
  %0 = calm.lmul %x, %y mantissa_bits(7) : vector<8xbf16>
  return %0 : vector<8xbf16>
}

// -----

// f16 offset 0x3BC0 = 15296.
// CHECK-LABEL: func.func @f16_tensor
// CHECK-DAG: arith.constant dense<15296> : tensor<2x3xi16>
// CHECK-DAG: arith.bitcast %{{.*}} : tensor<2x3xf16> to tensor<2x3xi16>
// CHECK: arith.bitcast %{{.*}} : tensor<2x3xi16> to tensor<2x3xf16>
// NOFLOAT-LABEL: func.func @f16_tensor
// NOFLOAT-NOT: {{arith.mulf|arith.addf|math.fma|calm.lmul}}
// NOFLOAT: return
func.func @f16_tensor(%x: tensor<2x3xf16>, %y: tensor<2x3xf16>) -> tensor<2x3xf16> {
  %0 = calm.lmul %x, %y mantissa_bits(10) : tensor<2x3xf16>
  return %0 : tensor<2x3xf16>
}

// -----

// f8E4M3FN has no inf: NaN is S.1111.111 (127) and overflow saturates to
// 0x7E (126); offset 0x37 = 55.
// CHECK-LABEL: func.func @e4m3
// CHECK-DAG: arith.bitcast %{{.*}} : f8E4M3FN to i8
// CHECK-DAG: arith.constant 55 : i8
// CHECK-DAG: arith.constant 126 : i8
// CHECK: arith.cmpi eq, %{{.*}}, %c127_i8 : i8
// CHECK: arith.minui %{{.*}}, %c126_i8 : i8
// CHECK: arith.bitcast %{{.*}} : i8 to f8E4M3FN
// NOFLOAT-LABEL: func.func @e4m3
// NOFLOAT-NOT: {{arith.mulf|arith.addf|math.fma|calm.lmul}}
// NOFLOAT: return
func.func @e4m3(%x: f8E4M3FN, %y: f8E4M3FN) -> f8E4M3FN {
  %0 = calm.lmul %x, %y mantissa_bits(3) : f8E4M3FN
  return %0 : f8E4M3FN
}

// -----

// f8E5M2: offset 0x3B = 59, inf 0x7C = 124.
// CHECK-LABEL: func.func @e5m2
// CHECK-DAG: arith.constant 59 : i8
// CHECK-DAG: arith.constant 124 : i8
// CHECK: arith.cmpi sgt, %{{.*}}, %c124_i8 : i8
// CHECK: arith.minui %{{.*}}, %c124_i8 : i8
// CHECK: arith.bitcast %{{.*}} : i8 to f8E5M2
// NOFLOAT-LABEL: func.func @e5m2
// NOFLOAT-NOT: {{arith.mulf|arith.addf|math.fma|calm.lmul}}
// NOFLOAT: return
func.func @e5m2(%x: f8E5M2, %y: f8E5M2) -> f8E5M2 {
  %0 = calm.lmul %x, %y mantissa_bits(2) : f8E5M2
  return %0 : f8E5M2
}

// -----

// Other ops are untouched.
// CHECK-LABEL: func.func @others_untouched
// CHECK: arith.mulf %{{.*}}, %{{.*}} : f32
// NOFLOAT-LABEL: func.func @others_untouched
func.func @others_untouched(%x: f32) -> f32 {
  %0 = arith.mulf %x, %x : f32
  return %0 : f32
}
