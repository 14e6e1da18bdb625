// #calm.numerics and #calm.role round-trip; numerics print canonically
// (aliases and the default granularity spelled out).
// RUN: calm-opt %s --split-input-file | FileCheck %s
// RUN: calm-opt %s --split-input-file | calm-opt --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @numerics
func.func @numerics(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  // CHECK: calm.numerics = #calm.numerics<f32>
  %0 = linalg.matmul {calm.numerics = #calm.numerics<f32>} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  // CHECK: calm.numerics = #calm.numerics<bf16>
  %1 = linalg.matmul {calm.numerics = #calm.numerics<bf16>} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%0 : tensor<4x16xf32>) -> tensor<4x16xf32>
  // CHECK: calm.numerics = #calm.numerics<f16>
  %2 = linalg.matmul {calm.numerics = #calm.numerics<f16>} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%1 : tensor<4x16xf32>) -> tensor<4x16xf32>
  // CHECK: calm.numerics = #calm.numerics<i8/tensor>
  %3 = linalg.matmul {calm.numerics = #calm.numerics<i8>} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%2 : tensor<4x16xf32>) -> tensor<4x16xf32>
  // CHECK: calm.numerics = #calm.numerics<i8/channel>
  %4 = linalg.matmul {calm.numerics = #calm.numerics<i8/channel>} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%3 : tensor<4x16xf32>) -> tensor<4x16xf32>
  // CHECK: calm.numerics = #calm.numerics<f8e4m3/tensor>
  %5 = linalg.matmul {calm.numerics = #calm.numerics<f8E4M3FN>} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%4 : tensor<4x16xf32>) -> tensor<4x16xf32>
  // CHECK: calm.numerics = #calm.numerics<f8e5m2/channel>
  %6 = linalg.matmul {calm.numerics = #calm.numerics<f8E5M2/channel>} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%5 : tensor<4x16xf32>) -> tensor<4x16xf32>
  // CHECK: calm.numerics = #calm.numerics<lmul:4>
  %7 = linalg.matmul {calm.numerics = #calm.numerics<lmul:4>} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%6 : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %7 : tensor<4x16xf32>
}

// -----

// CHECK-LABEL: func.func @roles
func.func @roles(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // CHECK: calm.role = #calm.role<attention>
  %0 = linalg.matmul {calm.role = #calm.role<attention>} ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<2x4xf32>) -> tensor<2x4xf32>
  // CHECK: calm.numerics = #calm.numerics<lmul:3>, calm.role = #calm.role<lm_head>
  %1 = linalg.matmul {calm.numerics = #calm.numerics<lmul:3>, calm.role = #calm.role<lm_head>} ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%0 : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}
