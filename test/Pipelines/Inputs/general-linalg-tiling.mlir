// The tiling schedule of general-linalg-tiled-loops.mlir: upstream's
// tile-and-fuse and tile_using_for, as IREE's and upstream's CPU flows tile
// (scf.for loops, tile sizes as affine.min of the loop variable for the
// remainders, tensor.extract_slice/insert_slice). Each function of the
// payload named tiled_* is tiled; the reference_* functions are not.
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    // matmul + bias + relu: the elementwise consumer tiled 4 x 3 with the
    // matmul fused into its tiles, then the matmul's K tiled by 5.
    %f0 = transform.structured.match ops{["func.func"]} attributes {sym_name = "tiled_mm_bias_relu"} in %root : (!transform.any_op) -> !transform.any_op
    %g0 = transform.structured.match ops{["linalg.generic"]} in %f0 : (!transform.any_op) -> !transform.any_op
    %t0, %l0:2 = transform.structured.fuse %g0 tile_sizes [4, 3] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    %m0 = transform.structured.match ops{["linalg.matmul"]} in %f0 : (!transform.any_op) -> !transform.any_op
    %t1, %l1 = transform.structured.tile_using_for %m0 tile_sizes [0, 0, 5] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    // A matmul on dynamic shapes, tiled 4 x 3 x 5.
    %f1 = transform.structured.match ops{["func.func"]} attributes {sym_name = "tiled_matmul"} in %root : (!transform.any_op) -> !transform.any_op
    %m1 = transform.structured.match ops{["linalg.matmul"]} in %f1 : (!transform.any_op) -> !transform.any_op
    %t2, %l2:3 = transform.structured.tile_using_for %m1 tile_sizes [4, 3, 5] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    // A linear layer (x . W^T), tiled 4 x 3 x 5.
    %f2 = transform.structured.match ops{["func.func"]} attributes {sym_name = "tiled_linear"} in %root : (!transform.any_op) -> !transform.any_op
    %g2 = transform.structured.match ops{["linalg.generic"]} in %f2 : (!transform.any_op) -> !transform.any_op
    %t3, %l3:3 = transform.structured.tile_using_for %g2 tile_sizes [4, 3, 5] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    // A row sum, tiled 4 x 3 (the reduction dim too).
    %f3 = transform.structured.match ops{["func.func"]} attributes {sym_name = "tiled_rowsum"} in %root : (!transform.any_op) -> !transform.any_op
    %g3 = transform.structured.match ops{["linalg.generic"]} in %f3 : (!transform.any_op) -> !transform.any_op
    %t4, %l4:2 = transform.structured.tile_using_for %g3 tile_sizes [4, 3] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}
