#!/usr/bin/env bash
# The engine's benchmark on a 1B-shaped random-weight model (Q4_0 by default): generated tokens/s at several
# concurrencies against the same requests one at a time, time to first token of short requests while a long prompt
# is prefilled, and the KV cache a sequence holds against a full cache; then the same throughput shape through
# llama.cpp's llama-batched-bench on the same file and thread count (the peer's own scaling with concurrency, and
# ours against it). Tab-separated sections on stdout.
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
# The peer: llama-batched-bench decodes B independent sequences (each its own 32-token prompt, not shared) in one
# batch per step, llama.cpp's form of the same workload. Generated tokens/s over the whole run, prefill included,
# as ours: B * TG / T.
BATCHED="$(dirname "$(ops/bench/build-llama-bench.sh)")/llama-batched-bench"
echo "# llama.cpp llama-batched-bench, same model and threads: generated tokens/s, prefill included (B*TG/T)"
echo -e "concurrency\tllama_cpp_tok_s\tllama_cpp_decode_only_tok_s\tratio_to_its_b1"
"$BATCHED" -m "$model" -t "$THREADS" -c 8192 -b 2048 -ub 512 -npp 32 -ntg 32 -npl 1,4,16,64 -fa off \
    --output-format jsonl 2>/dev/null | python3 -c '
import json, sys
base = None
for line in sys.stdin:
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    tok_s = r["pl"] * r["tg"] / r["t"]
    base = base or tok_s
    print("%d\t%.2f\t%.2f\t%.2f" % (r["pl"], tok_s, r["speed_tg"], tok_s / base))'
