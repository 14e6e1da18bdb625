// RUN: calm-opt %s --split-input-file --verify-diagnostics
// Invalid chunk types and stage ops: every message names the size or the
// weight (by its checkpoint name) that is wrong. Sizes as in stages.mlir.

// expected-error @+1 {{!calm.chunk needs at least K and the latent size (e.g. !calm.chunk<4x64xf32>), got 1 dimension(s)}}
func.func private @f(!calm.chunk<4xf32>)

// -----

// expected-error @+1 {{!calm.chunk allows at most one dynamic batch dimension}}
func.func private @f(!calm.chunk<?x?x4x64xf32>)

// -----

// expected-error @+1 {{!calm.chunk K and latent size must be positive, got ?}}
func.func private @f(!calm.chunk<3x?x64xf32>)

// -----

// expected-error @+1 {{!calm.chunk element type must be a float type, got 'i32'}}
func.func private @f(!calm.chunk<4x64xi32>)

// -----

func.func @latents(%z: tensor<5x3xf32>) -> !calm.chunk<5x2x2xf32> {
  // expected-error @+1 {{'calm.latents_to_chunk' op latents of '!calm.chunk<5x2x2xf32>' are 'tensor<5x2xf32>', not 'tensor<5x3xf32>'}}
  %c = calm.latents_to_chunk %z : tensor<5x3xf32> to !calm.chunk<5x2x2xf32>
  return %c : !calm.chunk<5x2x2xf32>
}

// -----

