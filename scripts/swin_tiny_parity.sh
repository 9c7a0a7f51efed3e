#!/usr/bin/env bash
# Full-size parity of Swin against timm 1.0.29 (random weights, 224x224, batch 2), through the
# project's generic scripts/parity.sh; prints the max abs error per variant (tolerance 1e-4).
#   scripts/swin_tiny_parity.sh [PYTHON] [VARIANT...]   (default: swin_tiny_patch4_window7_224)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${1:-${PYTHON:-python3}}"; shift || true
for v in "${@:-swin_tiny_patch4_window7_224}"; do
  "$ROOT/scripts/parity.sh" "$v" "$PY"
done
