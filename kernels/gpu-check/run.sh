#!/usr/bin/env bash
# The GPU check. Run it ON the GPU machine, from the repo root, after make-kit.sh built .gpukit/ here:
#   bash kernels/gpu-check/run.sh
# Needs: .gpukit/ (jre, lib, tokenizer), python3 with torch + transformers + safetensors, nvidia-smi. No Java, no
# network. Unpacks the kit to $GPUKIT_WORK, writes random test models to $GPUKIT_MODELS, then runs, each under its
# own timeout and all under one overall budget (a failing or hanging step never stops the ones after it):
#   GpuCheck kernels                          our CUDA kernels vs the CPU backend
#   GpuCheck parity --model M ...             greedy tokens, CPU backend vs CUDA backend (tiny, 1b bf16, 1b/4b q4_0)
#   hf_reference.py greedy (1b bf16)          the same greedy tokens from Hugging Face transformers (fp32, eager)
#   GpuCheck bench --model M ...              our CUDA decode speed (1b/4b, q4_0 and bf16)
#   hf_reference.py bench (1b bf16)           transformers' decode speed on the same card, + its copy bandwidth
#   WorkerTools engine-bench (1b bf16)        the engine (continuous batching) on CUDA: tok/s vs concurrency, TTFT
# and ends with a SUMMARY table. Results (JSON, per-step logs, the full log) go to $GPUKIT_RESULTS and, when $OUT is
# set, to $OUT as: summary.txt, run.log, results.json (every JSON merged), results.tar.gz (everything).
#
# Knobs (environment), defaults in brackets:
#   GPUKIT_BUDGET_S [440]   overall wall-time budget; each step's timeout is cut to what is left
#   GPUKIT_KIT [.gpukit]  GPUKIT_WORK [/tmp/gpukit]  GPUKIT_MODELS [/tmp/models]  GPUKIT_RESULTS [$GPUKIT_WORK/results]
#   GPUKIT_MAKE ["tiny-bf16 1b-bf16 1b-q4_0 4b-q4_0 4b-bf16"]  which test models to write (see MODEL_SPEC below)
#   GPUKIT_ONLY_MODELS=1    stop after writing the models (a CPU-only machine stops there anyway)
#   GPUKIT_PROMPT [2,818,5279,...]  prompt token ids for parity   GPUKIT_STEPS [32]   GPUKIT_BATCHES [1,8,32,64]
#   GPUKIT_JVM_FLAGS        replaces the JVM flags below;  GPUKIT_XMX [32g]
#   GPUKIT_HF_DEVICE [cuda] torch device for hf_reference.py (cpu: only to test this script without a GPU)
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT" || exit 1
T0=$SECONDS
BUDGET="${GPUKIT_BUDGET_S:-440}"
RESERVE=15                       # kept back for the summary and copying results out
KIT="${GPUKIT_KIT:-$ROOT/.gpukit}"
WORK="${GPUKIT_WORK:-/tmp/gpukit}"
MODELS="${GPUKIT_MODELS:-/tmp/models}"
RES="${GPUKIT_RESULTS:-$WORK/results}"
MAKE="${GPUKIT_MAKE:-tiny-bf16 1b-bf16 1b-q4_0 4b-q4_0 4b-bf16}"
# The default prompt: no near-ties in tiny-bf16's 32 greedy steps (smallest top-2 margin 0.49 nats); the tokens
# expected from it are in expected-greedy.json.
PROMPT="${GPUKIT_PROMPT:-2,818,5279,529,7001,563,496,4914,236764,672,1217}"
STEPS="${GPUKIT_STEPS:-32}"
BATCHES="${GPUKIT_BATCHES:-1,8,32,64}"
GPUCHECK_MAIN=io.gemmafleet.kernels.check.GpuCheck
MAKE_MAIN=io.gemmafleet.gpukit.MakeTestModels

mkdir -p "$WORK" "$MODELS" "$RES/logs" "$RES/json" "$RES/status"
LOG="$RES/run.log"
: > "$LOG"
: > "$RES/steps.tsv"

