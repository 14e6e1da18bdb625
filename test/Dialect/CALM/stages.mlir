// RUN: calm-opt %s --split-input-file | FileCheck %s
// RUN: calm-opt %s --split-input-file --mlir-print-op-generic | calm-opt --split-input-file | FileCheck %s
// Round trip of the chunk type and the model-stage ops. Sizes: V = 8,
// d = 4, K = 2, latent Z = 2, noise E = 3; zero autoencoder layers and head
// blocks keep the weight lists short (calm-decompose's tests use layers).

// CHECK-LABEL: func.func @chunk_type
// CHECK-SAME: !calm.chunk<2x4xf32>, %{{.*}}: !calm.chunk<?x3x2x4xf32>
func.func @chunk_type(%a: !calm.chunk<2x4xf32>, %b: !calm.chunk<?x3x2x4xf32>)
    -> (!calm.chunk<2x4xf32>, !calm.chunk<?x3x2x4xf32>) {
  return %a, %b : !calm.chunk<2x4xf32>, !calm.chunk<?x3x2x4xf32>
}

// -----

// CHECK-LABEL: func.func @latents
// CHECK: %[[C:.*]] = calm.latents_to_chunk %{{.*}} : tensor<5x2xf32> to <5x2x2xf32>
// CHECK: calm.chunk_to_latents %[[C]] : <5x2x2xf32> to tensor<5x2xf32>
func.func @latents(%z: tensor<5x2xf32>) -> tensor<5x2xf32> {
  %c = calm.latents_to_chunk %z : tensor<5x2xf32> to !calm.chunk<5x2x2xf32>
  %t = calm.chunk_to_latents %c : !calm.chunk<5x2x2xf32> to tensor<5x2xf32>
  return %t : tensor<5x2xf32>
}

// -----

// CHECK-LABEL: func.func @ae_encode
// CHECK: %{{.*}}, %{{.*}} = calm.ae_encode %{{.*}} weights(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) {rms_norm_eps = 9.9999999999999995E-7 : f64} : tensor<3x2xi32>, (tensor<8x4xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> <3x2x2xf32>
func.func @ae_encode(%ids: tensor<3x2xi32>, %emb: tensor<8x4xf32>,
                     %sq: tensor<4x8xf32>, %sqb: tensor<4xf32>,
                     %norm: tensor<4xf32>, %htl: tensor<4x4xf32>,
                     %htlb: tensor<4xf32>) -> !calm.chunk<3x2x2xf32> {
  %mean, %log_std = calm.ae_encode %ids weights(%emb, %sq, %sqb, %norm, %htl, %htlb)
      {rms_norm_eps = 1.0e-6 : f64}
      : tensor<3x2xi32>, (tensor<8x4xf32>, tensor<4x8xf32>, tensor<4xf32>,
        tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> !calm.chunk<3x2x2xf32>
  return %log_std : !calm.chunk<3x2x2xf32>
}

// -----

// CHECK-LABEL: func.func @ae_decode
// CHECK: calm.ae_decode %{{.*}} weights({{.*}}) {rms_norm_eps = {{.*}}} : <?x2x2xf32>, ({{.*}}) -> tensor<?x2x8xf32>
func.func @ae_decode(%z: !calm.chunk<?x2x2xf32>, %lth: tensor<4x2xf32>,
                     %lthb: tensor<4xf32>, %ex: tensor<8x4xf32>,
                     %exb: tensor<8xf32>, %norm: tensor<4xf32>,
                     %out: tensor<8x4xf32>) -> tensor<?x2x8xf32> {
  %l = calm.ae_decode %z weights(%lth, %lthb, %ex, %exb, %norm, %out)
      {rms_norm_eps = 1.0e-6 : f64}
      : !calm.chunk<?x2x2xf32>, (tensor<4x2xf32>, tensor<4xf32>, tensor<8x4xf32>,
        tensor<8xf32>, tensor<4xf32>, tensor<8x4xf32>) -> tensor<?x2x8xf32>
  return %l : tensor<?x2x8xf32>
}

// -----

// CHECK-LABEL: func.func @input_compress
// CHECK: calm.input_compress %{{.*}} weights({{.*}}) {layer_norm_eps = {{.*}}} : tensor<1x2xi32>, ({{.*}}) -> tensor<1x4xf32>
func.func @input_compress(%ids: tensor<1x2xi32>, %emb: tensor<8x4xf32>,
                          %w0: tensor<8x8xf32>, %b0: tensor<8xf32>,
                          %w2: tensor<4x8xf32>, %b2: tensor<4xf32>,
                          %lnw: tensor<4xf32>, %lnb: tensor<4xf32>)
    -> tensor<1x4xf32> {
  %h = calm.input_compress %ids weights(%emb, %w0, %b0, %w2, %b2, %lnw, %lnb)
      {layer_norm_eps = 1.0e-6 : f64}
      : tensor<1x2xi32>, (tensor<8x4xf32>, tensor<8x8xf32>, tensor<8xf32>,
        tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
      -> tensor<1x4xf32>
  return %h : tensor<1x4xf32>
}

// -----

// CHECK-LABEL: func.func @energy_head
// CHECK: calm.energy_head %{{.*}}, %{{.*}} weights({{.*}}) {layer_norm_eps = {{.*}}} : tensor<1x4xf32>, tensor<1x?x3xf32>, ({{.*}}) -> <1x?x2x2xf32>
func.func @energy_head(%h: tensor<1x4xf32>, %noise: tensor<1x?x3xf32>,
    %ne: tensor<4x3xf32>, %neb: tensor<4xf32>, %he: tensor<4x4xf32>,
    %heb: tensor<4xf32>, %nhw: tensor<4xf32>, %nhb: tensor<4xf32>,
    %nnw: tensor<4xf32>, %nnb: tensor<4xf32>, %flw: tensor<4xf32>,
    %flb: tensor<4xf32>, %f0: tensor<4x4xf32>, %f0b: tensor<4xf32>,
    %f2: tensor<2x4xf32>, %f2b: tensor<2xf32>) -> !calm.chunk<1x?x2x2xf32> {
  %c = calm.energy_head %h, %noise weights(%ne, %neb, %he, %heb, %nhw, %nhb,
      %nnw, %nnb, %flw, %flb, %f0, %f0b, %f2, %f2b)
      {layer_norm_eps = 1.0e-6 : f64}
      : tensor<1x4xf32>, tensor<1x?x3xf32>, (tensor<4x3xf32>, tensor<4xf32>,
        tensor<4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
        tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
        tensor<4x4xf32>, tensor<4xf32>, tensor<2x4xf32>, tensor<2xf32>)
      -> !calm.chunk<1x?x2x2xf32>
  return %c : !calm.chunk<1x?x2x2xf32>
}

// -----

// CHECK-LABEL: func.func @role
// CHECK: linalg.matmul {calm.role = #calm.role<attention>}
func.func @role(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = linalg.matmul {calm.role = #calm.role<attention>} ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
