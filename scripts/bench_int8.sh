#!/usr/bin/env bash
# Float32 vs dynamic int8 (attnzoo export --quantize int8) for every shipped Fashion-MNIST model on
# ONNX Runtime: test-set accuracy, top-1 agreement, file size, latency (load average per row).
#   scripts/bench_int8.sh [OUT_DIR] [--limit N] [--iters N]
# Writes OUT_DIR/int8.csv (default results/bench-<date>) and OUT_DIR/int8-load.txt.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/results/bench-$(date +%Y%m%d)}"; shift || true
LIB="$ROOT/bench/target/lib"
[ -d "$LIB" ] && [ -d "$ROOT/bench/target/classes" ] || (cd "$ROOT" && mvn -B -q -ntp -DskipTests package)
export DJL_OFFLINE="${DJL_OFFLINE:-true}"
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-33554432}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-1073741824}"
mkdir -p "$OUT"; uptime > "$OUT/int8-load.txt"
java -Xmx4g -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp "$ROOT/bench/target/classes:$LIB/*" \
  org.attnzoo.bench.Int8Benchmark "$OUT" "$@"
uptime >> "$OUT/int8-load.txt"
