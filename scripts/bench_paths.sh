#!/usr/bin/env bash
# Forward latency along every path this project offers, on this machine, one run:
#   timm eager | timm -> torch.onnx -> ONNX Runtime | attnzoo on DJL's PyTorch engine |
#   attnzoo's ONNX export -> ONNX Runtime, float32 and dynamic int8
#     scripts/bench_paths.sh PYTHON [VARIANT ...]
#   PYTHON: a Python with timm, torch and onnxruntime. BATCHES (default 1,8), PASSES (2), ITERS
#   (15), WARMUP (3), THREADS (2), OUT (results/bench-<date>).
# "Interleaved": timm, torch.onnx and the two ONNX files run in one Python process, every round
# calling each once in a random order (ORT threads not spinning); the PyTorch engine runs in a JVM. The two processes take
# turns, PASSES times (Python pass, Java pass, Python pass, ...), and each table cell is the median
# over its passes of the per-pass median. The load average is recorded before and after every pass
# (load.txt, and per row in paths.csv). Writes OUT/paths.csv, OUT/paths.md, OUT/paths.png.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${1:?usage: scripts/bench_paths.sh PYTHON [VARIANT ...]}"; shift
VARIANTS=("$@"); [ ${#VARIANTS[@]} -gt 0 ] || VARIANTS=(vit_tiny_patch16_224 edgenext_xx_small efficientvit_b0)
BATCHES="${BATCHES:-1,8}"; PASSES="${PASSES:-2}"; ITERS="${ITERS:-15}"; WARMUP="${WARMUP:-3}"
THREADS="${THREADS:-2}"
OUT="${OUT:-$ROOT/results/bench-$(date +%Y%m%d)}"
# libtorch 2.7.1's oneDNN AVX-512 float32 convolutions are wrong on AMD Zen 5: keep them on AVX2
# (both PyTorch sides, as scripts/bench_latency.sh).
export DNNL_MAX_CPU_ISA="${DNNL_MAX_CPU_ISA:-AVX2}"
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-33554432}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-1073741824}"
export DJL_OFFLINE="${DJL_OFFLINE:-true}"
LIB="$ROOT/bench/target/lib"
[ -d "$LIB" ] && [ -d "$ROOT/bench/target/classes" ] || (cd "$ROOT" && mvn -B -q -ntp -DskipTests package)
JAVA=(java -Xmx6g -Djava.awt.headless=true -Dai.djl.pytorch.num_threads="$THREADS"
  -Dai.djl.pytorch.num_interop_threads=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=error
  -cp "$ROOT/bench/target/classes:$LIB/*")
mkdir -p "$OUT"; WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
JOBS=(); for v in "${VARIANTS[@]}"; do for b in ${BATCHES//,/ }; do JOBS+=("$v:$b"); done; done
load() { cut -d' ' -f1 /proc/loadavg; }
{ echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "start: $(uptime)"; } > "$OUT/load.txt"
"${JAVA[@]}" org.attnzoo.bench.PathsExport "$WORK" "${VARIANTS[@]}" >&2
echo "side,variant,batch,pass,median_ms,p10_ms,p90_ms,load1_before,load1_after" > "$OUT/paths.csv"
for pass in $(seq 1 "$PASSES"); do
  before=$(load)
  "$PY" "$ROOT/scripts/bench_paths.py" time --dir "$WORK" --threads "$THREADS" --iters "$ITERS" \
    --warmup "$WARMUP" "${JOBS[@]}" 2>/dev/null > "$WORK/py.txt"
  after=$(load); echo "pass $pass python: $before -> $after" >> "$OUT/load.txt"
  grep '^check,' "$WORK/py.txt" >> "$OUT/load.txt" || true
  grep -v '^check,' "$WORK/py.txt" | awk -F, -v p="$pass" -v b="$before" -v a="$after" \
    'BEGIN{OFS=","} {print $1,$2,$3,p,$4,$5,$6,b,a}' >> "$OUT/paths.csv"
  before=$(load)
  "${JAVA[@]}" org.attnzoo.bench.LatencyBenchmark --iters "$ITERS" --warmup "$WARMUP" "${JOBS[@]}" \
    2>/dev/null > "$WORK/java.txt"
  after=$(load); echo "pass $pass java: $before -> $after" >> "$OUT/load.txt"
  awk -F, -v p="$pass" -v b="$before" -v a="$after" \
    'BEGIN{OFS=","} {print "attnzoo_pytorch",$1,$2,p,$3,$4,$5,b,a}' "$WORK/java.txt" >> "$OUT/paths.csv"
done
echo "end: $(uptime)" >> "$OUT/load.txt"
"$PY" "$ROOT/scripts/bench_paths.py" summarize "$OUT/paths.csv" "$OUT/paths.md"
"${JAVA[@]}" org.attnzoo.bench.PathsPlot "$OUT/paths.csv" "$OUT/paths.png"
cat "$OUT/load.txt"
echo "wrote $OUT/paths.csv, paths.md, paths.png, load.txt"
