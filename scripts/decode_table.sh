#!/usr/bin/env bash
# The decode table of src/docs/preprocessing.md: attnzoo's ImageDecoder and DJL's ImageFactory
# against PIL's Image.open(f).convert("RGB") on the committed decode fixtures and photos.
# Usage: scripts/decode_table.sh PYTHON   (a Python with PIL and numpy; builds attnzoo if needed)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${1:?usage: scripts/decode_table.sh PYTHON}"
[ -d "$ROOT/cli/target/lib" ] || (cd "$ROOT" && mvn -B -q -ntp -DskipTests package)
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
RES="$ROOT/zoo/src/test/resources/preprocessing"
FILES=("$RES"/decode/* "$RES"/photos/*)
"$PY" - "$TMP" "${FILES[@]}" <<'PYEOF'
import os, sys
import numpy as np
from PIL import Image
out = sys.argv[1]
for f in sys.argv[2:]:
    np.asarray(Image.open(f).convert("RGB")).tofile(os.path.join(out, os.path.basename(f) + ".rgb"))
PYEOF
DJL_OFFLINE=true java -cp "$ROOT/cli/target/classes:$ROOT/cli/target/lib/*" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn "$ROOT/scripts/DecodeTable.java" "$TMP" "${FILES[@]}"
