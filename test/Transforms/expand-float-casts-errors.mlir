// RUN: calm-opt %s --calm-expand-float-casts --verify-diagnostics

func.func @rounding_mode(%x: f32) -> f8E4M3FN {
  // expected-error @+1 {{calm-expand-float-casts: cannot expand this fp8 conversion (only round-to-nearest-even truncf from types up to f32 is supported)}}
  %0 = arith.truncf %x to_nearest_away : f32 to f8E4M3FN
  return %0 : f8E4M3FN
}
