// RUN: calm-opt %s --split-input-file --calm-vectorize-dot-products | FileCheck %s
// RUN: calm-opt %s --split-input-file --calm-vectorize-dot-products=vector-width=4 | FileCheck %s --check-prefix=W4
// RUN: not calm-opt %s --calm-vectorize-dot-products=vector-width=0 2>&1 | FileCheck %s --check-prefix=BADWIDTH
// BADWIDTH: calm-vectorize-dot-products: vector-width must be at least 1

// A linear layer x [M, K] . W [N, K]^T: the weight's row loop (n) outermost,
// then m four rows at a time (one vector accumulator per row; the four loads
// of the weight row are the same and merge), then the remaining rows with
// four 8-lane accumulators over K, one, and scalars.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.*]]: memref<?x?xf32>, %[[W:.*]]: memref<?x?xf32>, %[[O:.*]]: memref<?x?xf32>)
// CHECK: %[[N:.*]] = memref.dim %[[W]], %c0
// CHECK: scf.for %[[I:.*]] = %c0{{.*}} to %[[N]] step %c1{{.*}} {
// CHECK:   %[[M:.*]] = memref.dim %[[X]], %c0
// CHECK:   %[[MREM:.*]] = arith.remui %[[M]], %c4
// CHECK:   %[[MEND:.*]] = arith.subi %[[M]], %[[MREM]]
// CHECK:   scf.for %[[J:.*]] = %c0{{.*}} to %[[MEND]] step %c4{{.*}} {
// CHECK:     %[[J1:.*]] = arith.addi %[[J]], %c1
// CHECK:     %[[ROWS:.*]]:4 = scf.for %[[R4:.*]] = %c0{{.*}} to %{{.*}} step %c8{{.*}} iter_args(%[[B0:.*]] = %[[ZERO4:.*]], %{{.*}} = %[[ZERO4]], %{{.*}} = %[[ZERO4]], %{{.*}} = %[[ZERO4]])
// CHECK:       vector.load %[[X]][%[[J]], %[[R4]]]
// CHECK:       vector.load %[[W]][%[[I]], %[[R4]]]
// CHECK:       vector.load %[[X]][%[[J1]], %[[R4]]]
// CHECK:       scf.yield
// CHECK-COUNT-4: vector.reduction <add>
// CHECK:     scf.for {{.*}} -> (f32, f32, f32, f32)
// CHECK-COUNT-4: memref.store
// CHECK:   scf.for %[[JR:.*]] = %[[MEND]] to %[[M]] step %c1{{.*}} {
// CHECK:     %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<8xf32>
// CHECK:     %[[K:.*]] = memref.dim %[[X]], %c1
// CHECK:     %[[WIDE:.*]]:4 = scf.for %[[R:.*]] = %c0{{.*}} to %{{.*}} step %c32{{.*}} iter_args(%[[A0:.*]] = %[[ZERO]], %[[A1:.*]] = %[[ZERO]], %[[A2:.*]] = %[[ZERO]], %[[A3:.*]] = %[[ZERO]])
// CHECK:       %[[XV:.*]] = vector.load %[[X]][%[[JR]], %[[R]]] : memref<?x?xf32>, vector<8xf32>
// CHECK:       %[[WV:.*]] = vector.load %[[W]][%[[I]], %[[R]]] : memref<?x?xf32>, vector<8xf32>
// CHECK:       %[[P:.*]] = arith.mulf %[[XV]], %[[WV]] fastmath<contract> : vector<8xf32>
// CHECK:       arith.addf %[[A0]], %[[P]] fastmath<contract> : vector<8xf32>
// CHECK-COUNT-3: vector.load %[[W]]
// CHECK:       scf.yield
// CHECK:     %[[S01:.*]] = arith.addf %[[WIDE]]#0, %[[WIDE]]#1 fastmath<contract> : vector<8xf32>
// CHECK:     %[[S23:.*]] = arith.addf %[[WIDE]]#2, %[[WIDE]]#3 fastmath<contract> : vector<8xf32>
// CHECK:     %[[S:.*]] = arith.addf %[[S01]], %[[S23]] fastmath<contract> : vector<8xf32>
// CHECK:     %[[NARROW:.*]] = scf.for {{.*}} step %c8{{.*}} iter_args(%{{.*}} = %[[S]]) -> (vector<8xf32>)
// CHECK:     %[[RED:.*]] = vector.reduction <add>, %[[NARROW]] : vector<8xf32> into f32
// CHECK:     %[[TAIL:.*]] = scf.for %{{.*}} = %{{.*}} to %[[K]] step %c1{{.*}} iter_args(%[[T:.*]] = %[[RED]]) -> (f32)
// CHECK:       memref.load %[[X]]
// CHECK:       memref.load %[[W]]
// CHECK:     %[[OLD:.*]] = memref.load %[[O]][%[[JR]], %[[I]]]
// CHECK:     %[[NEW:.*]] = arith.addf %[[OLD]], %[[TAIL]] fastmath<contract> : f32
// CHECK:     memref.store %[[NEW]], %[[O]][%[[JR]], %[[I]]]
// CHECK-NOT: linalg.generic
// W4-LABEL: func.func @linear
// W4: step %c16
// W4: vector.load %{{.*}} : memref<?x?xf32>, vector<4xf32>
func.func @linear(%x: memref<?x?xf32>, %w: memref<?x?xf32>, %o: memref<?x?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x?xf32>, memref<?x?xf32>) outs(%o : memref<?x?xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Attention scores q [H, E] . k [S, H, E] over E: k has more parallel dims,
// so its (s, h) run outermost. An L-Mul body is widened as it is.
// CHECK-LABEL: func.func @scores_lmul
// CHECK: scf.for %[[S:.*]] = {{.*}} {
// CHECK:   scf.for %[[H:.*]] = {{.*}} {
// CHECK:     vector.load %{{.*}}[%[[H]], %{{.*}}] : memref<4x16xf32>, vector<8xf32>
// CHECK:     vector.load %{{.*}}[%[[S]], %[[H]], %{{.*}}] : memref<?x4x16xf32>, vector<8xf32>
// CHECK:     calm.lmul %{{.*}}, %{{.*}} mantissa_bits(4) : vector<8xf32>
// CHECK:     vector.reduction <add>
// CHECK:     memref.store %{{.*}}, %{{.*}}[%[[H]], %[[S]]] : memref<4x?xf32>
func.func @scores_lmul(%q: memref<4x16xf32>, %k: memref<?x4x16xf32>, %o: memref<4x?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(h, s, e) -> (h, e)>, affine_map<(h, s, e) -> (s, h, e)>, affine_map<(h, s, e) -> (h, s)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<4x16xf32>, memref<?x4x16xf32>) outs(%o : memref<4x?xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = calm.lmul %a, %b mantissa_bits(4) : f32
    %s = arith.addf %p, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Integer products (i8 storage, i32 sums): exact, reassociation is harmless.
// CHECK-LABEL: func.func @int8
// CHECK: arith.constant dense<0> : vector<8xi32>
// CHECK: vector.load %{{.*}} : memref<3x40xi8>, vector<8xi8>
// CHECK: arith.extsi %{{.*}} : vector<8xi8> to vector<8xi32>
// CHECK: arith.muli %{{.*}} : vector<8xi32>
// CHECK: arith.addi %{{.*}} : vector<8xi32>
// CHECK: vector.reduction <add>, %{{.*}} : vector<8xi32> into i32
func.func @int8(%x: memref<3x40xi8>, %w: memref<5x40xi8>, %o: memref<3x5xi32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<3x40xi8>, memref<5x40xi8>) outs(%o : memref<3x5xi32>) {
  ^bb0(%a: i8, %b: i8, %acc: i32):
    %a32 = arith.extsi %a : i8 to i32
    %b32 = arith.extsi %b : i8 to i32
    %p = arith.muli %a32, %b32 : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  return
}

// -----

// Left alone: the reduction is not the inputs' innermost dim (matmul's B is
// [K, N]), the output is used beyond the sum, the inputs are on tensors, or
// the innermost stride is not 1.
// CHECK-LABEL: func.func @not_dot_products
// CHECK-COUNT-4: linalg.generic
// CHECK-NOT: vector.reduction
func.func @not_dot_products(%a: memref<8x16xf32>, %b: memref<16x8xf32>, %o: memref<8x8xf32>,
                            %t: tensor<8x16xf32>, %tw: tensor<8x16xf32>, %to: tensor<8x8xf32>,
                            %s: memref<8x16xf32, strided<[32, 2]>>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<8x16xf32>, memref<16x8xf32>) outs(%o : memref<8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %a : memref<8x16xf32>, memref<8x16xf32>) outs(%o : memref<8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %acc : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%t, %tw : tensor<8x16xf32>, tensor<8x16xf32>) outs(%to : tensor<8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%s, %a : memref<8x16xf32, strided<[32, 2]>>, memref<8x16xf32>) outs(%o : memref<8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  return
}
