#!/usr/bin/env bash
# Gateway load harness on loopback: starts `gemma-fleet dev` (in-process Kafka, gateway, one worker on the tiny
# random model), runs GatewayLoad against it, then stops it. Not a test: numbers depend on the machine.
#   ops/load/gateway-load.sh [sequentialJobs=50] [burstJobs=2000] [clients=16]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${GEMMA_LOAD_PORT:-18099}"
"$ROOT/gemma-fleet" setup >/dev/null
"$ROOT/gemma-fleet" dev --port "$PORT" > "${TMPDIR:-/tmp}/gemma-fleet-load-dev.log" 2>&1 &
DEV=$!
trap 'kill -TERM $DEV 2>/dev/null; wait $DEV 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "http://localhost:$PORT/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
JAVA="$(ls -d /usr/lib/jvm/temurin-25* | head -1)/bin/java"
CP="$ROOT/ops/launcher/target/classes:$(cat "$ROOT/ops/launcher/target/runtime.classpath")"
"$JAVA" -cp "$CP" "$ROOT/ops/load/GatewayLoad.java" "http://localhost:$PORT" "${1:-50}" "${2:-2000}" "${3:-16}"
