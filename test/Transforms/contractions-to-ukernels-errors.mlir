// RUN: calm-opt %s --split-input-file --verify-diagnostics --calm-contractions-to-ukernels

func.func @not_a_buffer(%buf: memref<1024xi8>) -> memref<4x4xf32> {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{is named '"w"' but is not a constant-offset view of a function argument marked calm.weights}}
  %v = memref.view %buf[%c0][] {calm.weight = "w"} : memref<1024xi8> to memref<4x4xf32>
  return %v : memref<4x4xf32>
}

// -----

func.func @dynamic_offset(%buf: memref<1024xi8> {calm.weights = "w"}, %o: index) -> memref<4x4xf32> {
  // expected-error @+1 {{not a constant-offset view}}
  %v = memref.view %buf[%o][] {calm.weight = "w"} : memref<1024xi8> to memref<4x4xf32>
  return %v : memref<4x4xf32>
}

// -----

// expected-error @+1 {{'calm.weights' marks a weight buffer: a string on a memref<Nxi8> argument}}
func.func @wrong_type(%buf: memref<16xf32> {calm.weights = "w"}) {
  return
}

// -----

func.func @weight_on_other_op() {
  // expected-error @+1 {{'calm.weight' names the checkpoint tensor a memref.view of a weight buffer reads}}
  %c = arith.constant {calm.weight = "w"} 0 : index
  return
}
