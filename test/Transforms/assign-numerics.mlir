// RUN: calm-opt %s --split-input-file --calm-assign-numerics="default=i8/channel roles=attention=lmul:4,head=f32" | FileCheck %s
// RUN: calm-opt %s --split-input-file --calm-assign-numerics | FileCheck %s --check-prefix=F32
// RUN: not calm-opt %s --calm-assign-numerics="roles=softmax=lmul:4" 2>&1 | FileCheck %s --check-prefix=ROLE
// RUN: not calm-opt %s --calm-assign-numerics="roles=mlp=lmul:40" 2>&1 | FileCheck %s --check-prefix=FORM
// RUN: not calm-opt %s --calm-assign-numerics="default=f12" 2>&1 | FileCheck %s --check-prefix=DEFAULT

// ROLE: calm-assign-numerics: unknown role 'softmax' in 'softmax=lmul:4'; roles: attention, projection, mlp, compress, head, ae, lm_head
// FORM: calm-assign-numerics: role mlp: 'lmul:40': lmul takes a mantissa width from 1 to 23, as in lmul:4
// DEFAULT: calm-assign-numerics: unknown numerics form 'f12'; valid forms: f32, bf16,

// CHECK-LABEL: func.func @by_role
// F32-LABEL: func.func @by_role
// F32: linalg.matmul {calm.role = #calm.role<attention>} ins
// F32: linalg.matmul {calm.role = #calm.role<mlp>} ins
func.func @by_role(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<2x4xf32>)
    -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
  // CHECK: linalg.matmul {calm.numerics = #calm.numerics<lmul:4>, calm.role = #calm.role<attention>}
  %0 = linalg.matmul {calm.role = #calm.role<attention>} ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<2x4xf32>) -> tensor<2x4xf32>
  // CHECK: linalg.matmul {calm.numerics = #calm.numerics<i8/channel>, calm.role = #calm.role<mlp>}
  %1 = linalg.matmul {calm.role = #calm.role<mlp>} ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<2x4xf32>) -> tensor<2x4xf32>
  // f32 leaves a contraction untagged.
  // CHECK: linalg.matmul {calm.role = #calm.role<head>} ins
  %2 = linalg.matmul {calm.role = #calm.role<head>} ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<2x4xf32>) -> tensor<2x4xf32>
  // An explicit calm.numerics wins over the selection.
  // CHECK: linalg.matmul {calm.numerics = #calm.numerics<bf16>, calm.role = #calm.role<mlp>}
  %3 = linalg.matmul {calm.numerics = #calm.numerics<bf16>, calm.role = #calm.role<mlp>} ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<2x4xf32>) -> tensor<2x4xf32>
  // No role, no change.
  // CHECK: linalg.matmul ins
  %4 = linalg.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0, %1, %2, %3, %4 : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
}
