// A single-head attention block, softmax(Q K^T / sqrt(d)) V, on tensors.
// examples/attention.py rewrites its multiplies to L-Mul with calm-opt,
// lowers it with calm-cpu-pipeline, runs it with mlir-runner and compares
// the result with f32 and with an independent double-precision reference.
//
// Inputs are deterministic: q[i][j] = sin(0.37 i + 1.13 j), k[i][j] =
// cos(0.71 i - 0.29 j), v[i][j] = sin(0.53 i * j + 0.11).

#id2 = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

// Q [S, D], K [S, D], V [S, D] -> [S, D]
func.func @attention(%q: tensor<16x32xf32>, %k: tensor<16x32xf32>,
                     %v: tensor<16x32xf32>) -> tensor<16x32xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %scale = arith.constant 0.17677669529 : f32  // 1/sqrt(32)
  %e = tensor.empty() : tensor<16x16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<16x16xf32>) -> tensor<16x16xf32>
  // Q K^T: the matmul with transposed B, as a generic contraction.
  %s = linalg.generic {
      indexing_maps = [affine_map<(i, j, d) -> (i, d)>, affine_map<(i, j, d) -> (j, d)>,
                       affine_map<(i, j, d) -> (i, j)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<16x32xf32>, tensor<16x32xf32>) outs(%z : tensor<16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<16x16xf32>
  // Row max, exp(x - max) with the scale, row sum, normalize.
  %er = tensor.empty() : tensor<16xf32>
  %mi = linalg.fill ins(%ninf : f32) outs(%er : tensor<16xf32>) -> tensor<16xf32>
  %m = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%s : tensor<16x16xf32>) outs(%mi : tensor<16xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.maximumf %acc, %x : f32
    linalg.yield %r : f32
  } -> tensor<16xf32>
  %ex = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%s, %m : tensor<16x16xf32>, tensor<16xf32>) outs(%e : tensor<16x16xf32>) {
  ^bb0(%x: f32, %mx: f32, %o: f32):
    %d = arith.subf %x, %mx : f32
    %ds = arith.mulf %d, %scale : f32
    %r = math.exp %ds : f32
    linalg.yield %r : f32
  } -> tensor<16x16xf32>
  %si = linalg.fill ins(%zero : f32) outs(%er : tensor<16xf32>) -> tensor<16xf32>
  %sum = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%ex : tensor<16x16xf32>) outs(%si : tensor<16xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.addf %acc, %x : f32
    linalg.yield %r : f32
  } -> tensor<16xf32>
  %a = linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%ex, %sum : tensor<16x16xf32>, tensor<16xf32>) outs(%e : tensor<16x16xf32>) {
  ^bb0(%x: f32, %t: f32, %o: f32):
    %r = arith.divf %x, %t : f32
    linalg.yield %r : f32
  } -> tensor<16x16xf32>
  // A V
  %eo = tensor.empty() : tensor<16x32xf32>
  %zo = linalg.fill ins(%zero : f32) outs(%eo : tensor<16x32xf32>) -> tensor<16x32xf32>
  %out = linalg.matmul ins(%a, %v : tensor<16x16xf32>, tensor<16x32xf32>)
                       outs(%zo : tensor<16x32xf32>) -> tensor<16x32xf32>
  return %out : tensor<16x32xf32>
}

func.func @main() {
  %e = tensor.empty() : tensor<16x32xf32>
  %q = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]}
      outs(%e : tensor<16x32xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %ii = arith.index_cast %i : index to i32
    %jj = arith.index_cast %j : index to i32
    %fi = arith.sitofp %ii : i32 to f32
    %fj = arith.sitofp %jj : i32 to f32
    %c1 = arith.constant 0.37 : f32
    %c2 = arith.constant 1.13 : f32
    %a = arith.mulf %fi, %c1 {calm.exact} : f32
    %b = arith.mulf %fj, %c2 {calm.exact} : f32
    %x = arith.addf %a, %b : f32
    %r = math.sin %x : f32
    linalg.yield %r : f32
  } -> tensor<16x32xf32>
  %k = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]}
      outs(%e : tensor<16x32xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %ii = arith.index_cast %i : index to i32
    %jj = arith.index_cast %j : index to i32
    %fi = arith.sitofp %ii : i32 to f32
    %fj = arith.sitofp %jj : i32 to f32
    %c1 = arith.constant 0.71 : f32
    %c2 = arith.constant 0.29 : f32
    %a = arith.mulf %fi, %c1 {calm.exact} : f32
    %b = arith.mulf %fj, %c2 {calm.exact} : f32
    %x = arith.subf %a, %b : f32
    %r = math.cos %x : f32
    linalg.yield %r : f32
  } -> tensor<16x32xf32>
  %v = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]}
      outs(%e : tensor<16x32xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %ij = arith.muli %i, %j : index
    %iji = arith.index_cast %ij : index to i32
    %f = arith.sitofp %iji : i32 to f32
    %c1 = arith.constant 0.53 : f32
    %c2 = arith.constant 0.11 : f32
    %a = arith.mulf %f, %c1 {calm.exact} : f32
    %x = arith.addf %a, %c2 : f32
    %r = math.sin %x : f32
    linalg.yield %r : f32
  } -> tensor<16x32xf32>
  %out = call @attention(%q, %k, %v)
      : (tensor<16x32xf32>, tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<16x32xf32>
  %buf = bufferization.to_buffer %out : tensor<16x32xf32> to memref<16x32xf32>
  %u = memref.cast %buf : memref<16x32xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}
