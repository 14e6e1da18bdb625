// Kernels of the fp8 cast test: f32 <-> f8E4M3FN / f8E5M2 over memrefs of
// bit patterns, as linalg.generic (vectorized by calm-cpu-pipeline, with a
// scalar remainder).
#id = affine_map<(d0) -> (d0)>

func.func @trunc_e4m3(%x: memref<?xf32>, %o: memref<?xi8>) attributes {llvm.emit_c_interface} {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : memref<?xf32>) outs(%o : memref<?xi8>) {
  ^bb0(%a: f32, %unused: i8):
    %t = arith.truncf %a : f32 to f8E4M3FN
    %b = arith.bitcast %t : f8E4M3FN to i8
    linalg.yield %b : i8
  }
  return
}

func.func @trunc_e5m2(%x: memref<?xf32>, %o: memref<?xi8>) attributes {llvm.emit_c_interface} {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : memref<?xf32>) outs(%o : memref<?xi8>) {
  ^bb0(%a: f32, %unused: i8):
    %t = arith.truncf %a : f32 to f8E5M2
    %b = arith.bitcast %t : f8E5M2 to i8
    linalg.yield %b : i8
  }
  return
}

func.func @ext_e4m3(%x: memref<?xi8>, %o: memref<?xf32>) attributes {llvm.emit_c_interface} {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : memref<?xi8>) outs(%o : memref<?xf32>) {
  ^bb0(%a: i8, %unused: f32):
    %t = arith.bitcast %a : i8 to f8E4M3FN
    %e = arith.extf %t : f8E4M3FN to f32
    linalg.yield %e : f32
  }
  return
}

func.func @ext_e5m2(%x: memref<?xi8>, %o: memref<?xf32>) attributes {llvm.emit_c_interface} {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : memref<?xi8>) outs(%o : memref<?xf32>) {
  ^bb0(%a: i8, %unused: f32):
    %t = arith.bitcast %a : i8 to f8E5M2
    %e = arith.extf %t : f8E5M2 to f32
    linalg.yield %e : f32
  }
  return
}

// bf16 goes through upstream's expansion; checked the same way.
func.func @trunc_bf16(%x: memref<?xf32>, %o: memref<?xi16>) attributes {llvm.emit_c_interface} {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : memref<?xf32>) outs(%o : memref<?xi16>) {
  ^bb0(%a: f32, %unused: i16):
    %t = arith.truncf %a : f32 to bf16
    %b = arith.bitcast %t : bf16 to i16
    linalg.yield %b : i16
  }
  return
}
