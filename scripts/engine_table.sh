#!/usr/bin/env bash
# The measurements behind `--engine auto` (AutoEngine), per variant and batch, written to the zoo's
# engine-latency.csv resource, from either
#  - a scripts/engine_table_java.sh CSV (EngineTableBenchmark: header variant,family,batch,...):
#    its medians of attnzoo on DJL's PyTorch engine and of attnzoo's ONNX export on DJL's
#    OnnxRuntime engine, interleaved in one JVM; or
#  - a scripts/bench_paths.sh CSV (header side,variant,...): the median over passes of the
#    attnzoo_pytorch and attnzoo_ort sides (ONNX Runtime timed from Python there).
#   scripts/engine_table.sh results/engine-table-<date>/engine.csv | results/bench-<date>/paths.csv
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CSV="${1:?usage: scripts/engine_table.sh results/engine-table-<date>/engine.csv | results/bench-<date>/paths.csv}"
# TABLE_OUT: write elsewhere than the zoo resource (to look at the result first). EXCLUDE: a regex
# of variant names to leave out of the resource (they stay on PyTorch under auto).
OUT="${TABLE_OUT:-$ROOT/zoo/src/main/resources/org/attnzoo/zoo/engine-latency.csv}"
SOURCE="$(realpath "$CSV")"; SOURCE="${SOURCE#"$ROOT"/}"
HEADER="$(head -n1 "$CSV")"
mkdir -p "$(dirname "$OUT")"
if [[ "$HEADER" == variant,family,batch,pytorch_ms,onnxruntime_ms,* ]]; then
  SETTINGS="$(grep -m1 '^#' "$CSV" | sed 's/^# *//; s/,/;/g')"
  {
    echo "variant,family,batch,pytorch_ms,onnxruntime_ms,source"
    echo "# medians of interleaved calls in one JVM from $SOURCE ($SETTINGS); made by scripts/engine_table.sh"
    awk -F, -v src="$SOURCE" -v skip="${EXCLUDE:-}" 'NR > 1 && !/^#/ && NF >= 5 &&
      (skip == "" || $1 !~ skip) {
      printf "%s,%s,%s,%.2f,%.2f,%s\n", $1, $2, $3, $4, $5, src
    }' "$CSV" | sort -t, -k1,1 -k3,3n
  } > "$OUT"
  cat "$OUT"
  exit 0
fi
if [[ "$HEADER" != side,variant,batch,* ]]; then
  echo "$CSV: unknown header '$HEADER' (expected an EngineTableBenchmark or a bench_paths CSV)" >&2
  exit 2
fi
{
  echo "variant,family,batch,pytorch_ms,onnxruntime_ms,source"
  echo "# medians over the passes of $SOURCE (attnzoo_pytorch and attnzoo_ort sides); made by scripts/engine_table.sh"
  awk -F, -v src="$SOURCE" '
    NR > 1 && ($1 == "attnzoo_pytorch" || $1 == "attnzoo_ort") {
      k = $2 "," $3; n[$1 SUBSEP k]++; v[$1 SUBSEP k, n[$1 SUBSEP k]] = $5; keys[k] = 1
    }
    function median(side, k,   m, i, j, t, a) {
      m = n[side SUBSEP k]; if (m == 0) return -1
      for (i = 1; i <= m; i++) a[i] = v[side SUBSEP k, i] + 0
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    }
    END {
      for (k in keys) {
        p = median("attnzoo_pytorch", k); o = median("attnzoo_ort", k)
        if (p > 0 && o > 0) {
          split(k, f, ","); fam = f[1]; sub(/_.*/, "", fam)
          printf "%s,%s,%s,%.1f,%.1f,%s\n", f[1], fam, f[2], p, o, src
        }
      }
    }' "$CSV" | sort -t, -k1,1 -k3,3n
} > "$OUT"
cat "$OUT"
