// RUN: calm-opt %s --calm-gpu-finalize-launches --verify-diagnostics

// Host code cannot read device memory: reading a buffer outside a kernel is
// a located error, not a crash at run time.
func.func @host_read(%v: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'memref.load' op accesses memory outside a GPU kernel: calm-gpu-pipeline keeps every buffer in device memory, which the host cannot read}}
  %x = memref.load %v[%c0] : memref<4xf32>
  return %x : f32
}
