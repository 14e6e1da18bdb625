// RUN: calm-opt %s --split-input-file --calm-mulf-to-lmul=mantissa-bits=4 --verify-diagnostics
// RUN: not calm-opt %s --calm-mulf-to-lmul=mantissa-bits=24 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not calm-opt %s --calm-mulf-to-lmul="func-filter=(" 2>&1 | FileCheck %s --check-prefix=REGEX
// RUN: not calm-opt %s --calm-mulf-to-lmul=bits=4 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// RANGE: error: calm-mulf-to-lmul: mantissa-bits=24 is out of range: use 1..23, or 0 for the element type's full width
// REGEX: error: calm-mulf-to-lmul: func-filter='(' is not a valid regex: parentheses not balanced
// UNKNOWN: no such option bits

func.func @too_many_bits_for_fp8(%a: f8E5M2) -> f8E5M2 {
  // expected-error @+1 {{calm-mulf-to-lmul: mantissa-bits=4 exceeds the 2 mantissa bits of 'f8E5M2'; restrict the pass with func-filter or tag the op calm.exact}}
  %0 = arith.mulf %a, %a : f8E5M2
  return %0 : f8E5M2
}

// -----

func.func @exact_fp8_is_fine(%a: f8E5M2, %b: f32) -> (f8E5M2, f32) {
  %0 = arith.mulf %a, %a {calm.exact} : f8E5M2
  %1 = arith.mulf %b, %b : f32
  return %0, %1 : f8E5M2, f32
}
