// Kernels for the GPU tests: an elementwise L-Mul and one matmul per
// numerics form, in destination-passing style on memrefs (the model
// builder's convention). The same functions, renamed cpu_*, go through
// calm-cpu-pipeline for the comparison. Sizes are not multiples of the tile
// sizes (256; 8 x 32) so that the bounds guards are exercised.

func.func @lmul_f32(%a: memref<1000xf32>, %b: memref<1000xf32>, %out: memref<1000xf32>) attributes {llvm.emit_c_interface} {
  %ta = bufferization.to_tensor %a restrict : memref<1000xf32> to tensor<1000xf32>
  %tb = bufferization.to_tensor %b restrict : memref<1000xf32> to tensor<1000xf32>
  %p = calm.lmul %ta, %tb mantissa_bits(3) : tensor<1000xf32>
  bufferization.materialize_in_destination %p in restrict writable %out : (tensor<1000xf32>, memref<1000xf32>) -> ()
  return
}

func.func @matmul_f32(%a: memref<70x128xf32>, %b: memref<128x100xf32>, %out: memref<70x100xf32>) attributes {llvm.emit_c_interface} {
  %ta = bufferization.to_tensor %a restrict : memref<70x128xf32> to tensor<70x128xf32>
  %tb = bufferization.to_tensor %b restrict : memref<128x100xf32> to tensor<128x100xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<70x100xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<70x100xf32>) -> tensor<70x100xf32>
  %m = linalg.matmul ins(%ta, %tb : tensor<70x128xf32>, tensor<128x100xf32>) outs(%c : tensor<70x100xf32>) -> tensor<70x100xf32>
  bufferization.materialize_in_destination %m in restrict writable %out : (tensor<70x100xf32>, memref<70x100xf32>) -> ()
  return
}

func.func @matmul_lmul(%a: memref<70x128xf32>, %b: memref<128x100xf32>, %out: memref<70x100xf32>) attributes {llvm.emit_c_interface} {
  %ta = bufferization.to_tensor %a restrict : memref<70x128xf32> to tensor<70x128xf32>
  %tb = bufferization.to_tensor %b restrict : memref<128x100xf32> to tensor<128x100xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<70x100xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<70x100xf32>) -> tensor<70x100xf32>
  %m = linalg.matmul {calm.numerics = #calm.numerics<lmul:3>} ins(%ta, %tb : tensor<70x128xf32>, tensor<128x100xf32>) outs(%c : tensor<70x100xf32>) -> tensor<70x100xf32>
  bufferization.materialize_in_destination %m in restrict writable %out : (tensor<70x100xf32>, memref<70x100xf32>) -> ()
  return
}

func.func @matmul_f8(%a: memref<70x128xf32>, %b: memref<128x100xf32>, %out: memref<70x100xf32>) attributes {llvm.emit_c_interface} {
  %ta = bufferization.to_tensor %a restrict : memref<70x128xf32> to tensor<70x128xf32>
  %tb = bufferization.to_tensor %b restrict : memref<128x100xf32> to tensor<128x100xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<70x100xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<70x100xf32>) -> tensor<70x100xf32>
  %m = linalg.matmul {calm.numerics = #calm.numerics<f8E4M3FN>} ins(%ta, %tb : tensor<70x128xf32>, tensor<128x100xf32>) outs(%c : tensor<70x100xf32>) -> tensor<70x100xf32>
  bufferization.materialize_in_destination %m in restrict writable %out : (tensor<70x100xf32>, memref<70x100xf32>) -> ()
  return
}

func.func @matmul_i8ch(%a: memref<70x128xf32>, %b: memref<128x100xf32>, %out: memref<70x100xf32>) attributes {llvm.emit_c_interface} {
  %ta = bufferization.to_tensor %a restrict : memref<70x128xf32> to tensor<70x128xf32>
  %tb = bufferization.to_tensor %b restrict : memref<128x100xf32> to tensor<128x100xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<70x100xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<70x100xf32>) -> tensor<70x100xf32>
  %m = linalg.matmul {calm.numerics = #calm.numerics<i8/channel>} ins(%ta, %tb : tensor<70x128xf32>, tensor<128x100xf32>) outs(%c : tensor<70x100xf32>) -> tensor<70x100xf32>
  bufferization.materialize_in_destination %m in restrict writable %out : (tensor<70x100xf32>, memref<70x100xf32>) -> ()
  return
}
