// The exp of the exp test: f32 math.exp over a memref, as linalg.generic
// (vectorized by calm-cpu-pipeline, with a scalar remainder), the form the
// models' SiLU and softmax take.
#id = affine_map<(d0) -> (d0)>

func.func @exp_f32(%x: memref<?xf32>, %o: memref<?xf32>) attributes {llvm.emit_c_interface} {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : memref<?xf32>) outs(%o : memref<?xf32>) {
  ^bb0(%a: f32, %unused: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  return
}
