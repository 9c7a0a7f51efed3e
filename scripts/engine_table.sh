#!/usr/bin/env bash
# The measurements behind `--engine auto` (AutoEngine): from a scripts/bench_paths.sh CSV, the
# median over passes of attnzoo on the PyTorch engine and of attnzoo's ONNX export on ONNX Runtime,
# per variant and batch, written to the zoo's engine-latency.csv resource.
#   scripts/engine_table.sh results/bench-<date>/paths.csv
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CSV="${1:?usage: scripts/engine_table.sh results/bench-<date>/paths.csv}"
OUT="$ROOT/zoo/src/main/resources/org/attnzoo/zoo/engine-latency.csv"
SOURCE="${CSV#"$ROOT"/}"
mkdir -p "$(dirname "$OUT")"
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
