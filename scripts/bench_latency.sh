#!/usr/bin/env bash
# attnzoo (DJL PyTorch engine) vs timm eager: forward latency on this machine, same run, 2 threads.
#   scripts/bench_latency.sh [PYTHON] [VARIANT:BATCH ...]
# Writes results/latency-<date>.csv (side,variant,batch,median_ms,p10_ms,p90_ms) and prints the
# attnzoo/timm ratio of medians (< 1: attnzoo is faster). Also checks memory stays flat over 1,000
# scoped calls of the first job.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${1:-${PYTHON:-python3}}"; shift || true
JOBS=("$@"); [ ${#JOBS[@]} -gt 0 ] || JOBS=(vit_tiny_patch16_224:1 vit_tiny_patch16_224:8 vit_small_patch16_224:1 vit_small_patch16_224:8)
THREADS="${THREADS:-2}"
# libtorch 2.7.1's oneDNN AVX-512 float32 convolutions are wrong on AMD Zen 5: keep them on AVX2.
export DNNL_MAX_CPU_ISA="${DNNL_MAX_CPU_ISA:-AVX2}"
# As scripts/attnzoo: keep large tensor buffers in the heap (glibc mmaps each one by default).
# Exported for both sides; set MALLOC_DEFAULTS=1 to measure glibc's defaults instead.
if [ "${MALLOC_DEFAULTS:-0}" != 1 ]; then
  export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-33554432}"
  export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-1073741824}"
fi
mkdir -p "$ROOT/results"; CSV="$ROOT/results/latency-$(date +%Y%m%d-%H%M).csv"
[ -d "$ROOT/bench/target/lib" ] || (cd "$ROOT" && mvn -B -q -ntp -DskipTests package)
java -Xmx8g -Dai.djl.pytorch.num_threads="$THREADS" -Dai.djl.pytorch.num_interop_threads=1 \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp "$ROOT/bench/target/classes:$ROOT/bench/target/lib/*" \
  org.attnzoo.bench.LatencyBenchmark --memory-calls "${MEMORY_CALLS:-1000}" "${JOBS[@]}" 2>/dev/null | sed 's/^/attnzoo,/' > "$CSV.java"
"$PY" "$ROOT/scripts/bench_timm.py" --threads "$THREADS" "${JOBS[@]}" | sed 's/^/timm,/' > "$CSV.timm"
echo "side,variant,batch,median_ms,p10_ms,p90_ms" > "$CSV"
grep -v '^attnzoo,memory' "$CSV.java" >> "$CSV"; cat "$CSV.timm" >> "$CSV"
grep '^attnzoo,memory' "$CSV.java" | awk -F, '{printf "memory over %d scoped calls of %s: RSS %.1f MB -> %.1f MB\n", $4, $3, $5, $6}'
rm -f "$CSV.java" "$CSV.timm"
awk -F, 'NR>1 {k=$2","$3; if ($1=="attnzoo") a[k]=$4; else t[k]=$4; order[k]=1}
  END {printf "%-28s %5s %12s %12s %8s\n", "variant", "batch", "attnzoo ms", "timm ms", "ratio";
       for (k in order) {split(k, p, ","); printf "%-28s %5s %12.2f %12.2f %8.2f\n", p[1], p[2], a[k], t[k], a[k]/t[k]}}' "$CSV" | sort
echo "wrote $CSV"
