//===- Passes.td - calm rewrite passes ---------------------*- tablegen -*-===//

#ifndef CALM_TRANSFORMS_PASSES_TD
#define CALM_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CALMMulfToLMul : Pass<"calm-mulf-to-lmul"> {
  let summary = "Rewrite arith.mulf into calm.lmul";
  let description = [{
    Replaces every `arith.mulf` on f32, bf16, f16, f8E4M3FN or f8E5M2
    (scalars, vectors, ranked tensors), including those inside
    `linalg.generic` bodies and other regions, by `calm.lmul`.

    * `mantissa-bits=m` keeps m mantissa bits; 0 (the default) keeps the
      element type's full width. m above a type's width is an error on the
      offending op, not a silent clamp.
    * `func-filter=REGEX` restricts the rewrite to functions whose symbol
      name matches (llvm::Regex, unanchored: use `^name$` for one function).
    * Named linalg ops whose implicit body multiplies (`linalg.matmul`, ...)
      are generalized to `linalg.generic` first, since their verifier pins
      the body to `arith.mulf`.
    * An `arith.mulf` carrying the unit attribute `calm.exact` is left alone,
      as is any multiply on a type L-Mul is not defined on (f64, ...).
  }];
  let dependentDialects = ["::mlir::calm::CALMDialect",
                           "::mlir::linalg::LinalgDialect"];
  let options = [
    Option<"mantissaBits", "mantissa-bits", "unsigned", /*default=*/"0",
           "Mantissa bits kept by L-Mul (1..23; 0 = the element type's full "
           "width)">,
    Option<"funcFilter", "func-filter", "std::string", /*default=*/"\"\"",
           "Regex on the enclosing function's name; empty rewrites all">,
  ];
}

