#!/usr/bin/env bash
# ToSA on Fashion-MNIST (attnzoo train --recipe tosa): from a trained dense ViT (vit_mini_patch4_28),
# train the ToSA model at keep ratios 0.7, 0.5, 0.4 and 0.3 (stage 2: selectors; stage 3:
# fine-tuning) and print a markdown table: dense vs each keep ratio, test accuracy, attention MACs
# per image and forward latency relative to the dense model (measured in the same process,
# interleaved; on a busy machine prefer TosaLatencyBenchmark on a quiet one, see src/docs/tosa.md).
#
# Usage: scripts/tosa_fashion_mnist.sh TEACHER.params [OUT] [more `attnzoo train` options]
#   TEACHER.params  e.g. runs/fm-mini/vit_mini_patch4_28.params (from `attnzoo train --out runs/fm-mini`)
#   OUT             output folder (default runs/tosa-fm); the runs go to OUT/keep0.7, OUT/keep0.5, ...
# Environment: EPOCHS (stage 3, default 10), SELECTOR_EPOCHS (stage 2, default 1),
#   DATA (default fashion-mnist), KEEPS (default "0.7 0.5 0.4 0.3"), VARIANT (default vit_mini_patch4_28_tosa).
# The measured run (src/docs/tosa.md, "Fashion-MNIST result"):
#   scripts/tosa_fashion_mnist.sh runs/fm-mini/vit_mini_patch4_28.params runs/tosa-fm \
#     --lr 5e-4 --warmup-epochs 0.5 --padding 2 --distill 0.5 --latency-iters 30
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -lt 1 ] || [ ! -f "$1" ]; then
  echo "usage: $0 TEACHER.params [OUT] [attnzoo train options...]" >&2
  exit 2
fi
TEACHER="$1"
shift
OUT="runs/tosa-fm"
if [ $# -gt 0 ] && [[ "$1" != --* ]]; then
  OUT="$1"
  shift
fi
EPOCHS="${EPOCHS:-10}"
SELECTOR_EPOCHS="${SELECTOR_EPOCHS:-1}"
DATA="${DATA:-fashion-mnist}"
KEEPS="${KEEPS:-0.7 0.5 0.4 0.3}"
VARIANT="${VARIANT:-vit_mini_patch4_28_tosa}"

for keep in $KEEPS; do
  echo "== keep ratio $keep -> $OUT/keep$keep" >&2
  "$ROOT/scripts/attnzoo" train --recipe tosa --variant "$VARIANT" --teacher "$TEACHER" \
    --keep-ratio "$keep" --data "$DATA" --selector-epochs "$SELECTOR_EPOCHS" --epochs "$EPOCHS" \
    --out "$OUT/keep$keep" "$@"
done

# Summary rows: model,variant,keep_ratio,test_acc,attention_macs,layer_macs,latency_b1_ms,
# eval_batch,latency_eval_batch_ms. Latency ratios are taken within each run (dense and ToSA timed
# interleaved in one process); the dense row shows the first run's teacher.
echo
echo "ToSA on $DATA: $SELECTOR_EPOCHS selector epoch(s) + $EPOCHS fine-tuning epoch(s) from $(basename "$TEACHER")"
echo
first=""
for keep in $KEEPS; do
  csv="$OUT/keep$keep/tosa-summary.csv"
  if [ -z "$first" ]; then
    first="$csv"
    awk -F, 'NR == 1 { next }
      $1 == "dense" {
        printf "| Model | Keep | Test acc. | Attention MACs / image | vs dense | Latency batch 1 vs dense | Latency batch %d vs dense |\n", $8
        print "|---|---|---|---|---|---|---|"
        printf "| %s (dense teacher) | 1.0 | %.2f%% | %.3f M | 1.00 | 1.00 (%.3f ms) | 1.00 (%.2f ms) |\n", $2, 100 * $4, $5 / 1e6, $7, $9
      }' "$csv"
  fi
  awk -F, 'NR == 1 { next }
    $1 == "dense" { dm = $5; d1 = $7; db = $9 }
    $1 == "tosa" {
      printf "| %s | %s | %.2f%% | %.3f M | %.2f | %.2f (%.3f ms) | %.2f (%.2f ms) |\n", $2, $3, 100 * $4, $5 / 1e6, $5 / dm, $7 / d1, $7, $9 / db, $9
    }' "$csv"
done
