#!/usr/bin/env bash
# Builds llama.cpp's own llama-bench and llama-batched-bench — the fair speed peers — from the source that
# node-llama-cpp ships as a git bundle, linked against the prebuilt CPU libraries of @node-llama-cpp/linux-x64 (so
# the peer is exactly the llama.cpp our correctness tests compare against). Nothing is downloaded; needs git and g++.
# Usage: ops/bench/build-llama-bench.sh [OUT_DIR]   (default build/llama-bench); prints llama-bench's path
# (llama-batched-bench lies beside it).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="${1:-$ROOT/build/llama-bench}"
REF="$ROOT/worker/reference/node_modules"
BUNDLE="$REF/node-llama-cpp/llama/gitRelease.bundle"
LIBS="$REF/@node-llama-cpp/linux-x64/bins/linux-x64"
[[ -f "$BUNDLE" && -d "$LIBS" ]] || { echo "reference packages missing: run ./gemma-fleet setup" >&2; exit 1; }
if [[ -x "$OUT/llama-bench" && -x "$OUT/llama-batched-bench" ]]; then echo "$OUT/llama-bench"; exit 0; fi
mkdir -p "$OUT"
SRC="$(mktemp -d)"
trap 'rm -rf "$SRC"' EXIT
git clone -q "$BUNDLE" "$SRC/llama.cpp" 2>/dev/null
cd "$SRC/llama.cpp"
for tool in llama-bench batched-bench; do
  g++ -O2 -DNDEBUG -std=c++17 -Iinclude -Iggml/include -Icommon -Ivendor tools/$tool/*.cpp \
      -o "$OUT/llama-${tool#llama-}" -L"$LIBS" -l:libllama.v0.5.0.so -l:libggml.v0.5.0.so -l:libggml-base.so \
      -l:libllama-common.so -Wl,-rpath,"$LIBS" >&2
done
# ggml loads its CPU backend variants from the executable's folder.
for lib in "$LIBS"/libggml-cpu-*.so; do ln -sf "$lib" "$OUT/"; done
echo "$OUT/llama-bench"
