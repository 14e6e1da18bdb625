#!/usr/bin/env python3
"""Writes bench/matmul's kernels: C[M,N] = A[M,K] . B[K,N] for every shape and
numerics form, as a linalg.matmul tagged calm.numerics (applied by
calm-cpu-pipeline). Both operands are function arguments, so the scaled
forms quantize B (the weight) at run time on every call, amax included."""
import sys

SHAPES = [(1, 4096, 4096), (128, 4096, 4096), (1024, 1024, 1024)]
FORMS = ["f32", "bf16", "f8e4m3", "i8", "lmul:4"]


def ident(form):
    return form.replace("/", "_").replace(":", "")


def main():
    table = sys.argv[1:] == ["--table"]
    for m, k, n in SHAPES:
        for form in FORMS:
            name = f"mm_{ident(form)}_{m}x{k}x{n}"
            if table:
                print(f'KERNEL({name}, "{form}", {m}, {k}, {n})')
                continue
            a, b, c = f"tensor<{m}x{k}xf32>", f"tensor<{k}x{n}xf32>", f"tensor<{m}x{n}xf32>"
            print(f"""func.func @{name}(%a: {a}, %b: {b}) -> {c} attributes {{llvm.emit_c_interface}} {{
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {c}
  %f = linalg.fill ins(%z : f32) outs(%e : {c}) -> {c}
  %r = linalg.matmul {{calm.numerics = #calm.numerics<{form}>}} ins(%a, %b : {a}, {b}) outs(%f : {c}) -> {c}
  return %r : {c}
}}
""")


if __name__ == "__main__":
    main()
