// The discardable calm attributes: a bad numerics form is an error where the
// IR is read (located at the attribute), a wrong kind of attribute or an
// attribute on the wrong op is a verifier error.
// RUN: calm-opt %s --split-input-file --verify-diagnostics

func.func @unknown_form(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{invalid #calm.numerics: unknown numerics form 'fp8'; valid forms: f32, bf16, f16, f8e4m3[/tensor|/channel], f8e5m2[/tensor|/channel], i8[/tensor|/channel], lmul:M (M = 1..23); f8E4M3FN and f8E5M2 are aliases}}
  %0 = linalg.matmul {calm.numerics = #calm.numerics<fp8>} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @bad_lmul(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{invalid #calm.numerics: 'lmul:0': lmul takes a mantissa width from 1 to 23, as in lmul:4}}
  %0 = linalg.matmul {calm.numerics = #calm.numerics<lmul:0>} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @scale_on_bf16(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{'bf16/channel': bf16 has no scale, so it takes no /tensor or /channel}}
  %0 = linalg.matmul {calm.numerics = #calm.numerics<bf16/channel>} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @not_a_string(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{'calm.numerics' must be a #calm.numerics attribute such as #calm.numerics<lmul:4> or #calm.numerics<f8e4m3/channel>}}
  %0 = linalg.matmul {calm.numerics = 4 : i32} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// The string spelling of earlier releases is refused, not reparsed.
func.func @string_form(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{'calm.numerics' must be a #calm.numerics attribute}}
  %0 = linalg.matmul {calm.numerics = "lmul:4"} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @missing_bits(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{expected integer value}}
  %0 = linalg.matmul {calm.numerics = #calm.numerics<lmul:>} ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @role_string(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'calm.role' must be a #calm.role attribute, one of #calm.role<attention>, #calm.role<projection>, #calm.role<mlp>, #calm.role<compress>, #calm.role<head>, #calm.role<ae>, #calm.role<lm_head>}}
  %0 = linalg.matmul {calm.role = "mlp"} ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%c : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @not_a_contraction(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'calm.numerics' applies to linalg contractions}}
  %0 = arith.addf %a, %a {calm.numerics = #calm.numerics<i8>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @exact_not_unit(%a: f32) -> f32 {
  // expected-error @+1 {{'calm.exact' must be a unit attribute}}
  %0 = arith.mulf %a, %a {calm.exact = 1 : i32} : f32
  return %0 : f32
}

// -----

func.func @unknown_calm_attribute(%a: f32) -> f32 {
  // expected-error @+1 {{unknown calm attribute 'calm.fast'}}
  %0 = arith.mulf %a, %a {calm.fast} : f32
  return %0 : f32
}
