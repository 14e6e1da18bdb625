// Debian's own mlir-opt-22 loads the calm dialect and passes from the plugin
// at its real build path (passes from a pass plugin are named in
// --pass-pipeline: mlir-opt parses its own flags before loading plugins); the plugin shares mlir-opt's libMLIR.so, so the
// dialect it registers is the one the parser and passes see.
// The plugin is instrumented in a sanitizer build; Debian's mlir-opt-22 is not
// and cannot load it (no ASan runtime in the process).
// UNSUPPORTED: asan
// RUN: mlir-opt %s --load-dialect-plugin=%calm_plugin --load-pass-plugin=%calm_plugin \
// RUN:   --pass-pipeline="builtin.module(calm-mulf-to-lmul{mantissa-bits=4})" | FileCheck %s --check-prefix=REWRITE
// RUN: mlir-opt %s --load-dialect-plugin=%calm_plugin --load-pass-plugin=%calm_plugin \
// RUN:   --pass-pipeline="builtin.module(calm-mulf-to-lmul{mantissa-bits=4},canonicalize)" | FileCheck %s --check-prefix=FOLD
// RUN: mlir-opt %s --load-dialect-plugin=%calm_plugin --load-pass-plugin=%calm_plugin \
// RUN:   --pass-pipeline="builtin.module(calm-mulf-to-lmul{mantissa-bits=4},calm-cpu-pipeline)" \
// RUN:   | FileCheck %s --check-prefix=LLVM
// The plugin really is what provides the passes: without it they are unknown.
// RUN: not mlir-opt %s --pass-pipeline="builtin.module(calm-mulf-to-lmul)" 2>&1 | FileCheck %s --check-prefix=NOPLUGIN

// REWRITE-LABEL: func.func @square
// REWRITE: calm.lmul %{{.*}}, %{{.*}} mantissa_bits(4) : f32
// FOLD-LABEL: func.func @one
// FOLD: arith.constant 1.125000e+00 : f32
// LLVM-LABEL: llvm.func @square
// LLVM-NOT: llvm.fmul
// LLVM: llvm.add
// NOPLUGIN: 'calm-mulf-to-lmul' does not refer to a registered pass or pass pipeline
func.func @square(%x: f32) -> f32 {
  %0 = arith.mulf %x, %x : f32
  return %0 : f32
}

func.func @one() -> f32 {
  %c = arith.constant 1.0 : f32
  %0 = arith.mulf %c, %c : f32
  return %0 : f32
}
