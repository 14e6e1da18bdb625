// RUN: calm-opt %s --split-input-file --calm-buffer-deallocation | FileCheck %s

// An allocation bufferization made is freed.
// CHECK-LABEL: func.func @temporary
// CHECK: %[[A:.*]] = memref.alloc() : memref<8xf32>
// CHECK: memref.dealloc %[[A]] : memref<8xf32>
// CHECK: return
func.func @temporary(%x: memref<8xf32>) -> f32 {
  %a = memref.alloc() : memref<8xf32>
  memref.copy %x, %a : memref<8xf32> to memref<8xf32>
  %c0 = arith.constant 0 : index
  %v = memref.load %a[%c0] : memref<8xf32>
  return %v : f32
}

// -----

// A function that frees by hand is left exactly as written (upstream's
// pipeline would reject it).
// CHECK-LABEL: func.func @by_hand
// CHECK: %[[A:.*]] = memref.alloc() : memref<8xf32>
// CHECK: %[[B:.*]] = memref.alloc() : memref<8xf32>
// CHECK: memref.dealloc %[[A]]
// CHECK-NOT: memref.dealloc %[[B]]
// CHECK: return
func.func @by_hand(%x: memref<8xf32>) -> memref<8xf32> {
  %a = memref.alloc() : memref<8xf32>
  %b = memref.alloc() : memref<8xf32>
  memref.copy %x, %a : memref<8xf32> to memref<8xf32>
  memref.copy %a, %b : memref<8xf32> to memref<8xf32>
  memref.dealloc %a : memref<8xf32>
  return %b : memref<8xf32>
}