def CALMBufferDeallocation : Pass<"calm-buffer-deallocation", "ModuleOp"> {
  let summary = "Free bufferization's allocations, leaving hand-managed "
                "functions alone";
  let description = [{
    Runs upstream's ownership-based buffer deallocation pipeline on every
    function that contains no `memref.dealloc`. That pipeline rejects IR
    that already frees memory by hand ("memory free side-effect on MemRef
    value not supported"), which user programs written on memrefs do; such a
    function is left exactly as written, its author being in charge of its
    memory. The `bufferization.dealloc` ops are then lowered module-wide,
    where the helper function their generic lowering needs can be added.
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect"];
}

def CALMVectorizeDotProducts
    : Pass<"calm-vectorize-dot-products", "func::FuncOp"> {
  let summary = "Vectorize contractions whose reduction walks both inputs "
                "contiguously (x . W^T, Q . K^T) as register dot products";
  let description = [{
    Rewrites a `linalg.generic` on memrefs with two inputs, one reduction
    loop that is the innermost (unit-stride) dimension of both inputs and
    absent from the output, and a body `out + f(a, b)` (f pure and
    elementwise: `mulf`, `calm.lmul`, casts, integer products) into loops
    whose reduction runs in vector registers: four independent `vector-width`
    accumulators, then one, then scalars, a horizontal `vector.reduction`,
    and one load and store of the output element.

    This is the layout of every linear layer (weights stored [out, in], as
    checkpoints hold them) and of attention scores. Lowered as affine loops
    instead, the reduction is carried through memory (a load and store of
    the output per multiply) and is not vectorized: about 20x slower.

    Loop order: the parallel dims of the input with more of them (the
    weights: ties go to the second input) run outermost, so a weight row
    stays in L1 while every row of the activations is multiplied with it.
    Floating-point sums are reassociated (lane-wise partial sums), as in
    BLAS, and f32 products and their accumulating adds carry
    `fastmath<contract>` so that LLVM may fuse them into FMAs; integer sums
    are exact.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"vectorWidth", "vector-width", "unsigned", /*default=*/"8",
           "Lanes per vector">,
  ];
}

def CALMContractionsToUKernels
    : Pass<"calm-contractions-to-ukernels", "ModuleOp"> {
  let summary = "Store linear-layer weights at rest in their numerics form "
                "and run those layers in the calm microkernels";
  let description = [{
    Weights are function arguments marked `calm.weights = "NAME"` (a flat
    byte buffer, `memref<Nxi8>`), viewed with `memref.view` at constant byte
    offsets by views that carry `calm.weight = "TENSOR"`. Every linear layer
    `y = init + x . W^T` (a `linalg.generic` with maps (m, k), (n, k) ->
    (m, n) and a mulf + addf body, on f32 tensors) whose W is such a view is
    replaced by a call to the microkernel `calm_uk_linear` in the form its
    `calm.numerics` attribute names (f32 when untagged): W is then read in
    that form's packed storage (runtime/ukernels/UKernels.h), so a scaled
    form no longer re-reads f32 weights and re-quantizes them per call.

    The pass lays every marked buffer out anew: one entry per (tensor,
    storage) pair, f32 for tensors that other ops still read, the packed
    form for each contraction, 64-byte aligned; all views are moved to
    their new offsets. The layout is emitted as a JSON manifest in the
    public constant `calm_weight_manifest` (NUL-terminated), which the
    runtime reads after loading the object to pack the checkpoint's tensors
    once, at load (docs/UKERNELS.md gives the format). Run it before
    calm-apply-numerics (`calm-cpu-pipeline{ukernels=true}` does).
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CALMVectorizeElementwise
    : Pass<"calm-vectorize-elementwise", "func::FuncOp"> {
  let summary = "Vectorize elementwise linalg.generic ops on memrefs with "
                "unmasked loads and a scalar remainder";
  let description = [{
    Rewrites a `linalg.generic` on memrefs whose iterators are all parallel,
    whose indexing maps are all the identity, whose operands have a
    unit-stride innermost dimension, and whose body holds only pure
    elementwise-mappable ops (arith, math, calm.lmul, ...) into loops: the
    innermost dimension runs `vector-width` lanes at a time with plain
    `vector.load`/`vector.store`, and the last `n mod vector-width` elements
    run as scalars.

    Vectorizing such ops through affine loops instead reads and writes every
    vector with a masked transfer, because the extent is dynamic; masked
    stores are microcoded on some x86 cores. Ops that do not match are left
    for the general path.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"vectorWidth", "vector-width", "unsigned", /*default=*/"8",
           "Lanes per vector">,
  ];
}

def CALMExpandFloatCasts : Pass<"calm-expand-float-casts"> {
  let summary = "Expand fp8 and bf16 extf/truncf into integer arith";
  let description = [{
    `convert-to-llvm` silently leaves `arith.extf`/`arith.truncf` on f8 types
    unconverted, and bf16 conversions may need library calls on x86. This
    pass expands them into integer bit operations:

    * `extf` from f8E4M3FN / f8E5M2 (to f32, or through f32 to a wider or
      other float type): exact, including subnormals, inf and NaN;
    * `truncf` from f32 (or a narrower float, through f32) to f8E4M3FN /
      f8E5M2: round to nearest, ties to even, as APFloat converts: subnormal
      results, overflow to inf (f8E5M2) or NaN (f8E4M3FN, which has no inf),
      NaN to the quiet NaN;
    * bf16 `extf`/`truncf` through upstream's bf16 expansion.

    Scalars, vectors and tensors; `truncf` with an explicit non-default
    rounding mode is reported as an error rather than rounded differently.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def CALMPolynomialExp : Pass<"calm-polynomial-exp"> {
  let summary = "Compute f32 math.exp as a branch-free polynomial";
  let description = [{
    `convert-math-to-llvm` turns `math.exp` into `llvm.intr.exp`, which the
    x86 backend scalarizes into one libm `expf` call per vector lane: the
    SiLU and softmax of every layer then cost more than their matmuls at a
    small width. This pass rewrites `math.exp` on f32 (scalars and vectors)
    into upstream MLIR's polynomial approximation (range reduction by
    ln 2, a polynomial on the reduced range, the exponent added to the bit
    pattern), which stays in vector registers.

    Accuracy against `exp` in double (test/Execution/Math: every 97th f32
    pattern of [-104, 89], the thresholds, the specials): at most 1.01 ulp
    for x <= 88 and 4.93 ulp above (results near 2^128), where libm's
    `expf` is within 0.5 ulp; +inf above ~88.72; +0 or a value within one
    smallest normal where the result is below the smallest normal;
    exp(NaN) = NaN (docs/ARCHITECTURE.md, "exp"). Other element types and
    other math ops are left alone.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def CALMQuantizeContractions : Pass<"calm-quantize-contractions"> {
  let summary = "Compute linalg contractions in a quantized form";
  let description = [{
    Rewrites f32 linalg contractions on tensors (`linalg.matmul` and its
    transposed forms, `batch_matmul`, `matvec`, `vecmat`, `batch_matvec`,
    `dot`, and `linalg.generic` contractions whose body is mulf + addf) to
    compute in `form` (docs/QUANT.md):

    * `bf16`, `f16`: operands rounded to nearest even (f16 saturating at
      +-65504), products exact in f32, f32 accumulation.
    * `f8e4m3`, `f8e5m2`, `i8`: operands scaled by s = amax / QMAX (per tensor,
      or per row of A and per column of B with `granularity=channel`), rounded
      to nearest even and saturated; fp8 products exact in f32 with f32
      accumulation, i8 products accumulated exactly in i32; the result is
      sA * sB * sum. Scales of constant operands are computed at compile time,
      the others at run time.

    NaN or inf in an operand makes the affected outputs NaN. A contraction
    carrying `calm.numerics` computes in the form its attribute names instead
    (including `f32` and `lmul:M`); `func-filter` restricts the untagged ones.
    Multiplies the rewrite introduces carry `calm.exact`.
  }];
  let dependentDialects = ["::mlir::calm::CALMDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"form", "form", "std::string", /*default=*/"\"\"",
           "bf16, f16, f8e4m3, f8e5m2 or i8 (required)">,
    Option<"granularity", "granularity", "std::string", /*default=*/"\"tensor\"",
           "Scale granularity of the scaled forms: tensor or channel">,
    Option<"funcFilter", "func-filter", "std::string", /*default=*/"\"\"",
           "Regex on the enclosing function's name; empty rewrites all">,
  ];
}

def CALMLMulContractions : Pass<"calm-lmul-contractions"> {
  let summary = "Compute linalg contractions with L-Mul products (L-Matmul)";
  let description = [{
    The same contractions as `calm-quantize-contractions`, with every product
    an L-Mul keeping `mantissa-bits` bits and f32 accumulation, expressed as a
    `linalg.generic` whose body is `calm.lmul` + `arith.addf`, so it still
    tiles and vectorizes. Other multiplies are untouched (contrast
    `calm-mulf-to-lmul`). `calm.numerics` on an op overrides the options.
  }];
  let dependentDialects = ["::mlir::calm::CALMDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"mantissaBits", "mantissa-bits", "unsigned", /*default=*/"4",
           "Mantissa bits kept by each L-Mul (1..23)">,
    Option<"funcFilter", "func-filter", "std::string", /*default=*/"\"\"",
           "Regex on the enclosing function's name; empty rewrites all">,
  ];
}

def CALMApplyNumerics : Pass<"calm-apply-numerics"> {
  let summary = "Rewrite the contractions tagged with calm.numerics";
  let description = [{
    Applies each `calm.numerics` attribute (see `calm-quantize-contractions`)
    and leaves untagged contractions alone. `calm-cpu-pipeline` runs it first,
    so a module whose builder tagged its contractions by role compiles with
    per-op numerics directly.
  }];
  let dependentDialects = ["::mlir::calm::CALMDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::arith::ArithDialect"];
}

def CALMEnergyReport : Pass<"calm-energy-report", "ModuleOp"> {
  let summary = "Count and price the arithmetic of each function";
  let description = [{
    An analysis (the IR is unchanged). Per function, counts the multiplies
    and adds of every linalg contraction, every other linalg.generic body and
    every elementwise arith/calm op outside linalg, by numeric form (f32,
    bf16, f16, f8e4m3, f8e5m2, i8, lmul:M), and prices them with the 45 nm
    table of Horowitz (ISSCC 2014) that the L-Mul paper uses. The figures are
    arithmetic only: memory traffic is not priced, but the bytes of operands
    each contraction reads are reported beside it.

    * Forms come from `calm.numerics`, or from the op's body (calm.lmul,
      operands widened from fp8/bf16/f16/i8).
    * fp8 multiplies have no row in the table: their energy is printed as
      n/a (the paper's 0.25-0.4 pJ is an extrapolation we do not use); so are
      L-Mul on bf16/f16 (an int16 add, no row). An f32 L-Mul is one int32 add
      (0.1 pJ), an fp8 L-Mul one int8 add (0.03 pJ); bf16 is priced as fp16.
    * Dynamic shapes: the counts are per iteration of the op's loops, and the
      report says so; with `dynamic-size=N` every dynamic size is priced as
      N instead (e.g. 1 for one sample, one chunk, a context of one).

    Writes a table, or JSON with `json=true`, to `output` (default stdout).
  }];
  let options = [
    Option<"json", "json", "bool", /*default=*/"false", "Print JSON">,
    Option<"output", "output", "std::string", /*default=*/"\"-\"",
           "File to write the report to ('-' for stdout)">,
    Option<"dynamicSize", "dynamic-size", "int64_t", /*default=*/"0",
           "Price every dynamic size as this many (0: per iteration)">,
  ];
}

def CALMInterchangeContractions
    : Pass<"calm-interchange-contractions", "func::FuncOp"> {
  let summary = "Order contraction loops so the innermost one streams rows";
  let description = [{
    Generalizes linalg contractions on memrefs and permutes their loops to
    (other parallel dims, reduction dims, the parallel dim that indexes the
    result's innermost dim): matmul runs i-k-j and a GEMV k-j, so the
    innermost loop reads rows of B and the result contiguously, and the
    vectorizer widens it. The default (i-j-k) order walks B by columns.
    Contractions whose result-innermost loop does not index the innermost
    dim of the inputs it reads (a matvec) keep their order.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def CALMMarkTransfersInBounds
    : Pass<"calm-mark-transfers-in-bounds", "func::FuncOp"> {
  let summary = "Prove vector transfers in bounds from static loop bounds";
  let description = [{
    Marks a dimension of a `vector.transfer_read`/`transfer_write` on a
    static-shaped memref in bounds when its index is a constant or the
    induction variable of an `affine.for` with constant bounds and the last
    vector still ends inside the dimension. Such transfers then lower to plain
    vector loads and stores instead of masked ones.
  }];
  let dependentDialects = ["::mlir::vector::VectorDialect"];
}

def CALMDecompose : Pass<"calm-decompose"> {
  let summary = "Lower the CALM stage ops to linalg on tensors";
  let description = [{
    Rewrites `calm.ae_encode`, `calm.ae_decode`, `calm.input_compress` and
    `calm.energy_head` into linalg contractions and elementwise generics on
    f32 tensors, the way the official PyTorch modules compute them (layer
    order, RMSNorm and LayerNorm forms, SiLU gating, the K <-> 1 reshapes).
    Every contraction is tagged `calm.role` (`ae`, `compress`, `head`) so that
    `calm-assign-numerics` can pick its numerics. Chunk values become their
    latent tensors; `calm.latents_to_chunk`/`calm.chunk_to_latents` pairs
    fold away.

    Stage ops whose chunk operands or results have more than one batch
    dimension are batched by flattening them; dynamic batch sizes are kept
    dynamic.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::arith::ArithDialect"];
}

def CALMAssignNumerics : Pass<"calm-assign-numerics"> {
  let summary = "Choose each contraction's numerics from its calm.role";
  let description = [{
    Sets `calm.numerics` on every linalg contraction that carries a
    `calm.role`, from a selection such as

        default=f32 roles=attention=lmul:4,mlp=f8e4m3/channel

    `default` applies to every role the `roles` list does not name. Forms are
    those of `calm.numerics` (f32, bf16, f16, f8e4m3[/G], f8e5m2[/G],
    i8[/G], lmul:M); roles are attention, projection, mlp, compress, head,
    ae, lm_head. A contraction that already has `calm.numerics` keeps it.
    `f32` leaves a contraction untagged. Unknown roles or forms are one-line
    errors.
  }];
  let options = [
    Option<"defaultForm", "default", "std::string", /*default=*/"\"f32\"",
           "Numerics of every role not named in roles=">,
    Option<"roles", "roles", "std::string", /*default=*/"\"\"",
           "Comma-separated ROLE=FORM pairs">,
  ];
}

def CALMGPUDeviceBuffers
    : Pass<"calm-gpu-device-buffers", "func::FuncOp"> {
  let summary = "Host-side buffers of a GPU program live in device memory";
  let description = [{
    For the GPU pipeline, where every memref a host function sees is device
    memory: `memref.alloc`/`memref.dealloc` become `gpu.alloc`/`gpu.dealloc`
    and `memref.copy` becomes `linalg.copy`, so that the copy runs as a
    kernel instead of a host loop over device pointers. `linalg.generic`
    ops get their parallel loops outermost (reductions keep their relative
    order), so that a reduction does not become a host loop launching one
    kernel per iteration. A linalg op with no parallel dimension (a 0-d fill, a reduction to a scalar) would lower
    to host code; it is wrapped into a one-iteration `scf.parallel` mapped
    to one block, i.e. a one-thread kernel. Functions inside `gpu.module`s
    are left alone.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

def CALMGPUMapLoops : Pass<"calm-gpu-map-loops", "func::FuncOp"> {
  let summary = "Tile parallel loops into blocks and threads and map them";
  let description = [{
    Prepares the `scf.parallel` nests that linalg ops lower to for
    `convert-parallel-loops-to-gpu`: every outermost `scf.parallel` is tiled
    (guards instead of min bounds, so launch sizes are constants) and the
    tile loop is mapped to blocks, the intra-tile loop to threads. The
    innermost dimension, the contiguous one, maps to x so that neighbouring
    threads touch neighbouring elements; up to three dimensions map to
    hardware ids, the rest run sequentially. A 1-D loop is tiled by
    `block-size`; 2-D and deeper by 32 in the innermost dimension and
    `block-size / 32` in the next. A host `scf.for` that touches memory
    without any parallel loop inside (a full reduction) is wrapped into a
    one-iteration `scf.parallel`, so it runs as a one-thread kernel rather
    than on the host, where device memory is not readable.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"blockSize", "block-size", "unsigned", /*default=*/"256",
           "Threads per block (a multiple of 32)">,
  ];
}

def CALMGPUFinalizeLaunches
    : Pass<"calm-gpu-finalize-launches", "func::FuncOp"> {
  let summary = "Move global constants into kernels; reject host memory use";
  let description = [{
    Clones `memref.get_global` ops used inside a `gpu.launch` into the
    launch body, so that kernel outlining copies the global into the
    `gpu.module` (device memory) instead of passing the host address as a
    kernel argument. Then checks that no host code outside a `gpu.launch`
    reads or writes memref contents: such code would dereference device
    pointers on the host, and is an error naming the op.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def CALMDecomposePackAndPad : Pass<"calm-decompose-pack-and-pad"> {
  let summary = "Lower linalg.pack, linalg.unpack and tensor.pad on tensors "
                "to ops that bufferize and lower to loops";
  let description = [{
    Programs tiled and packed by other compilers (data tiling for
    `linalg.mmt4d`, tiles padded to a static size) reach the CPU pipeline
    with layout ops it has no lowering for: one-shot bufferization leaves
    `linalg.pack`/`linalg.unpack` unbufferized, and
    `linalg-fold-unit-extent-dims` rebuilds a `tensor.pad` whose padding is
    an SSA constant with a type that no longer verifies. This pass rewrites,
    on tensors and before either step:

    * `linalg.pack` into `tensor.pad` + `tensor.expand_shape` +
      `linalg.transpose` (upstream `linalg::lowerPack`);
    * `linalg.unpack` into `linalg.transpose` + `tensor.collapse_shape` +
      `tensor.extract_slice` + `linalg.copy` (`linalg::lowerUnPack`);
    * every `tensor.pad` (the user's and the ones above) into `tensor.empty`
      + `linalg.fill` (`tensor.generate` for a padding value computed from
      the indices) + `tensor.insert_slice` (upstream
      `DecomposePadOpPattern`).

    Packs with dynamic inner tiles, which `lowerPack` does not handle, are an
    error on the op rather than a failure further down.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def CALMLinalgToLoops : Pass<"calm-linalg-to-loops", "func::FuncOp"> {
  let summary = "Lower linalg ops on buffers to affine loops where they are "
                "affine, scf loops elsewhere; vectorize parallel affine loops";
  let description = [{
    Replaces `convert-linalg-to-affine-loops` + `affine-super-vectorize`
    for the linalg ops the calm vectorizers left:

    * An op whose loop bounds are valid affine symbols (static shapes,
      function arguments, buffers allocated at function level) becomes an
      `affine.for` nest, exactly as `convert-linalg-to-affine-loops` builds
      it, so that the super-vectorizer can widen it.
    * An op whose bounds are not (a tile inside an `scf.for` whose size is an
      `affine.min` of the loop variable, as tiling produces) becomes an
      `scf.for` nest (`convert-linalg-to-loops`): the affine form would not
      verify ("operand cannot be used as a dimension id").
    * With `vector-width` > 0, the affine super-vectorizer then widens
      parallel affine loops, but never a loop that came from a linalg
      reduction iterator: a reduction is carried through memory in these
      loops, and one with a single iteration (mmt4d's K0 = 1) passes the
      dependence check and comes out as an invalid broadcast
      `vector.transfer_write`. Reductions of contractions are vectorized by
      calm-vectorize-dot-products before this pass, or stay scalar loops.
      Other affine loops are candidates as with `affine-super-vectorize`.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"vectorWidth", "vector-width", "unsigned", /*default=*/"0",
           "Lanes per vector for the super-vectorizer (0: no vectorization)">,
  ];
}

#endif // CALM_TRANSFORMS_PASSES_TD
