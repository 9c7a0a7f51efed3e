#!/usr/bin/env bash
# Full-size parity of one variant against timm: make random weights + reference output with
# make_fixture.py, run attnzoo on them, print the max abs error.
#   scripts/parity.sh VARIANT [PYTHON]      (PYTHON: a python with torch + timm; default python3)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VARIANT="$1"; PY="${2:-${PYTHON:-python3}}"
OUT="${PARITY_DIR:-/tmp/attnzoo-parity}/$VARIANT"
"$PY" "$ROOT/scripts/make_fixture.py" --model "$VARIANT" --out "$OUT" ${KWARGS:+--kwargs "$KWARGS"} > /dev/null
"$ROOT/scripts/attnzoo" run --variant "$VARIANT" --weights "$OUT/weights.safetensors" \
  --input "$OUT/input.npy" --output "$OUT/attnzoo.npy" > /dev/null
echo -n "$VARIANT: "
"$PY" "$ROOT/scripts/compare_npy.py" "$OUT/output_f64.npy" "$OUT/attnzoo.npy"