# ---- helpers ----------------------------------------------------------------------------------------------------
elapsed() { echo $((SECONDS - T0)); }
left() { echo $((BUDGET - RESERVE - (SECONDS - T0))); }
say() { printf '[gpu-check %4ss] %s\n' "$(elapsed)" "$*" | tee -a "$LOG"; }

export_out() { # copy what we have so far to $OUT, so a run killed from outside still returns its results
  [[ -n "${OUT:-}" ]] || return 0
  mkdir -p "$OUT" 2>/dev/null || return 0
  tail -c 15000000 "$LOG" > "$OUT/run.log" 2>/dev/null   # the device tool returns files up to 16 MiB
  [[ -f "$RES/summary.txt" ]] && cp -f "$RES/summary.txt" "$OUT/summary.txt"
  [[ -f "$RES/results.json" ]] && cp -f "$RES/results.json" "$OUT/results.json"
  tar -C "$RES" -czf "$OUT/results.tar.gz.part" . 2>/dev/null && mv -f "$OUT/results.tar.gz.part" "$OUT/results.tar.gz"
  return 0
}

record() { # record NAME RC SECONDS NOTE
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$RES/steps.tsv"
}

# step NAME TIMEOUT_S CMD...: runs CMD (a program, not a shell function) with stdout+stderr to logs/NAME.log
# (appended to run.log afterwards), under min(TIMEOUT_S, budget left); rc 124 = timed out. Never aborts the script.
step() {
  local name="$1" want="$2"; shift 2
  if [[ " ${GPUKIT_SKIP:-} " == *" $name "* ]]; then skip "$name" "GPUKIT_SKIP"; return 0; fi
  local budget_left; budget_left=$(left)
  if (( budget_left < 10 )); then
    say "SKIP $name: overall budget spent"
    record "$name" skip 0 "budget spent"
    return 0
  fi
  local t=$(( want < budget_left ? want : budget_left ))
  local steplog="$RES/logs/$name.log"
  local shown="$*"
  shown="${shown/"$JAVA ${JVM_FLAGS[*]} -cp $CP "/java }"
  shown="${shown/"python3 $HERE/"/python3 }"
  say "RUN  $name (timeout ${t}s): $shown"
  local s0=$SECONDS rc
  timeout --kill-after=10 "$t" "$@" > "$steplog" 2>&1
  rc=$?
  local dt=$((SECONDS - s0)) note=ok
  if (( rc == 124 || rc == 137 )); then note="TIMEOUT after ${t}s"; elif (( rc != 0 )); then note="FAILED rc=$rc"; fi
  say "DONE $name: $note in ${dt}s"
  if (( rc != 0 )); then grep -v 'Using incubator modules' "$steplog" | tail -n 15 | sed 's/^/    | /' | tee -a "$LOG"; fi
  { echo "----- $name: $* (rc=$rc, ${dt}s) -----"; cat "$steplog"; echo "----- end $name -----"; } >> "$LOG"
  record "$name" "$rc" "$dt" "$note"
  export_out
  return 0
}

skip() { say "SKIP $1: $2"; record "$1" skip 0 "$2"; }

# ---- 0. machine --------------------------------------------------------------------------------------------------
say "gemma-fleet GPU check; repo $ROOT; budget ${BUDGET}s; commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
GPU=0
if command -v nvidia-smi >/dev/null 2>&1; then
  GPU=1
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit --format=csv,noheader \
    2>&1 | sed 's/^/  gpu: /' | tee -a "$LOG"
  nvidia-smi 2>&1 | grep -m1 'CUDA Version' | sed 's/^ *|* */  /; s/ *|* *$//' | tee -a "$LOG"
else
  say "nvidia-smi not found: no GPU here; GPU steps (kernels, parity, HF reference, bench) will be skipped"
fi
say "cpu: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//'), $(free -g 2>/dev/null | awk '/Mem:/ {print $2 " GiB"}')"
PY=0
if command -v python3 >/dev/null 2>&1; then
  python3 - > "$RES/logs/python.log" 2>&1 <<'EOF'
