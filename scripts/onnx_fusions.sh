#!/usr/bin/env bash
# attnzoo's ONNX export vs torch.onnx.export of the same weights, on the ONNX Runtime that attnzoo
# ships (DJL's onnxruntime-engine, cli/target/lib): ORT's fused op counts and interleaved latency.
#   scripts/onnx_fusions.sh [VARIANT...]   (default: the six families' reference variants)
# For each variant: random timm weights (scripts/make_fixture.py; conv2former_n from the official
# code, CONV2FORMER_PY=path/to/models/conv2former.py), `attnzoo export --format onnx`, and
# `scripts/onnx_fusions.py torch-export`; then scripts/OnnxFusions.java writes
#   $OUT/fusions.csv  op histograms of each file and of ORT's optimised graph (ORT_ENABLE_ALL)
#   $OUT/latency.csv  medians of REPEATS interleaved runs per file, batch 1 and 8, THREADS threads
# Env: PYTHON (torch, timm, onnx, onnxscript), OUT (default results/onnx-fusions-<date>),
#      WORK (scratch, default /tmp/attnzoo-fusions), REPEATS (40), THREADS (2),
#      ORT_JAR (another com.microsoft.onnxruntime jar to measure instead of the shipped one).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
OUT="${OUT:-$ROOT/results/onnx-fusions-$(date -u +%Y%m%d)}"
WORK="${WORK:-/tmp/attnzoo-fusions}"
REPEATS="${REPEATS:-40}"
THREADS="${THREADS:-2}"
VARIANTS=("$@")
[ ${#VARIANTS[@]} -gt 0 ] || VARIANTS=(vit_tiny_patch16_224 swiftformer_xs edgenext_xx_small
  swin_tiny_patch4_window7_224 efficientvit_b0 conv2former_n)
LIB="$ROOT/cli/target/lib"
[ -d "$LIB" ] || (cd "$ROOT" && mvn -B -q -ntp -DskipTests package)
ORT="${ORT_JAR:-$(ls "$LIB"/onnxruntime-[0-9]*.jar)}"
CP="$ORT:$(ls "$LIB"/tribuo-util-onnx-*.jar):$(ls "$LIB"/protobuf-java-*.jar)"
mkdir -p "$OUT" "$WORK"
FUSE=()
for V in "${VARIANTS[@]}"; do
  D="$WORK/$V"
  echo "== $V" >&2
  OFFICIAL=()
  if [[ "$V" == conv2former_* ]]; then
    : "${CONV2FORMER_PY:?set CONV2FORMER_PY to the official models/conv2former.py}"
    KW=$("$PY" -c "import json; print(json.dumps({'conv2former_n': dict(kernel_size=7,
      dims=[64, 128, 256, 512], mlp_ratios=[4, 4, 4, 4], depths=[2, 2, 8, 2])}['$V']))")
    "$PY" "$ROOT/scripts/make_conv2former_fixture.py" --official "$CONV2FORMER_PY" --out "$D" \
      --kwargs "$KW" --img-size 224 --batch 1 > /dev/null
    OFFICIAL=(--official "$CONV2FORMER_PY")
  else
    "$PY" "$ROOT/scripts/make_fixture.py" --model "$V" --out "$D" --batch 1 > /dev/null
  fi
  "$ROOT/scripts/attnzoo" export --variant "$V" --weights "$D/weights.safetensors" --format onnx \
    --output "$D/attnzoo.onnx" > /dev/null
  "$PY" "$ROOT/scripts/onnx_fusions.py" torch-export --model "$V" "${OFFICIAL[@]}" \
    --weights "$D/weights.safetensors" --out "$D/torch.onnx" > /dev/null 2>&1
  FUSE+=("$V:attnzoo=$D/attnzoo.onnx" "$V:torch=$D/torch.onnx")
done
java -cp "$CP" "$ROOT/scripts/OnnxFusions.java" fusions "${FUSE[@]}" 2> /dev/null > "$OUT/fusions.csv"
uptime > "$OUT/load.txt"
HEADER=true
for V in "${VARIANTS[@]}"; do
  java -Dnoheader=$([ $HEADER = true ] && echo false || echo true) -cp "$CP" \
    "$ROOT/scripts/OnnxFusions.java" bench "$THREADS" "$REPEATS" "$V" "$WORK/$V/torch.onnx" \
    "attnzoo=$WORK/$V/attnzoo.onnx" 2> /dev/null
  HEADER=false
done > "$OUT/latency.csv"
uptime >> "$OUT/load.txt"
cat "$OUT/latency.csv"
