#!/usr/bin/env bash
# Images on the CPU backend vs llama.cpp: vision-tower images/s at batch 1 and 8 (a random-weight tower of the
# published SigLIP width with LAYERS layers; the 27-layer figure is extrapolated from the time per layer), and the
# time an image adds to a job's first token (decode + pre-process, encode, prefill of its 256 soft tokens on a
# 1B-shaped Q4_0 text model, whose width 1152 the projector maps onto). Tab-separated sections on stdout.
# Usage: ops/bench/image-bench.sh [LAYERS] [THREADS] [RUNS]     (defaults: 2 layers, 2 threads, 3 runs)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
LAYERS="${1:-2}"
THREADS="${2:-2}"
RUNS="${3:-3}"
cd "$ROOT"
./gemma-fleet setup >/dev/null 2>&1 || ./gemma-fleet setup
mkdir -p build/models
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $THREADS threads"
GEMMA_FLEET_JAVA_OPTS="-Xmx12g" ./gemma-fleet image-bench --models-dir build/models --text-shape 1b \
  --text-dtype q4_0 --vision-shape siglip --vision-layers "$LAYERS" --batch 1,8 --warmup 1 --runs "$RUNS" \
  --threads "$THREADS"