import sys
print("python", sys.version.split()[0])
ok = True
for m in ("torch", "transformers", "safetensors"):
    try:
        mod = __import__(m)
        extra = ""
        if m == "torch":
            extra = f" (cuda {mod.version.cuda}, available={mod.cuda.is_available()})"
        print(f"{m} {mod.__version__}{extra}")
    except Exception as e:
        ok = False
        print(f"{m}: NOT AVAILABLE ({type(e).__name__}: {e})")
sys.exit(0 if ok else 1)
EOF
  (( $? == 0 )) && PY=1
  sed 's/^/  /' "$RES/logs/python.log" | tee -a "$LOG"
else
  say "python3 not found"
fi
[[ $PY == 1 ]] || say "torch/transformers/safetensors not importable: HF reference steps will be skipped"

# ---- 1. unpack the kit -------------------------------------------------------------------------------------------
unpack() {
  local s0=$SECONDS
  [[ -d "$KIT" ]] || { echo "no kit at $KIT: run bash kernels/gpu-check/make-kit.sh first (and carry .gpukit)"; return 1; }
  [[ -f "$KIT/MANIFEST.txt" ]] && sed 's/^/  /' "$KIT/MANIFEST.txt" | head -8
  rm -rf "$WORK/jre" "$WORK/lib" "$WORK/tokenizer"
  local pids=() f
  for f in jre lib tokenizer; do
    if [[ -f "$KIT/$f.tar.xz" ]]; then
      tar -C "$WORK" -xJf "$KIT/$f.tar.xz" & pids+=($!)
    elif [[ -d "$KIT/$f" ]]; then
      ln -sfn "$KIT/$f" "$WORK/$f"
    else
      echo "kit lacks $f.tar.xz"; return 1
    fi
  done
  local rc=0 p
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  echo "unpacked in $((SECONDS - s0))s: $(du -shL "$WORK/jre" "$WORK/lib" "$WORK/tokenizer" 2>/dev/null | awk '{print $2 "=" $1}' | tr '\n' ' ')"
  "$WORK/jre/bin/java" -version 2>&1 || rc=1
  return $rc
}
JAVA="$WORK/jre/bin/java"
CP="$WORK/lib/*"
JVM_FLAGS=()
say "RUN  unpack: $KIT -> $WORK"
U0=$SECONDS
unpack > "$RES/logs/unpack.log" 2>&1
URC=$?
{ echo "----- unpack (rc=$URC) -----"; cat "$RES/logs/unpack.log"; echo "----- end unpack -----"; } >> "$LOG"
grep -E 'unpacked|version "|kernels jar|GpuCheck class|built|no kit|lacks' "$RES/logs/unpack.log" | sed 's/^ */  /'
say "DONE unpack: $( ((URC == 0)) && echo ok || echo "FAILED rc=$URC") in $((SECONDS - U0))s"
record unpack "$URC" $((SECONDS - U0)) "$( ((URC == 0)) && echo ok || echo FAILED)"
export GEMMA_FLEET_TOKENIZER_DIR="$WORK/tokenizer"
if [[ -n "${GPUKIT_JVM_FLAGS:-}" ]]; then
  read -r -a JVM_FLAGS <<<"$GPUKIT_JVM_FLAGS"
else
  JVM_FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
             --sun-misc-unsafe-memory-access=allow -XX:+UseParallelGC "-Xmx${GPUKIT_XMX:-32g}")
fi
JAVA_OK=0
[[ -x "$JAVA" ]] && "$JAVA" -version >/dev/null 2>&1 && JAVA_OK=1
HAVE_GPUCHECK=0
if [[ $JAVA_OK == 1 ]] && grep -q -a -F "${GPUCHECK_MAIN//.//}.class" "$WORK"/lib/*.jar 2>/dev/null; then HAVE_GPUCHECK=1; fi
[[ $JAVA_OK == 1 ]] || say "no working Java from the kit: Java steps will be skipped"
KIT_COMMIT="$(sed -n 's/^built: .* from commit \([0-9a-f]*\).*/\1/p' "$KIT/MANIFEST.txt" 2>/dev/null)"
HEAD_COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"
if [[ -n "$KIT_COMMIT" && -n "$HEAD_COMMIT" && "$KIT_COMMIT" != "$HEAD_COMMIT" ]]; then
  say "WARNING: the kit was built from commit $KIT_COMMIT, this tree is at $HEAD_COMMIT: rebuild it if Java code changed"
