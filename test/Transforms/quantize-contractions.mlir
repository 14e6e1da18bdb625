// RUN: calm-opt %s --split-input-file --calm-quantize-contractions="form=f8e4m3" | FileCheck %s --check-prefix=E4M3
// RUN: calm-opt %s --split-input-file --calm-quantize-contractions="form=i8 granularity=channel" | FileCheck %s --check-prefix=I8C
// RUN: calm-opt %s --split-input-file --calm-quantize-contractions="form=bf16" | FileCheck %s --check-prefix=BF16
// RUN: calm-opt %s --split-input-file --calm-quantize-contractions="form=f8e5m2 func-filter=^mlp" | FileCheck %s --check-prefix=FILTER

// Run-time scales: an amax reduction, the scale, the quantized operands as
// i8, the accumulation, and the dequantization with the NaN guard.
// E4M3-LABEL: func.func @mlp_dynamic
// E4M3: linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]
// E4M3:   math.absf
// E4M3:   arith.maximumf
// E4M3: arith.constant 4.480000e+02 : f32
// E4M3: linalg.generic
// E4M3:   arith.divf
// E4M3:   arith.truncf %{{.*}} : f32 to f8E4M3FN
// E4M3:   arith.bitcast %{{.*}} : f8E4M3FN to i8
// E4M3: -> tensor<4x8xi8>
// E4M3: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// E4M3-SAME: ins(%{{.*}}, %{{.*}} : tensor<4x8xi8>, tensor<8x16xi8>)
// E4M3:   arith.extf %{{.*}} : f8E4M3FN to f32
// E4M3:   arith.mulf %{{.*}}, %{{.*}} {calm.exact} : f32
// E4M3:   arith.addf
// E4M3: linalg.generic
// E4M3:   arith.mulf %{{.*}}, %{{.*}} {calm.exact} : f32
// E4M3:   arith.cmpf oeq
// E4M3:   arith.select
// E4M3-NOT: linalg.matmul
// Per channel: A's scale keeps its rows, B's its columns.
// I8C-LABEL: func.func @mlp_dynamic
// I8C: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} outs(%{{.*}} : tensor<4xf32>)
// I8C: linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]{{.*}} outs(%{{.*}} : tensor<16xf32>)
// I8C: math.roundeven
// I8C: arith.fptosi %{{.*}} : f32 to i8
// I8C: arith.extsi %{{.*}} : i8 to i32
// I8C: arith.muli
// I8C: arith.addi
// I8C: arith.sitofp %{{.*}} : i32 to f32
// BF16-LABEL: func.func @mlp_dynamic
// BF16: arith.truncf %{{.*}} : f32 to bf16
// BF16: arith.bitcast %{{.*}} : bf16 to i16
// BF16: arith.extf %{{.*}} : bf16 to f32
// BF16-NOT: linalg.matmul
// BF16: return
// FILTER-LABEL: func.func @mlp_dynamic
// FILTER: f8E5M2
func.func @mlp_dynamic(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// A constant weight is quantized at compile time: an i8 constant and a
// constant scale (448 / 448 = 1 here); no reduction runs for it.
// E4M3-LABEL: func.func @weights
// E4M3: math.absf
// E4M3-DAG: arith.constant dense<{{\[}}[56, -64], [0, 126]]> : tensor<2x2xi8>
// E4M3-DAG: arith.constant dense<1.000000e+00> : tensor<f32>
// E4M3-NOT: math.absf
// E4M3: return
func.func @weights(%a: tensor<3x2xf32>, %c: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %b = arith.constant dense<[[1.0, -2.0], [0.0, 448.0]]> : tensor<2x2xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<3x2xf32>, tensor<2x2xf32>) outs(%c : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// The per-op attribute wins over the pass options; f64 and memref
// contractions are left alone; func-filter spares other functions.
// E4M3-LABEL: func.func @attention_tagged
// E4M3: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(4) : f32
// E4M3-NOT: calm.numerics
// E4M3: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x8xf64>, tensor<8x16xf64>)
// E4M3: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<4x8xf32>, memref<8x16xf32>)
// FILTER-LABEL: func.func @attention_tagged
// FILTER: calm.lmul
// FILTER-NOT: f8E5M2
// FILTER: return
func.func @attention_tagged(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>,
                            %a64: tensor<4x8xf64>, %b64: tensor<8x16xf64>, %c64: tensor<4x16xf64>,
                            %ma: memref<4x8xf32>, %mb: memref<8x16xf32>, %mc: memref<4x16xf32>)
    -> (tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf64>) {
  %0 = linalg.matmul {calm.numerics = #calm.numerics<lmul:4>} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  %1 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  %2 = linalg.matmul ins(%a64, %b64 : tensor<4x8xf64>, tensor<8x16xf64>) outs(%c64 : tensor<4x16xf64>) -> tensor<4x16xf64>
  linalg.matmul ins(%ma, %mb : memref<4x8xf32>, memref<8x16xf32>) outs(%mc : memref<4x16xf32>)
  return %0, %1, %2 : tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf64>
}
