// The two kernels of bench/lmul_elementwise: out = x * y over f32 arrays,
// as linalg.generic, lowered by calm-cpu-pipeline. The build rewrites the
// multiply of @lmul_f32 (only) to calm.lmul with
// --calm-mulf-to-lmul="mantissa-bits=4 func-filter=^lmul_".

#id = affine_map<(d0) -> (d0)>

func.func @mulf_f32(%x: memref<?xf32>, %y: memref<?xf32>, %o: memref<?xf32>)
    attributes {llvm.emit_c_interface} {
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%x, %y : memref<?xf32>, memref<?xf32>) outs(%o : memref<?xf32>) {
  ^bb0(%a: f32, %b: f32, %unused: f32):
    %p = arith.mulf %a, %b : f32
    linalg.yield %p : f32
  }
  return
}

func.func @lmul_f32(%x: memref<?xf32>, %y: memref<?xf32>, %o: memref<?xf32>)
    attributes {llvm.emit_c_interface} {
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%x, %y : memref<?xf32>, memref<?xf32>) outs(%o : memref<?xf32>) {
  ^bb0(%a: f32, %b: f32, %unused: f32):
    %p = arith.mulf %a, %b : f32
    linalg.yield %p : f32
  }
  return
}