fi
[[ $HAVE_GPUCHECK == 1 || $JAVA_OK == 0 ]] || say "no $GPUCHECK_MAIN in the kit's jars (kernels jar missing or older): GpuCheck steps will be skipped"

# ---- 2. test models (background; each step waits for the model it needs) ------------------------------------------
# name -> make-test-model arguments. The same seed across formats gives the same weights (up to quantization).
declare -A MODEL_SPEC=(
  [tiny-bf16]="--out $MODELS/tiny-bf16 --format safetensors --shape tiny --dtype bf16 --seed 1"
  [1b-bf16]="--out $MODELS/1b-bf16 --format safetensors --shape 1b --dtype bf16 --seed 1"
  [1b-q4_0]="--out $MODELS/1b-q4_0.gguf --format gguf --shape 1b --dtype q4_0 --seed 1"
  [4b-q4_0]="--out $MODELS/4b-q4_0.gguf --format gguf --shape 4b --dtype q4_0 --seed 1"
  [4b-bf16]="--out $MODELS/4b-bf16 --format safetensors --shape 4b --dtype bf16 --seed 1"
)
declare -A MODEL_PATH=(
  [tiny-bf16]="$MODELS/tiny-bf16" [1b-bf16]="$MODELS/1b-bf16" [1b-q4_0]="$MODELS/1b-q4_0.gguf"
  [4b-q4_0]="$MODELS/4b-q4_0.gguf" [4b-bf16]="$MODELS/4b-bf16"
)
# Single-threaded writers, one JVM each, all at once. Measured on a 2-core EPYC (make-kit's machine): tiny <1 s,
# 1b bf16 17 s, 1b q4_0 17 s, 4b bf16 60 s alone (4b is ~3.9x the 1b work); all five at once there: 96 s.
declare -A MODEL_TIMEOUT=([tiny-bf16]=60 [1b-bf16]=150 [1b-q4_0]=150 [4b-q4_0]=240 [4b-bf16]=240)
start_models() {
  local name
  for name in $MAKE; do
    if [[ -z "${MODEL_SPEC[$name]:-}" ]]; then say "unknown model '$name' in GPUKIT_MAKE (known: ${!MODEL_SPEC[*]})"; continue; fi
    rm -rf "${MODEL_PATH[$name]}" "$RES/status/make-$name.rc"
    local t=${MODEL_TIMEOUT[$name]} bl; bl=$(left)
    (( t > bl )) && t=$bl
    (( t < 5 )) && { skip "make-$name" "budget spent"; continue; }
    (
      s0=$SECONDS
      timeout --kill-after=10 "$t" "$JAVA" "${JVM_FLAGS[@]/-Xmx*/-Xmx6g}" -cp "$CP" "$MAKE_MAIN" "${MODEL_SPEC[$name]}" \
        > "$RES/logs/make-$name.log" 2>&1 &
      echo $! > "$RES/status/make-$name.pid"
      wait $!
      rc=$?
      echo "$rc $((SECONDS - s0))" > "$RES/status/make-$name.rc"
    ) &
  done
}
# wait_model NAME: 0 when the model was written; waits at most what the budget leaves
wait_model() {
  local name="$1" f="$RES/status/make-$1.rc"
  [[ -n "${MODEL_SPEC[$name]:-}" && " $MAKE " == *" $name "* ]] || return 1
  while [[ ! -f "$f" ]] && (( $(left) > 5 )); do sleep 1; done
  [[ -f "$f" ]] || return 1
  local rc dt; read -r rc dt < "$f"
  if [[ -z "${MODEL_DONE[$name]:-}" ]]; then
    MODEL_DONE[$name]=1
    local note=ok
    (( rc == 124 || rc == 137 )) && note="TIMEOUT"
    (( rc != 0 && rc != 124 && rc != 137 )) && note="FAILED rc=$rc"
    say "model $name: $note in ${dt}s $( [[ $rc == 0 ]] && grep -m1 -o 'size [0-9,]* bytes ([0-9.]* MiB)' "$RES/logs/make-$name.log")"
    (( rc != 0 )) && grep -v 'Using incubator modules' "$RES/logs/make-$name.log" | tail -n 10 | sed 's/^/    | /' | tee -a "$LOG"
    { echo "----- make-$name (rc=$rc, ${dt}s) -----"; cat "$RES/logs/make-$name.log"; echo "----- end make-$name -----"; } >> "$LOG"
    record "make-$name" "$rc" "$dt" "$note"
  fi
  return "$rc"
}
declare -A MODEL_DONE=()

