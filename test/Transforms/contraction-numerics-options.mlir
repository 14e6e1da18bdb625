// Pass options are checked before any IR is touched: one line each.
// RUN: not calm-opt %s --calm-quantize-contractions 2>&1 | FileCheck %s --check-prefix=NOFORM
// RUN: not calm-opt %s --calm-quantize-contractions=form=f7 2>&1 | FileCheck %s --check-prefix=BADFORM
// RUN: not calm-opt %s --calm-quantize-contractions="form=i8 granularity=row" 2>&1 | FileCheck %s --check-prefix=BADGRAN
// RUN: not calm-opt %s --calm-quantize-contractions=form=lmul:4 2>&1 | FileCheck %s --check-prefix=NOTQUANT
// RUN: not calm-opt %s --calm-lmul-contractions=mantissa-bits=30 2>&1 | FileCheck %s --check-prefix=BITS
// NOFORM: calm-quantize-contractions: form= is required; valid forms: bf16, f16, f8e4m3, f8e5m2, i8
// BADFORM: calm-quantize-contractions: unknown numerics form 'f7'; valid forms: f32, bf16, f16
// BADGRAN: calm-quantize-contractions: granularity must be tensor or channel, not 'row'
// NOTQUANT: form=lmul:4 is not a quantized form
// BITS: calm-lmul-contractions: mantissa-bits=30 is out of range: use 1..23

func.func @f() {
  return
}
