// RUN: calm-opt %s --split-input-file --calm-mulf-to-lmul | FileCheck %s --check-prefix=FULL
// RUN: calm-opt %s --split-input-file --calm-mulf-to-lmul=mantissa-bits=2 | FileCheck %s --check-prefix=M2
// RUN: calm-opt %s --split-input-file --calm-mulf-to-lmul="func-filter=^attn" | FileCheck %s --check-prefix=FILTER

// Default: the element type's full mantissa width.
// FULL-LABEL: func.func @attn_scalars
// FULL: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(23) : f32
// FULL: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(7) : bf16
// FULL: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(10) : f16
// FULL: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(3) : f8E4M3FN
// FULL: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(2) : f8E5M2
// FULL-NOT: arith.mulf
// M2-LABEL: func.func @attn_scalars
// M2-COUNT-5: mantissa_bits(2)
// FILTER-LABEL: func.func @attn_scalars
// FILTER-COUNT-5: calm.lmul
func.func @attn_scalars(%a: f32, %b: bf16, %c: f16, %d: f8E4M3FN, %e: f8E5M2)
    -> (f32, bf16, f16, f8E4M3FN, f8E5M2) {
  %0 = arith.mulf %a, %a : f32
  %1 = arith.mulf %b, %b : bf16
  %2 = arith.mulf %c, %c : f16
  %3 = arith.mulf %d, %d : f8E4M3FN
  %4 = arith.mulf %e, %e : f8E5M2
  return %0, %1, %2, %3, %4 : f32, bf16, f16, f8E4M3FN, f8E5M2
}

// -----

// Shaped operands and multiplies nested in regions are rewritten; f64,
// calm.exact and other ops are left alone.
// FULL-LABEL: func.func @mlp_regions
// FULL: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(23) : vector<8xf32>
// FULL: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(23) : tensor<4x?xf32>
// FULL: scf.for
// FULL:   calm.lmul %{{.*}}, %{{.*}} mantissa_bits(23) : f32
// FULL: arith.mulf %{{.*}}, %{{.*}} : f64
// FULL: arith.mulf %{{.*}}, %{{.*}} {calm.exact} : f32
// FULL: arith.addf
// FILTER-LABEL: func.func @mlp_regions
// FILTER-NOT: calm.lmul
// FILTER: return
func.func @mlp_regions(%v: vector<8xf32>, %t: tensor<4x?xf32>, %x: f32, %y: f64,
                       %n: index) -> (vector<8xf32>, tensor<4x?xf32>, f32, f64, f32) {
  %0 = arith.mulf %v, %v : vector<8xf32>
  %1 = arith.mulf %t, %t : tensor<4x?xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %2 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> f32 {
    %p = arith.mulf %acc, %x : f32
    scf.yield %p : f32
  }
  %3 = arith.mulf %y, %y : f64
  %4 = arith.mulf %x, %x {calm.exact} : f32
  %5 = arith.addf %4, %2 : f32
  return %0, %1, %2, %3, %5 : vector<8xf32>, tensor<4x?xf32>, f32, f64, f32
}

// -----

// FULL-LABEL: func.func @attn_linalg_body
// FULL: linalg.generic
// FULL:   calm.lmul %{{.*}}, %{{.*}} mantissa_bits(23) : f32
// FULL:   arith.addf
// FILTER-LABEL: func.func @attn_linalg_body
// FILTER: calm.lmul
func.func @attn_linalg_body(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>,
                            %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %0 = linalg.generic {
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (k, n)>,
                       affine_map<(m, n, k) -> (m, n)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// Named contractions are generalized so that their multiply can change;
// f64 ones and excluded functions keep their named form.
// FULL-LABEL: func.func @attn_named_matmul
// FULL-NOT: linalg.matmul
// FULL: linalg.generic
// FULL-SAME: iterator_types = ["parallel", "parallel", "reduction"]
// FULL:   calm.lmul %{{.*}}, %{{.*}} mantissa_bits(23) : f32
// FULL:   arith.addf
// FULL: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x8xf64>, tensor<8x16xf64>)
// M2-LABEL: func.func @attn_named_matmul
// M2: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(2) : f32
func.func @attn_named_matmul(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>,
                             %a64: tensor<4x8xf64>, %b64: tensor<8x16xf64>, %c64: tensor<4x16xf64>)
    -> (tensor<4x16xf32>, tensor<4x16xf64>) {
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  %1 = linalg.matmul ins(%a64, %b64 : tensor<4x8xf64>, tensor<8x16xf64>) outs(%c64 : tensor<4x16xf64>) -> tensor<4x16xf64>
  return %0, %1 : tensor<4x16xf32>, tensor<4x16xf64>
}

// -----

// FILTER-LABEL: func.func @mlp_named_matmul
// FILTER: linalg.matmul
// FILTER-NOT: calm.lmul
func.func @mlp_named_matmul(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}
