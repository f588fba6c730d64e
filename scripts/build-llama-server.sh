#!/usr/bin/env bash
# Builds a real llama-server from the llama.cpp source that node-llama-cpp ships (its git bundle),
# so the benchmark and the server tests run against the same llama.cpp version as Alembic's engine.
# Nothing is downloaded. The binary is cached outside the checkout, keyed by the bundle's tag:
#   ${ALEMBIC_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/alembic}/llama-server/<tag>-<recipe>[-cuda]/llama-server
# and reused afterwards. Prints the binary's path on its last line.
#
# Usage: scripts/build-llama-server.sh [--cuda] [--print-path]
#   --cuda        build with -DGGML_CUDA=ON (needs nvcc); cached separately
#   --print-path  only print where the binary is (or would be), build nothing
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
llama_dir="$root/node_modules/node-llama-cpp/llama"
bundle="$llama_dir/gitRelease.bundle"
info="$llama_dir/llama.cpp.info.json"

cuda=0
print_only=0
for arg in "$@"; do
  case "$arg" in
    --cuda) cuda=1 ;;
    --print-path) print_only=1 ;;
    *) echo "build-llama-server: unknown option $arg (use --cuda or --print-path)" >&2; exit 2 ;;
  esac
done

[ -f "$bundle" ] && [ -f "$info" ] || { echo "build-llama-server: $bundle is missing; run npm install first" >&2; exit 1; }
tag="$(node -p "require('$info').tag")"
[[ "$tag" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "build-llama-server: unexpected tag '$tag' in $info" >&2; exit 1; }
# The recipe's number is in the key, so a changed recipe builds anew instead of reusing an old binary.
recipe=r2
key="$tag-$recipe$([ $cuda = 1 ] && echo -cuda || true)"
cache_root="${ALEMBIC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/alembic}/llama-server"
dest="$cache_root/$key"
binary="$dest/llama-server"

if [ $print_only = 1 ]; then echo "$binary"; exit 0; fi
if [ -x "$binary" ]; then echo "build-llama-server: cached ($key)" >&2; echo "$binary"; exit 0; fi

for tool in git cmake make c++; do
  command -v "$tool" >/dev/null || {
    # shellcheck source=lib/install-hint.sh
    source "$(dirname "${BASH_SOURCE[0]}")/lib/install-hint.sh"
    echo "build-llama-server: '$tool' is needed. $(install_hint git cmake build-essential)" >&2
    exit 1
  }
done
if [ $cuda = 1 ] && ! command -v nvcc >/dev/null; then echo "build-llama-server: --cuda needs nvcc on the PATH" >&2; exit 1; fi

mkdir -p "$cache_root"
# One build at a time per cache: a second caller waits for the first and then reuses its binary.
exec 9>"$cache_root/.$key.lock"
if ! flock -n 9; then
  echo "build-llama-server: another build of $key is running; waiting for it" >&2
  flock 9
fi
if [ -x "$binary" ]; then echo "$binary"; exit 0; fi

work="$(mktemp -d "${TMPDIR:-/tmp}/llama-server-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "build-llama-server: building llama-server $key from node-llama-cpp's bundled source (15-35 min on 2 cores)" >&2
git -c advice.detachedHead=false clone --quiet "$bundle" "$work/src"
git -C "$work/src" checkout --quiet "$tag" 2>/dev/null || true
jobs="${LLAMA_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}"
flags=(-DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF -DGGML_NATIVE=ON)
# Without Intel AMX even where the CPU has it: in this llama.cpp version its matrix multiply crashes
# (SIGSEGV in ggml_backend_amx_mul_mat) on a request for 3 completions (llama.vscode's n_cmpl 3) with
# the Qwen test model. GCC lets an explicit -mno-* win over -march=native's defaults.
no_amx="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
flags+=("-DCMAKE_C_FLAGS=$no_amx" "-DCMAKE_CXX_FLAGS=$no_amx")
# CUDA kernels only for the GPU that is here (all architectures would take many times longer);
# CUDA_ARCHITECTURES overrides it (e.g. "90" for an H100/H200 built on a machine without one).
[ $cuda = 1 ] && flags+=(-DGGML_CUDA=ON "-DCMAKE_CUDA_ARCHITECTURES=${CUDA_ARCHITECTURES:-native}")
cmake -S "$work/src" -B "$work/build" "${flags[@]}" >"$work/configure.log" 2>&1 || { tail -40 "$work/configure.log" >&2; exit 1; }
# The build runs for many minutes: say how far it is once a minute, so it never looks stuck.
cmake --build "$work/build" --target llama-server -j "$jobs" >"$work/build.log" 2>&1 &
build_pid=$!
started=$SECONDS
while kill -0 "$build_pid" 2>/dev/null; do
  for _ in $(seq 60); do kill -0 "$build_pid" 2>/dev/null || break; sleep 1; done
  if kill -0 "$build_pid" 2>/dev/null; then
    progress="$(grep -o '^\[ *[0-9]*%\]' "$work/build.log" | tail -1 | tr -d '[] ' || true)"
    echo "build-llama-server: still building (${progress:-starting}, $(( (SECONDS - started) / 60 )) min)" >&2
  fi
done
wait "$build_pid" || { tail -60 "$work/build.log" >&2; exit 1; }
built="$(find "$work/build" -type f -name llama-server -perm -u+x | head -1)"
[ -n "$built" ] || { echo "build-llama-server: the build finished but no llama-server binary was found" >&2; exit 1; }
# A copy cut short by an earlier run is replaced, never reused.
rm -rf "$dest.partial"
mkdir -p "$dest.partial"
cp "$built" "$dest.partial/llama-server"
"$dest.partial/llama-server" --version >"$dest.partial/version.txt" 2>&1 || true
rm -rf "$dest"
mv "$dest.partial" "$dest"
echo "build-llama-server: built $(head -1 "$dest/version.txt" 2>/dev/null)" >&2
echo "$binary"
