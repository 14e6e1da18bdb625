// RUN: calm-opt %s --split-input-file | calm-opt --split-input-file | FileCheck %s
// RUN: calm-opt %s --split-input-file --mlir-print-op-generic | calm-opt --split-input-file | FileCheck %s
// The op is pure: --cse merges identical ones and --canonicalize drops unused
// ones.
// RUN: calm-opt %s --split-input-file --cse --canonicalize | FileCheck %s --check-prefix=PURE

// CHECK-LABEL: func.func @scalar_types
func.func @scalar_types(%a: f32, %b: bf16, %c: f16, %d: f8E4M3FN, %e: f8E5M2) {
  // CHECK: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(23) : f32
  %0 = calm.lmul %a, %a mantissa_bits(23) : f32
  // CHECK: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(7) : bf16
  %1 = calm.lmul %b, %b mantissa_bits(7) : bf16
  // CHECK: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(1) : f16
  %2 = calm.lmul %c, %c mantissa_bits(1) : f16
  // CHECK: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(3) : f8E4M3FN
  %3 = calm.lmul %d, %d mantissa_bits(3) : f8E4M3FN
  // CHECK: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(2) : f8E5M2
  %4 = calm.lmul %e, %e mantissa_bits(2) : f8E5M2
  return
}

// -----

// CHECK-LABEL: func.func @shaped_types
func.func @shaped_types(%v: vector<8xf32>, %s: vector<[4]xbf16>, %t: tensor<2x?xf16>) {
  // CHECK: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(4) : vector<8xf32>
  %0 = calm.lmul %v, %v mantissa_bits(4) : vector<8xf32>
  // CHECK: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(7) : vector<[4]xbf16>
  %1 = calm.lmul %s, %s mantissa_bits(7) : vector<[4]xbf16>
  // CHECK: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(5) : tensor<2x?xf16>
  %2 = calm.lmul %t, %t mantissa_bits(5) : tensor<2x?xf16>
  return
}

// -----

// Discardable attributes survive the round trip.
// CHECK-LABEL: func.func @attributes_kept
func.func @attributes_kept(%a: f32) -> f32 {
  // CHECK: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(3) {note = "kept"} : f32
  %0 = calm.lmul %a, %a mantissa_bits(3) {note = "kept"} : f32
  return %0 : f32
}

// -----

// CHECK-LABEL: func.func @pure
// PURE-LABEL: func.func @pure
// PURE: %[[P:.*]] = calm.lmul %{{.*}}, %{{.*}} mantissa_bits(3) : f32
// PURE-NOT: calm.lmul
// PURE: %[[S:.*]] = arith.addf %[[P]], %[[P]] : f32
// PURE-NOT: calm.lmul
// PURE: return %[[S]]
// Another mantissa width is another value: not merged.
// PURE-LABEL: func.func @not_merged
// PURE-COUNT-2: calm.lmul
// PURE: return
func.func @pure(%a: f32, %b: f32) -> f32 {
  %0 = calm.lmul %a, %b mantissa_bits(3) : f32
  %1 = calm.lmul %a, %b mantissa_bits(3) : f32
  %unused = calm.lmul %b, %b mantissa_bits(5) : f32
  %2 = arith.addf %0, %1 : f32
  return %2 : f32
}
func.func @not_merged(%a: f32, %b: f32) -> f32 {
  %0 = calm.lmul %a, %b mantissa_bits(3) : f32
  %1 = calm.lmul %a, %b mantissa_bits(4) : f32
  %2 = arith.addf %0, %1 : f32
  return %2 : f32
}
