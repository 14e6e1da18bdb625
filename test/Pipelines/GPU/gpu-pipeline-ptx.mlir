// calm-gpu-pipeline from tensors with calm ops to PTX, compile-only (the
// NVPTX backend is part of LLVM; no CUDA toolkit needed with format=isa).
// RUN: calm-opt %s --calm-gpu-pipeline="chip=sm_90 format=isa" | %extract_ptx - | FileCheck %s
// RUN: calm-opt %s --calm-gpu-pipeline="chip=sm_80 format=isa" | %extract_ptx - | FileCheck %s --check-prefix=SM80
// The host side: kernels embedded as a gpu.binary, launched in order on one
// stream per call through the mgpu* runtime, synchronized once at the end.
// RUN: calm-opt %s --calm-gpu-pipeline="chip=sm_90 format=isa" | FileCheck %s --check-prefix=HOST

// SM80: .version 8.0
// SM80: .target sm_80

// HOST: llvm.func @lmul(
// HOST-NOT: memref.
// HOST: %[[S:.*]] = llvm.call @mgpuStreamCreate()
// HOST: gpu.launch_func <%[[S]] : !llvm.ptr> @lmul_kernel::@lmul_kernel blocks in ({{.*}}) threads in ({{.*}})
// HOST: llvm.call @mgpuStreamSynchronize(%[[S]])
// HOST: llvm.call @mgpuStreamDestroy(%[[S]])
// HOST: gpu.binary @lmul_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, {{.*}}assembly = "
// HOST: llvm.func @matmul(

// L-Mul is integer arithmetic on the bit patterns: no float multiply. 1000
// elements on blocks of 256 threads, with a bounds guard.
// CHECK: .version 8.0
// CHECK: .target sm_90
// CHECK-LABEL: .visible .entry lmul_kernel(
// CHECK: .maxntid 256, 1, 1
// CHECK: mov.u32 {{.*}}%ctaid.x
// CHECK: mov.u32 {{.*}}%tid.x
// CHECK-NOT: {{(mul|fma|add)\.rn\.f32}}
// CHECK: setp.{{[a-z]+}}.u32 {{.*}}, 999;
// CHECK-NOT: {{(mul|fma|add)\.rn\.f32}}
// CHECK: add.s32
// CHECK-NOT: {{(mul|fma|add)\.rn\.f32}}
// CHECK: ret;
func.func @lmul(%a: tensor<1000xf32>, %b: tensor<1000xf32>, %out: memref<1000xf32>) {
  %p = calm.lmul %a, %b mantissa_bits(3) : tensor<1000xf32>
  bufferization.materialize_in_destination %p in restrict writable %out : (tensor<1000xf32>, memref<1000xf32>) -> ()
  return
}

// The matmul: 8 x 32 threads per block, x along the contiguous columns; the
// reduction is a loop in each thread. f32 products stay unfused (mul.rn,
// not fma), like the CPU code, so results match it.
// CHECK-LABEL: .visible .entry matmul_kernel
// CHECK: .maxntid 32, 8, 1
// CHECK-NOT: fma.rn.f32
// CHECK: mul.rn.f32
// CHECK-NOT: fma.rn.f32
// CHECK: add.rn.f32
// CHECK-NOT: fma.rn.f32
// CHECK: ret;
func.func @matmul(%a: tensor<70x128xf32>, %b: tensor<128x100xf32>, %out: memref<70x100xf32>) {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<70x100xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<70x100xf32>) -> tensor<70x100xf32>
  %m = linalg.matmul ins(%a, %b : tensor<70x128xf32>, tensor<128x100xf32>) outs(%c : tensor<70x100xf32>) -> tensor<70x100xf32>
  bufferization.materialize_in_destination %m in restrict writable %out : (tensor<70x100xf32>, memref<70x100xf32>) -> ()
  return
}