func.func @ae_encode_weight_shape(%ids: tensor<3x2xi32>, %emb: tensor<8x4xf32>,
                     %sq: tensor<4x6xf32>, %sqb: tensor<4xf32>,
                     %norm: tensor<4xf32>, %htl: tensor<4x4xf32>,
                     %htlb: tensor<4xf32>) -> !calm.chunk<3x2x2xf32> {
  // expected-error @+1 {{'calm.ae_encode' op weight #1 'encoder.squeeze_layer.weight' must be 4x8, got 4x6}}
  %mean, %log_std = calm.ae_encode %ids weights(%emb, %sq, %sqb, %norm, %htl, %htlb)
      {rms_norm_eps = 1.0e-6 : f64}
      : tensor<3x2xi32>, (tensor<8x4xf32>, tensor<4x6xf32>, tensor<4xf32>,
        tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> !calm.chunk<3x2x2xf32>
  return %mean : !calm.chunk<3x2x2xf32>
}

// -----

func.func @ae_encode_count(%ids: tensor<3x2xi32>, %emb: tensor<8x4xf32>,
                     %sq: tensor<4x8xf32>) -> !calm.chunk<3x2x2xf32> {
  // expected-error @+1 {{'calm.ae_encode' op expects 6 weights plus 4 per layer for an even number of layers, got 2 weights}}
  %mean, %log_std = calm.ae_encode %ids weights(%emb, %sq)
      {rms_norm_eps = 1.0e-6 : f64}
      : tensor<3x2xi32>, (tensor<8x4xf32>, tensor<4x8xf32>) -> !calm.chunk<3x2x2xf32>
  return %mean : !calm.chunk<3x2x2xf32>
}

// -----

func.func @ae_encode_k(%ids: tensor<3x2xi32>, %emb: tensor<8x4xf32>,
                     %sq: tensor<4x8xf32>, %sqb: tensor<4xf32>,
                     %norm: tensor<4xf32>, %htl: tensor<4x4xf32>,
                     %htlb: tensor<4xf32>) -> !calm.chunk<3x4x2xf32> {
  // expected-error @+1 {{'calm.ae_encode' op result must be chunks of K = 2 tokens, got K = 4}}
  %mean, %log_std = calm.ae_encode %ids weights(%emb, %sq, %sqb, %norm, %htl, %htlb)
      {rms_norm_eps = 1.0e-6 : f64}
      : tensor<3x2xi32>, (tensor<8x4xf32>, tensor<4x8xf32>, tensor<4xf32>,
        tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> !calm.chunk<3x4x2xf32>
  return %mean : !calm.chunk<3x4x2xf32>
}

// -----

func.func @ae_encode_batch(%ids: tensor<3x2xi32>, %emb: tensor<8x4xf32>,
                     %sq: tensor<4x8xf32>, %sqb: tensor<4xf32>,
                     %norm: tensor<4xf32>, %htl: tensor<4x4xf32>,
                     %htlb: tensor<4xf32>) -> !calm.chunk<5x2x2xf32> {
  // expected-error @+1 {{'calm.ae_encode' op result batch shape must be 3 (from the operands), got 5}}
  %mean, %log_std = calm.ae_encode %ids weights(%emb, %sq, %sqb, %norm, %htl, %htlb)
      {rms_norm_eps = 1.0e-6 : f64}
      : tensor<3x2xi32>, (tensor<8x4xf32>, tensor<4x8xf32>, tensor<4xf32>,
        tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> !calm.chunk<5x2x2xf32>
  return %mean : !calm.chunk<5x2x2xf32>
}

// -----

func.func @ae_decode_latent(%z: !calm.chunk<?x2x3xf32>, %lth: tensor<4x2xf32>,
                     %lthb: tensor<4xf32>, %ex: tensor<8x4xf32>,
                     %exb: tensor<8xf32>, %norm: tensor<4xf32>,
                     %out: tensor<8x4xf32>) -> tensor<?x2x8xf32> {
  // expected-error @+1 {{'calm.ae_decode' op latents latent size must be 2 (from the weights), got 3}}
  %l = calm.ae_decode %z weights(%lth, %lthb, %ex, %exb, %norm, %out)
      {rms_norm_eps = 1.0e-6 : f64}
      : !calm.chunk<?x2x3xf32>, (tensor<4x2xf32>, tensor<4xf32>, tensor<8x4xf32>,
        tensor<8xf32>, tensor<4xf32>, tensor<8x4xf32>) -> tensor<?x2x8xf32>
  return %l : tensor<?x2x8xf32>
}

// -----

func.func @ae_decode_logits(%z: !calm.chunk<?x2x2xf32>, %lth: tensor<4x2xf32>,
                     %lthb: tensor<4xf32>, %ex: tensor<8x4xf32>,
                     %exb: tensor<8xf32>, %norm: tensor<4xf32>,
                     %out: tensor<8x4xf32>) -> tensor<?x2x9xf32> {
  // expected-error @+1 {{'calm.ae_decode' op logits must be batch x K x V = ?x2x8, got ?x2x9}}
  %l = calm.ae_decode %z weights(%lth, %lthb, %ex, %exb, %norm, %out)
      {rms_norm_eps = 1.0e-6 : f64}
      : !calm.chunk<?x2x2xf32>, (tensor<4x2xf32>, tensor<4xf32>, tensor<8x4xf32>,
        tensor<8xf32>, tensor<4xf32>, tensor<8x4xf32>) -> tensor<?x2x9xf32>
  return %l : tensor<?x2x9xf32>
}

// -----

func.func @ae_decode_expand(%z: !calm.chunk<?x2x2xf32>, %lth: tensor<4x2xf32>,
                     %lthb: tensor<4xf32>, %ex: tensor<12x4xf32>,
                     %exb: tensor<8xf32>, %norm: tensor<4xf32>,
                     %out: tensor<8x4xf32>) -> tensor<?x2x8xf32> {
  // expected-error @+1 {{'calm.ae_decode' op weight #2 'decoder.expand_layer.weight' must be 8x4, got 12x4}}
  %l = calm.ae_decode %z weights(%lth, %lthb, %ex, %exb, %norm, %out)
      {rms_norm_eps = 1.0e-6 : f64}
      : !calm.chunk<?x2x2xf32>, (tensor<4x2xf32>, tensor<4xf32>, tensor<12x4xf32>,
        tensor<8xf32>, tensor<4xf32>, tensor<8x4xf32>) -> tensor<?x2x8xf32>
  return %l : tensor<?x2x8xf32>
}

// -----

func.func @input_compress_tokens(%ids: tensor<2xi32>, %emb: tensor<8x4xf32>,
                          %w0: tensor<8x8xf32>, %b0: tensor<8xf32>,
                          %w2: tensor<4x8xf32>, %b2: tensor<4xf32>,
                          %lnw: tensor<4xf32>, %lnb: tensor<4xf32>)
    -> tensor<1x4xf32> {
  // expected-error @+1 {{'calm.input_compress' op tokens must be N x K token ids, got 'tensor<2xi32>'}}
  %h = calm.input_compress %ids weights(%emb, %w0, %b0, %w2, %b2, %lnw, %lnb)
      {layer_norm_eps = 1.0e-6 : f64}
      : tensor<2xi32>, (tensor<8x4xf32>, tensor<8x8xf32>, tensor<8xf32>,
        tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
      -> tensor<1x4xf32>
  return %h : tensor<1x4xf32>
}

// -----

func.func @input_compress_k(%ids: tensor<1x3xi32>, %emb: tensor<8x4xf32>,
                          %w0: tensor<8x8xf32>, %b0: tensor<8xf32>,
                          %w2: tensor<4x8xf32>, %b2: tensor<4xf32>,
                          %lnw: tensor<4xf32>, %lnb: tensor<4xf32>)
    -> tensor<1x4xf32> {
  // expected-error @+1 {{'calm.input_compress' op weight #1 'embed_proj.0.weight' must be 8x12, got 8x8}}
  %h = calm.input_compress %ids weights(%emb, %w0, %b0, %w2, %b2, %lnw, %lnb)
      {layer_norm_eps = 1.0e-6 : f64}
      : tensor<1x3xi32>, (tensor<8x4xf32>, tensor<8x8xf32>, tensor<8xf32>,
        tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
      -> tensor<1x4xf32>
  return %h : tensor<1x4xf32>
}

// -----

func.func @energy_head_noise(%h: tensor<1x4xf32>, %noise: tensor<1x?x5xf32>,
    %ne: tensor<4x3xf32>, %neb: tensor<4xf32>, %he: tensor<4x4xf32>,
    %heb: tensor<4xf32>, %nhw: tensor<4xf32>, %nhb: tensor<4xf32>,
    %nnw: tensor<4xf32>, %nnb: tensor<4xf32>, %flw: tensor<4xf32>,
    %flb: tensor<4xf32>, %f0: tensor<4x4xf32>, %f0b: tensor<4xf32>,
    %f2: tensor<2x4xf32>, %f2b: tensor<2xf32>) -> !calm.chunk<1x?x2x2xf32> {
  // expected-error @+1 {{'calm.energy_head' op noise must be N x S x E = 1x?x3 (N from hidden, E from noise_embd), got 'tensor<1x?x5xf32>'}}
  %c = calm.energy_head %h, %noise weights(%ne, %neb, %he, %heb, %nhw, %nhb,
      %nnw, %nnb, %flw, %flb, %f0, %f0b, %f2, %f2b)
      {layer_norm_eps = 1.0e-6 : f64}
      : tensor<1x4xf32>, tensor<1x?x5xf32>, (tensor<4x3xf32>, tensor<4xf32>,
        tensor<4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
        tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
        tensor<4x4xf32>, tensor<4xf32>, tensor<2x4xf32>, tensor<2xf32>)
      -> !calm.chunk<1x?x2x2xf32>
  return %c : !calm.chunk<1x?x2x2xf32>
}

// -----

func.func @energy_head_latent(%h: tensor<1x4xf32>, %noise: tensor<1x?x3xf32>,
    %ne: tensor<4x3xf32>, %neb: tensor<4xf32>, %he: tensor<4x4xf32>,
    %heb: tensor<4xf32>, %nhw: tensor<4xf32>, %nhb: tensor<4xf32>,
    %nnw: tensor<4xf32>, %nnb: tensor<4xf32>, %flw: tensor<4xf32>,
    %flb: tensor<4xf32>, %f0: tensor<4x4xf32>, %f0b: tensor<4xf32>,
    %f2: tensor<2x4xf32>, %f2b: tensor<2xf32>) -> !calm.chunk<1x?x2x8xf32> {
  // expected-error @+1 {{'calm.energy_head' op result latent size must be 2 (from the weights), got 8}}
  %c = calm.energy_head %h, %noise weights(%ne, %neb, %he, %heb, %nhw, %nhb,
      %nnw, %nnb, %flw, %flb, %f0, %f0b, %f2, %f2b)
      {layer_norm_eps = 1.0e-6 : f64}
      : tensor<1x4xf32>, tensor<1x?x3xf32>, (tensor<4x3xf32>, tensor<4xf32>,
        tensor<4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
        tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
        tensor<4x4xf32>, tensor<4xf32>, tensor<2x4xf32>, tensor<2xf32>)
      -> !calm.chunk<1x?x2x8xf32>
  return %c : !calm.chunk<1x?x2x8xf32>
}

// -----

func.func @energy_head_count(%h: tensor<1x4xf32>, %noise: tensor<1x?x3xf32>,
    %ne: tensor<4x3xf32>) -> !calm.chunk<1x?x2x2xf32> {
  // expected-error @+1 {{'calm.energy_head' op expects 14 weights plus 10 per MLP block, got 1}}
  %c = calm.energy_head %h, %noise weights(%ne) {layer_norm_eps = 1.0e-6 : f64}
      : tensor<1x4xf32>, tensor<1x?x3xf32>, (tensor<4x3xf32>) -> !calm.chunk<1x?x2x2xf32>
  return %c : !calm.chunk<1x?x2x2xf32>
}

// -----

func.func @role(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{unknown role 'softmax'; roles: attention, projection, mlp, compress, head, ae, lm_head}}
  %0 = linalg.matmul {calm.role = #calm.role<softmax>} ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
