// RUN: calm-opt %s --split-input-file --verify-diagnostics

func.func @zero_bits(%a: f32) -> f32 {
  // expected-error @+1 {{'calm.lmul' op mantissa_bits must be in [1, 23] for 'f32': it has 23 explicit mantissa bits to keep, and at least one is needed, but got 0}}
  %0 = calm.lmul %a, %a mantissa_bits(0) : f32
  return %0 : f32
}

// -----

func.func @too_many_bits_f32(%a: f32) -> f32 {
  // expected-error @+1 {{mantissa_bits must be in [1, 23] for 'f32'}}
  %0 = calm.lmul %a, %a mantissa_bits(24) : f32
  return %0 : f32
}

// -----

func.func @too_many_bits_bf16(%a: vector<4xbf16>) -> vector<4xbf16> {
  // expected-error @+1 {{mantissa_bits must be in [1, 7] for 'bf16'}}
  %0 = calm.lmul %a, %a mantissa_bits(8) : vector<4xbf16>
  return %0 : vector<4xbf16>
}

// -----

func.func @too_many_bits_e4m3(%a: f8E4M3FN) -> f8E4M3FN {
  // expected-error @+1 {{mantissa_bits must be in [1, 3] for 'f8E4M3FN'}}
  %0 = calm.lmul %a, %a mantissa_bits(4) : f8E4M3FN
  return %0 : f8E4M3FN
}

// -----

func.func @too_many_bits_e5m2(%a: tensor<3xf8E5M2>) -> tensor<3xf8E5M2> {
  // expected-error @+1 {{mantissa_bits must be in [1, 2] for 'f8E5M2'}}
  %0 = calm.lmul %a, %a mantissa_bits(3) : tensor<3xf8E5M2>
  return %0 : tensor<3xf8E5M2>
}

// -----

func.func @negative_bits(%a: f16) -> f16 {
  // expected-error @+1 {{mantissa_bits must be in [1, 10] for 'f16'}}
  %0 = calm.lmul %a, %a mantissa_bits(-1) : f16
  return %0 : f16
}

// -----

func.func @integer_type(%a: i32) -> i32 {
  // expected-error @+1 {{'calm.lmul' op operand #0 must be f32, bf16, f16, f8E4M3FN or f8E5M2, or a vector or ranked tensor of them, but got 'i32'}}
  %0 = calm.lmul %a, %a mantissa_bits(4) : i32
  return %0 : i32
}

// -----

func.func @f64(%a: f64) -> f64 {
  // expected-error @+1 {{operand #0 must be f32, bf16, f16, f8E4M3FN or f8E5M2}}
  %0 = calm.lmul %a, %a mantissa_bits(4) : f64
  return %0 : f64
}

// -----

func.func @unranked_tensor(%a: tensor<*xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{operand #0 must be f32, bf16, f16, f8E4M3FN or f8E5M2, or a vector or ranked tensor of them, but got 'tensor<*xf32>'}}
  %0 = calm.lmul %a, %a mantissa_bits(4) : tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @mismatched_types(%a: f32, %b: f16) -> f32 {
  // expected-error @+1 {{'calm.lmul' op requires the same type for all operands and results}}
  %0 = "calm.lmul"(%a, %b) {mantissa_bits = 4 : i32} : (f32, f16) -> f32
  return %0 : f32
}

// -----

func.func @mismatched_shapes(%a: vector<4xf32>, %b: vector<8xf32>) -> vector<4xf32> {
  // expected-error @+1 {{'calm.lmul' op requires the same type for all operands and results}}
  %0 = "calm.lmul"(%a, %b) {mantissa_bits = 4 : i32} : (vector<4xf32>, vector<8xf32>) -> vector<4xf32>
  return %0 : vector<4xf32>
}

// -----

func.func @missing_attribute(%a: f32) -> f32 {
  // expected-error @+1 {{'calm.lmul' op requires attribute 'mantissa_bits'}}
  %0 = "calm.lmul"(%a, %a) : (f32, f32) -> f32
  return %0 : f32
}

// -----

func.func @attribute_of_wrong_type(%a: f32) -> f32 {
  // expected-error @+1 {{attribute 'mantissa_bits' failed to satisfy constraint: 32-bit signless integer attribute}}
  %0 = "calm.lmul"(%a, %a) {mantissa_bits = 4.0 : f32} : (f32, f32) -> f32
  return %0 : f32
}
