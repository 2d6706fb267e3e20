#!/usr/bin/env bash
# Side-by-side speed of the gemma-fleet CPU runtime and llama.cpp's llama-bench on the same GGUF files, the same
# thread count, back to back and interleaved (these VMs drift ±20-30% within minutes), reporting medians and ratios.
# Usage: ops/bench/runtime-bench.sh [ROUNDS] [THREADS]     (defaults: 3 rounds, 2 threads)
# Writes 1B-shaped random-weight models (Q4_0, Q4_K_M, BF16) under build/models first if they are missing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
ROUNDS="${1:-3}"
THREADS="${2:-2}"
PROMPT=64
GEN=32
cd "$ROOT"
./gemma-fleet setup >/dev/null 2>&1 || ./gemma-fleet setup
LLAMA_BENCH="$(ops/bench/build-llama-bench.sh)"
OUT="build/bench"
mkdir -p build/models "$OUT"
for dtype in q4_0 q4_k_m bf16; do
  model="build/models/1b-$dtype.gguf"
  [[ -f "$model" ]] || ./gemma-fleet make-test-model --out "$model" --format gguf --shape 1b --dtype "$dtype" --seed 1 >&2
done
: > "$OUT/raw.tsv"
for round in $(seq 1 "$ROUNDS"); do
  for dtype in q4_0 q4_k_m bf16; do
    model="build/models/1b-$dtype.gguf"
    # llama.cpp: pp = prefill of PROMPT tokens, tg = GEN decode tokens, batch 1 (llama-bench has no multi-sequence decode).
    "$LLAMA_BENCH" -m "$model" -t "$THREADS" -p "$PROMPT" -n "$GEN" -r 1 -fa 0 -o jsonl 2>/dev/null \
      | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    kind = "prefill" if r["n_prompt"] > 0 else "decode"
    print("\t".join(["llama.cpp", sys.argv[1], "1", kind, "%.2f" % r["avg_ts"]]))' "$dtype" >> "$OUT/raw.tsv"
    GEMMA_FLEET_JAVA_OPTS="-Xmx4g" ./gemma-fleet bench --model "$model" --batch 1,8 --prompt-tokens "$PROMPT" \
      --gen-tokens "$GEN" --threads "$THREADS" --repetitions 1 2>/dev/null \
      | awk -v d="$dtype" 'NR>1 { print "gemma-fleet\t" d "\t" $1 "\tprefill\t" $2; print "gemma-fleet\t" d "\t" $1 "\tdecode\t" $3 }' >> "$OUT/raw.tsv"
  done
done
python3 - "$OUT/raw.tsv" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    who, dtype, batch, kind, value = line.split("\t")
    rows[(who, dtype, int(batch), kind)].append(float(value))
med = {k: statistics.median(v) for k, v in rows.items()}
print("| model | phase | batch | gemma-fleet tok/s | llama.cpp tok/s | ratio |")
print("|---|---|---|---|---|---|")
for dtype in ("q4_0", "q4_k_m", "bf16"):
    for kind in ("prefill", "decode"):
        for batch in (1, 8):
            ours = med.get(("gemma-fleet", dtype, batch, kind))
            ref = med.get(("llama.cpp", dtype, 1, kind)) if batch == 1 else None
            ratio = "%.2f" % (ours / ref) if ours and ref else "—"
            print("| 1B %s | %s | %d | %s | %s | %s |" % (dtype.upper(), kind, batch,
                  "%.2f" % ours if ours else "—", "%.2f" % ref if ref else "—", ratio))
    b1 = med.get(("gemma-fleet", dtype, 1, "decode")); b8 = med.get(("gemma-fleet", dtype, 8, "decode"))
    if b1 and b8:
        print("| 1B %s | decode, batch 8 aggregate ÷ batch 1 | | %.2f× | | |" % (dtype.upper(), b8 / b1))
PY
