#!/usr/bin/env bash
# The measurements behind `--engine auto`, in Java only (no Python, no timm): for each variant, attnzoo
# on DJL's PyTorch engine against attnzoo's ONNX export on DJL's OnnxRuntime engine (the ONNX Runtime
# that `auto` runs), interleaved in one JVM (org.attnzoo.bench.EngineTableBenchmark), then the zoo's
# engine-latency.csv from it (scripts/engine_table.sh).
#   scripts/engine_table_java.sh [VARIANT ...]        (default: every variant of the zoo)
# BATCHES (default 1,8), THREADS (2), WARMUP (2 rounds), MIN_ROUNDS (5), MAX_ROUNDS (30),
# ROW_SECONDS (2: no new round after that once MIN_ROUNDS are done), ORT_SESSION (fair: no spinning,
# THREADS intra-op threads; zoo: AttnZoo.loadOnnxRuntime's defaults), OUT (results/engine-table-<date>),
# TABLE (1: write the zoo resource; 0: only OUT/engine.csv). ESTIMATE=1 prints the expected duration
# and stops. Run it on a quiet machine: the load average is recorded per row and in OUT/load.txt.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$ROOT/results/engine-table-$(date +%Y%m%d)}"
# libtorch 2.7.1's oneDNN AVX-512 float32 convolutions are wrong on AMD Zen 5: keep them on AVX2
# (as scripts/bench_paths.sh); glibc keeps activation pages between calls (as TosaLatencyBenchmark).
export DNNL_MAX_CPU_ISA="${DNNL_MAX_CPU_ISA:-AVX2}"
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-33554432}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-1073741824}"
export DJL_OFFLINE="${DJL_OFFLINE:-true}"
LIB="$ROOT/bench/target/lib"
[ -d "$LIB" ] && [ -d "$ROOT/bench/target/classes" ] ||
  (cd "$ROOT" && mvn -B -q -ntp -DskipTests -Dspotless.check.skip=true package -pl bench -am)
ARGS=(--batches "${BATCHES:-1,8}" --threads "${THREADS:-2}" --warmup "${WARMUP:-2}"
  --min-rounds "${MIN_ROUNDS:-5}" --max-rounds "${MAX_ROUNDS:-30}" --row-seconds "${ROW_SECONDS:-2}"
  --ort-session "${ORT_SESSION:-fair}")
JAVA=(java -Xmx6g -Djava.awt.headless=true -Dorg.slf4j.simpleLogger.defaultLogLevel=error
  -cp "$ROOT/bench/target/classes:$LIB/*" org.attnzoo.bench.EngineTableBenchmark)
if [ "${ESTIMATE:-0}" = 1 ]; then
  exec "${JAVA[@]}" "${ARGS[@]}" --estimate-only "$@"
fi
mkdir -p "$OUT"
{ echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "start: $(uptime)"; } > "$OUT/load.txt"
"${JAVA[@]}" "${ARGS[@]}" --out "$OUT/engine.csv" "$@"
echo "end: $(uptime)" >> "$OUT/load.txt"
cat "$OUT/load.txt"
if [ "${TABLE:-1}" = 1 ]; then
  "$ROOT/scripts/engine_table.sh" "$OUT/engine.csv"
fi