if [[ $JAVA_OK == 1 ]]; then
  say "writing test models in the background: $MAKE"
  start_models
fi

if [[ $JAVA_OK == 0 || "${GPUKIT_ONLY_MODELS:-0}" == 1 || $GPU == 0 ]]; then
  if [[ $JAVA_OK == 1 ]]; then
    for name in $MAKE; do wait_model "$name"; done
  fi
  [[ $GPU == 0 ]] && say "no GPU: stopping after the test models (kernels, parity, HF reference and bench need one)"
else
  # ---- 3. checks, most important first (the budget may not reach the end) ------------------------------------
  GPUCHECK=("$JAVA" "${JVM_FLAGS[@]}" -cp "$CP" "$GPUCHECK_MAIN")
  HF_DEVICE="${GPUKIT_HF_DEVICE:-cuda}"

  parity() { # parity MODEL TIMEOUT
    if [[ $HAVE_GPUCHECK != 1 ]]; then skip "parity-$1" "no GpuCheck"; return; fi
    if ! wait_model "$1"; then skip "parity-$1" "model $1 not written"; return; fi
    step "parity-$1" "$2" "${GPUCHECK[@]}" parity --model "${MODEL_PATH[$1]}" --prompt "$PROMPT" --steps "$STEPS" \
      --json "$RES/json/parity-$1.json"
  }
  bench() { # bench MODEL TIMEOUT [GRAPHS: on|off|both]
    if [[ $HAVE_GPUCHECK != 1 ]]; then skip "bench-$1" "no GpuCheck"; return; fi
    if ! wait_model "$1"; then skip "bench-$1" "model $1 not written"; return; fi
    step "bench-$1" "$2" "${GPUCHECK[@]}" bench --model "${MODEL_PATH[$1]}" --batches "$BATCHES" --steps "$STEPS" \
      --graphs "${3:-both}" --json "$RES/json/bench-$1.json"
  }
  profile() { # profile MODEL TIMEOUT: device time per kernel in a decode step
    if [[ $HAVE_GPUCHECK != 1 ]]; then skip "profile-$1" "no GpuCheck"; return; fi
    if ! wait_model "$1"; then skip "profile-$1" "model $1 not written"; return; fi
    step "profile-$1" "$2" "${GPUCHECK[@]}" profile --model "${MODEL_PATH[$1]}" --batches 1,8,64 \
      --json "$RES/json/profile-$1.json"
  }

  if [[ $HAVE_GPUCHECK == 1 ]]; then
    step kernels 90 "${GPUCHECK[@]}" kernels --json "$RES/json/kernels.json"
    # The old-driver path: the same checks with every module compiled by the bundled PTX compiler.
    step kernels-jit 90 "$JAVA" "${JVM_FLAGS[@]}" -Dgemmafleet.cuda.jit=always -cp "$CP" "$GPUCHECK_MAIN" kernels \
      --json "$RES/json/kernels-jit.json"
    step oom 30 "${GPUCHECK[@]}" oom --json "$RES/json/oom.json"
  else
    skip kernels "no GpuCheck"
  fi
  parity tiny-bf16 60
  # The worker's own CLI on the GPU: backend chosen by --backend auto, greedy and sampled generation.
  if wait_model tiny-bf16; then
    step generate-cuda 60 "$JAVA" "${JVM_FLAGS[@]}" -cp "$CP" io.gemmafleet.gpukit.WorkerTools generate \
      --model "${MODEL_PATH[tiny-bf16]}" --prompt-ids "$PROMPT" --max-tokens 16 --temperature 0.8 --seed 3 \
      --backend auto --json
  fi
  parity 1b-bf16 120
  if [[ $PY == 1 ]] && wait_model 1b-bf16; then
    step hf-greedy-1b-bf16 150 python3 "$HERE/hf_reference.py" greedy --device "$HF_DEVICE" --model "${MODEL_PATH[1b-bf16]}" --prompt "$PROMPT" --steps "$STEPS" \
      --json "$RES/json/hf-greedy-1b-bf16.json"
  else
    skip hf-greedy-1b-bf16 "no torch/transformers or no 1b-bf16 model"
  fi
  parity 1b-q4_0 120
  # Benchmarks on a quiet host: wait (within the budget) for the model writers still running.
  for name in $MAKE; do wait_model "$name"; done
  profile 1b-bf16 60
  profile 1b-q4_0 60
  bench 1b-bf16 120
  if [[ $PY == 1 ]] && wait_model 1b-bf16; then
    step hf-bench-1b-bf16 180 python3 "$HERE/hf_reference.py" bench --device "$HF_DEVICE" --model "${MODEL_PATH[1b-bf16]}" --batches "$BATCHES" --steps "$STEPS" \
      --prompt-len 64 --dtype bfloat16 --json "$RES/json/hf-bench-1b-bf16.json"
  else
    skip hf-bench-1b-bf16 "no torch/transformers or no 1b-bf16 model"
  fi
  bench 1b-q4_0 120
  # The worker's engine on the GPU (continuous batching; the CUDA executor keeps its own cache): generated tokens/s
  # against concurrency, TTFT under a long prefill. Its tables are printed in the SUMMARY.
  if wait_model 1b-bf16; then
    step engine-bench-1b-bf16 150 "$JAVA" "${JVM_FLAGS[@]}" -cp "$CP" io.gemmafleet.gpukit.WorkerTools engine-bench \
      --model "${MODEL_PATH[1b-bf16]}" --backend cuda --concurrency 1,16,64 --prompt-tokens 64 --gen-tokens 64 \
      --long-prompt 2048 --short-requests 16
  fi
  parity 4b-q4_0 150
  bench 4b-q4_0 150 on
  bench 4b-bf16 150 on
fi

# ---- 4. summary --------------------------------------------------------------------------------------------------
for f in "$RES"/status/make-*.pid; do  # model writers still running past the budget
  [[ -f "$f" && ! -f "${f%.pid}.rc" ]] && kill "$(cat "$f")" 2>/dev/null && say "stopped unfinished $(basename "${f%.pid}")"
done
say "total ${SECONDS}s of budget ${BUDGET}s"
if command -v python3 >/dev/null 2>&1; then
  python3 "$HERE/summarize.py" --results "$RES" --models "$MODELS" --prompt "$PROMPT" --steps "$STEPS" \
    --expected "$HERE/expected-greedy.json" > "$RES/summary.txt" 2>&1 \
    || echo "(summarize.py failed; see above)" >> "$RES/summary.txt"
else
  { echo "SUMMARY (no python3: steps only)"; column -t -s $'\t' "$RES/steps.tsv" 2>/dev/null || cat "$RES/steps.tsv"; } > "$RES/summary.txt"
fi
cat "$RES/summary.txt" | tee -a "$LOG"
export_out
[[ -n "${OUT:-}" ]] && say "results in \$OUT: summary.txt run.log results.json results.tar.gz" || say "results in $RES"
exit 0
