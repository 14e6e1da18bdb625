// RUN: calm-opt %s --calm-decompose-pack-and-pad --verify-diagnostics

// Tiles of a run-time size have no lowering: an error on the op, instead of
// "op was not bufferized" further down the pipeline.
func.func @pack_dynamic_tile(%x: tensor<13x11xf32>, %t: index, %n: index) -> tensor<?x3x?x5xf32> {
  %pad = arith.constant 0.0 : f32
  %e = tensor.empty(%n, %t) : tensor<?x3x?x5xf32>
  // expected-error @+1 {{'linalg.pack' op cannot be lowered by the CPU pipeline (only static inner tiles on tensors are supported)}}
  %p = linalg.pack %x padding_value(%pad : f32) inner_dims_pos = [0, 1] inner_tiles = [%t, 5] into %e : tensor<13x11xf32> -> tensor<?x3x?x5xf32>
  return %p : tensor<?x3x?x5xf32>
}
