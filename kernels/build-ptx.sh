#!/usr/bin/env bash
# Compiles every kernel family in src/main/cuda to PTX in src/main/resources (the files the jar ships).
# Run after editing a .cu file and commit the PTX with it; CI's PtxUpToDateTest fails when they differ.
# Target: compute_80 PTX (A100, RTX 30xx/40xx, L4/L40, H100/H200 all run it); see PtxLoader for old drivers.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/src/main/cuda"
out="$here/src/main/resources/io/gemmafleet/kernels/ptx"
NVCC="${NVCC:-nvcc}"
mkdir -p "$out"
for cu in "$src"/*.cu; do
  name="$(basename "$cu" .cu)"
  "$NVCC" -ptx -arch=compute_80 -O3 -o "$out/$name.ptx" "$cu"
  echo "$name.ptx"
done
