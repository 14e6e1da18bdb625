// RUN: calm-opt %s --split-input-file --calm-decompose | FileCheck %s
// No stage op survives anywhere in the output:
// RUN: calm-opt %s --split-input-file --calm-decompose | FileCheck %s --check-prefix=GONE
// GONE-NOT: {{calm.(ae_encode|ae_decode|input_compress|energy_head)}}
// The stage ops become linalg on tensors, layer by layer as the official
// PyTorch modules compute them; every contraction carries its calm.role.
// Executed against the PyTorch fixtures by test/Runtime (ModelParity).
// Sizes: V = 8, d = 4, K = 2, latent Z = 2, noise E = 3, no AE layers or
// head blocks (their layers are the same builders, exercised by the
// executed tests on the shipped model).

// CHECK-LABEL: func.func @ae_encode
// Embedding lookup with ids clamped into the table:
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1]] : tensor<3x2xi32> into tensor<6xi32>
// CHECK: linalg.generic
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: tensor.extract %{{.*}} : tensor<8x4xf32>
// K token vectors side by side, squeeze_layer, RMSNorm, hidden_to_latent:
// CHECK: tensor.expand_shape %{{.*}} output_shape [3, 8] : tensor<24xf32> into tensor<3x8xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%{{.*}}, %{{.*}} : tensor<3x8xf32>, tensor<4x8xf32>){{.*}}{calm.role = #calm.role<ae>}
// CHECK: math.rsqrt
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<3x4xf32>, tensor<4x4xf32>){{.*}}{calm.role = #calm.role<ae>}
// log_std, the second half of hidden_to_latent:
// (the mean's slice is dead here: only log_std is returned)
// CHECK: %[[LOGSTD:.*]] = tensor.extract_slice %{{.*}}[0, 2] [3, 2] [1, 1] : tensor<3x4xf32> to tensor<3x2xf32>
// CHECK: %[[C:.*]] = calm.latents_to_chunk %[[LOGSTD]]
// CHECK: return %[[C]]
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
// The chunk's latents, latent_to_hidden, expand_layer, then K rows per chunk:
// CHECK: calm.chunk_to_latents %{{.*}} : <?x2x2xf32> to tensor<?x2xf32>
// CHECK: {calm.role = #calm.role<ae>}
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<8x4xf32>){{.*}}{calm.role = #calm.role<ae>}
// CHECK: tensor.expand_shape {{.*}} into tensor<?x4xf32>
// CHECK: math.rsqrt
// Logits over the vocabulary, back to batch x K x V:
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<8x4xf32>){{.*}}{calm.role = #calm.role<ae>}
// CHECK: %[[L:.*]] = tensor.expand_shape {{.*}} into tensor<?x2x8xf32>
// CHECK: return %[[L]]
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
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x8xf32>, tensor<8x8xf32>){{.*}}{calm.role = #calm.role<compress>}
// SiLU as x / (1 + exp(-x)):
// CHECK: arith.negf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x8xf32>, tensor<4x8xf32>){{.*}}{calm.role = #calm.role<compress>}
// LayerNorm: mean, centred, variance, normalized with weight and bias:
// CHECK: iterator_types = ["parallel", "reduction"]
// CHECK: arith.subf
// CHECK: iterator_types = ["parallel", "reduction"]
// CHECK: math.rsqrt
// CHECK: arith.addf
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
// Noise rows: N x S flattened (S dynamic):
// CHECK: tensor.collapse_shape %{{.*}} : tensor<1x?x3xf32> into tensor<?xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<4x3xf32>){{.*}}{calm.role = #calm.role<head>}
// (without MLP blocks the hidden state's condition is dead and folded away)
// CHECK-NOT: tensor<1x4xf32>, tensor<4x4xf32>
// Final layer to the latent:
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<2x4xf32>){{.*}}{calm.role = #calm.role<head>}
// CHECK: %[[Z:.*]] = tensor.expand_shape {{.*}} into tensor<1x?x2xf32>
// CHECK: %[[C:.*]] = calm.latents_to_chunk %[[Z]] : tensor<1x?x2xf32> to <1x?x2x2xf32>
// CHECK: return %[[C]]
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

