#!/usr/bin/env bash
# Regenerates the variant table of README.md from the registry (ReadmeTableTest checks it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TABLE="$("$ROOT/scripts/attnzoo" list --markdown)"
python3 - "$ROOT/README.md" "$TABLE" <<'PY'
import re, sys
path, table = sys.argv[1], sys.argv[2]
text = open(path).read()
begin = text.index("<!-- variants:begin")
begin = text.index("-->", begin) + 3
end = text.index("<!-- variants:end -->")
open(path, "w").write(text[:begin] + "\n" + table.strip() + "\n" + text[end:])
PY
