// RUN: calm-opt %s --calm-energy-report -o /dev/null | FileCheck %s
// RUN: calm-opt %s --calm-energy-report=json=true -o /dev/null | FileCheck %s --check-prefix=JSON
// RUN: calm-opt %s --calm-lmul-contractions=mantissa-bits=4 --calm-energy-report -o /dev/null | FileCheck %s --check-prefix=LMUL
// RUN: calm-opt %s --calm-quantize-contractions=form=i8 --calm-energy-report -o /dev/null | FileCheck %s --check-prefix=I8
// RUN: calm-opt %s --calm-energy-report=output=%t.txt -o /dev/null && FileCheck %s --input-file=%t.txt --check-prefix=TOFILE
// RUN: calm-opt %s --calm-energy-report=dynamic-size=3 -o /dev/null | FileCheck %s --check-prefix=DYN3
// RUN: not calm-opt %s --calm-energy-report=output=/nonexistent/dir/x.txt -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADFILE

// Hand counts: matmul 4x16 outputs x K=8 -> 512 multiplies and 512 adds;
// f32: 512 * (3.7 + 0.9) = 2355.2 pJ. Elementwise mulf on 4x16: 64
// multiplies, 64 * 3.7 = 236.8 pJ. Bytes read by the matmul: (32 + 128) * 4.
// CHECK: calm-energy-report (Horowitz ISSCC 2014, 45 nm{{.*}}arithmetic only, memory not included)
// CHECK: function @layer
// CHECK: linalg.matmul   f32    512    512    2355.20    640
// CHECK: arith.mulf      f32     64      0     236.80      0
// CHECK: total                  576    512    2592.00    640
// The tagged fp8 matmul: 2 x 3 x 5 = 30 multiplies, fp8 has no row -> n/a;
// its operands will be read as 10 + 15 one-byte values.
// CHECK: function @tagged
// CHECK: linalg.matmul   f8e4m3/tensor    30    30    n/a    25
// CHECK: total                            30    30    0.00+n/a    25
// Dynamic shapes: per iteration.
// CHECK: function @dynamic  (dynamic shapes: counts are per iteration)
// CHECK: linalg.matmul   f32    1    1    4.60    0  per iteration
// With dynamic-size=3 the ?x?x? matmul counts 27 multiply-adds, reading
// 9 + 9 f32 values.
// DYN3: function @dynamic  (dynamic sizes priced as 3)
// DYN3: linalg.matmul   f32    27    27    124.20    72{{$}}
// JSON: "functions": [
// JSON: "energy_pj": 2592
// JSON: "name": "layer"
// JSON: "mul_pj": null
// JSON: "table": "Horowitz ISSCC 2014
// L-Mul: each product one int32 add (0.1 pJ) + f32 add: 512 * 1.0 pJ.
// LMUL: function @layer
// LMUL: linalg.generic  lmul:4    512    512    512.00    640
// i8: the contraction's 512 int8 multiplies (0.2) and int32 adds (0.1).
// I8: function @layer
// I8: linalg.generic    i8    512    512    153.60    160
// TOFILE: function @layer
// BADFILE: calm-energy-report: cannot write '/nonexistent/dir/x.txt'

func.func @layer(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  %1 = arith.mulf %0, %0 : tensor<4x16xf32>
  return %1 : tensor<4x16xf32>
}

func.func @tagged(%a: tensor<2x5xf32>, %b: tensor<5x3xf32>, %c: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = linalg.matmul {calm.numerics = #calm.numerics<f8e4m3>} ins(%a, %b : tensor<2x5xf32>, tensor<5x3xf32>) outs(%c : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

func.func @dynamic(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>, %c: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<?x?xf32>, tensor<?x?xf32>) outs(%c : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
