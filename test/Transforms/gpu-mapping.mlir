// RUN: calm-opt %s --split-input-file --calm-gpu-device-buffers | FileCheck %s --check-prefix=BUFFERS
// RUN: calm-opt %s --split-input-file --calm-gpu-device-buffers --calm-gpu-map-loops | FileCheck %s --check-prefix=MAP
// RUN: calm-opt %s --split-input-file --calm-gpu-device-buffers --calm-gpu-map-loops="block-size=128" | FileCheck %s --check-prefix=BS128
// RUN: calm-opt %s --split-input-file --calm-gpu-device-buffers --convert-linalg-to-parallel-loops --calm-gpu-map-loops --convert-parallel-loops-to-gpu --calm-gpu-finalize-launches --canonicalize | FileCheck %s --check-prefix=LAUNCH

// Host buffers are device buffers; copies become linalg.copy (a kernel
// later); a 0-d fill gets a one-block loop.
// BUFFERS-LABEL: func.func @buffers
// BUFFERS: %[[T:.*]] = gpu.alloc () : memref<16xf32>
// BUFFERS: linalg.copy ins(%{{.*}} : memref<16xf32>) outs(%[[T]] : memref<16xf32>)
// BUFFERS: scf.parallel
// BUFFERS-NEXT: linalg.fill
// BUFFERS: mapping = [#gpu.loop_dim_map<processor = block_x
// BUFFERS: %[[U:.*]] = gpu.alloc () : memref<16xf32>
// BUFFERS: gpu.dealloc %[[U]] : memref<16xf32>
// BUFFERS-NOT: memref.alloc
// BUFFERS: return %[[T]]
// The copy is a kernel of 256 threads; the fill one of one thread.
// LAUNCH-LABEL: func.func @buffers
// LAUNCH: gpu.launch blocks({{.*}}) in ({{.*}} = %c1, {{.*}} = %c1, {{.*}} = %c1) threads({{.*}}) in ({{.*}} = %c256, {{.*}} = %c1, {{.*}} = %c1)
// LAUNCH: gpu.launch blocks({{.*}}) in ({{.*}} = %c1, {{.*}} = %c1, {{.*}} = %c1) threads({{.*}}) in ({{.*}} = %c1, {{.*}} = %c1, {{.*}} = %c1)
// LAUNCH-NEXT: memref.store
func.func @buffers(%a: memref<16xf32>, %s: memref<f32>) -> memref<16xf32> {
  %t = memref.alloc() : memref<16xf32>
  memref.copy %a, %t : memref<16xf32> to memref<16xf32>
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%s : memref<f32>)
  %u = memref.alloc() : memref<16xf32>
  memref.dealloc %u : memref<16xf32>
  return %t : memref<16xf32>
}

// -----

// 2-D: tiles of 8 x 32, the innermost (contiguous) dim on x; 1-D: 256
// threads; a memory-touching host scf.for becomes a one-thread kernel.
// MAP-LABEL: func.func @loops
// MAP: %[[C8:.*]] = arith.constant 8 : index
// MAP: %[[C32:.*]] = arith.constant 32 : index
// MAP: scf.parallel (%[[I:.*]], %[[J:.*]]) = {{.*}} to (%{{.*}}, %{{.*}}) step
// MAP: scf.parallel
// MAP: scf.if
// MAP: memref.load
// MAP: processor = thread_y{{.*}}processor = thread_x
// MAP: processor = block_y{{.*}}processor = block_x
// MAP: arith.constant 256 : index
// MAP: processor = thread_x
// MAP: processor = block_x
// MAP: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step
// MAP-NEXT: scf.for
// MAP: processor = block_x
// MAP-NEXT: return
// BS128-LABEL: func.func @loops
// BS128: arith.constant 4 : index
// BS128: arith.constant 32 : index
// BS128: arith.constant 128 : index
// The launches: 4 x 9 blocks of 32 x 8 threads, 4 blocks of 256, and one
// block of one thread.
// LAUNCH-LABEL: func.func @loops
// LAUNCH: gpu.launch blocks({{.*}}) in ({{.*}} = %c4, {{.*}} = %c9, {{.*}} = %c1) threads({{.*}}) in ({{.*}} = %c32, {{.*}} = %c8, {{.*}} = %c1)
// LAUNCH: gpu.launch blocks({{.*}}) in ({{.*}} = %c4, {{.*}} = %c1, {{.*}} = %c1) threads({{.*}}) in ({{.*}} = %c256, {{.*}} = %c1, {{.*}} = %c1)
// LAUNCH: gpu.launch blocks({{.*}}) in ({{.*}} = %c1, {{.*}} = %c1, {{.*}} = %c1) threads({{.*}}) in ({{.*}} = %c1, {{.*}} = %c1, {{.*}} = %c1)
// LAUNCH-NEXT: scf.for
func.func @loops(%a: memref<70x100xf32>, %v: memref<1000xf32>, %s: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c70 = arith.constant 70 : index
  %c100 = arith.constant 100 : index
  %c1000 = arith.constant 1000 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c70, %c100) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<70x100xf32>
    memref.store %x, %a[%i, %j] : memref<70x100xf32>
  }
  scf.parallel (%i) = (%c0) to (%c1000) step (%c1) {
    %x = memref.load %v[%i] : memref<1000xf32>
    memref.store %x, %v[%i] : memref<1000xf32>
  }
  scf.for %i = %c0 to %c1000 step %c1 {
    %x = memref.load %v[%i] : memref<1000xf32>
    %y = memref.load %s[] : memref<f32>
    %r = arith.addf %x, %y : f32
    memref.store %r, %s[] : memref<f32>
  }
  return
}

// -----

// A global read in a kernel is read there (outlining then copies it into
// the gpu.module), not passed in as a host address.
// LAUNCH-LABEL: func.func @global
// LAUNCH: gpu.launch
// LAUNCH-NEXT: memref.get_global @table : memref<4xf32>
memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
func.func @global(%v: memref<256xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c256 = arith.constant 256 : index
  %t = memref.get_global @table : memref<4xf32>
  scf.parallel (%i) = (%c0) to (%c256) step (%c1) {
    %k = arith.remui %i, %c4 : index
    %x = memref.load %t[%k] : memref<4xf32>
    memref.store %x, %v[%i] : memref<256xf32>
  }
  return
}

// -----

// A reduction over rows (per-column sums) gets its parallel loop outermost,
// so that the column loop is one launch rather than a host loop of them.
// BUFFERS-LABEL: func.func @column_sums
// BUFFERS: linalg.generic {indexing_maps = [#[[IN:.*]], #[[OUT:.*]]], iterator_types = ["parallel", "reduction"]}
// LAUNCH-LABEL: func.func @column_sums
// LAUNCH: gpu.launch blocks({{.*}}) in ({{.*}} = %c1, {{.*}} = %c1, {{.*}} = %c1) threads({{.*}}) in ({{.*}} = %c256, {{.*}} = %c1, {{.*}} = %c1)
// LAUNCH: scf.for
// LAUNCH-NOT: gpu.launch
func.func @column_sums(%m: memref<128x100xf32>, %s: memref<100xf32>) {
  linalg.generic {indexing_maps = [affine_map<(k, j) -> (k, j)>, affine_map<(k, j) -> (j)>],
                  iterator_types = ["reduction", "parallel"]}
      ins(%m : memref<128x100xf32>) outs(%s : memref<100xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.addf %acc, %x : f32
    linalg.yield %r : f32
  }
  return
}
