#!/usr/bin/env bash
# The engine's benchmark on a 1B-shaped random-weight model (Q4_0 by default): generated tokens/s at several
# concurrencies against the same requests one at a time, time to first token of short requests while a long prompt
# is prefilled, and the KV cache a sequence holds against a full cache. Tab-separated sections on stdout.
# Usage: ops/bench/engine-bench.sh [DTYPE] [THREADS]     (defaults: q4_0, 2 threads)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DTYPE="${1:-q4_0}"
THREADS="${2:-2}"
cd "$ROOT"
./gemma-fleet setup >/dev/null 2>&1 || ./gemma-fleet setup
mkdir -p build/models
model="build/models/1b-$DTYPE.gguf"
[[ -f "$model" ]] || ./gemma-fleet make-test-model --out "$model" --format gguf --shape 1b --dtype "$DTYPE" --seed 1 >&2
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), model $model, $THREADS threads"
GEMMA_FLEET_JAVA_OPTS="-Xmx8g" ./gemma-fleet engine-bench --model "$model" --backend cpu --threads "$THREADS" \
  --concurrency 1,4,16,64 --prompt-tokens 32 --gen-tokens 32 --long-prompt 2048 --short-requests 16
