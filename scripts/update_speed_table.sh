#!/usr/bin/env bash
# Puts a bench_paths.sh table (OUT/paths.md) into the README's speed section, between the
# bench_paths markers, and names its folder in the begin marker.
#   scripts/update_speed_table.sh results/bench-<date>
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${1:?usage: scripts/update_speed_table.sh results/bench-<date>}"
DIR="${DIR%/}"; REL="${DIR#"$ROOT"/}"
python3 - "$ROOT/README.md" "$REL/paths.md" "$ROOT/$REL/paths.md" <<'PY'
import sys
readme, rel, table_path = sys.argv[1:]
text = open(readme).read()
begin = text.index("<!-- bench_paths:begin")
end = text.index("<!-- bench_paths:end -->")
table = open(table_path).read().strip()
open(readme, "w").write(text[:begin] + f"<!-- bench_paths:begin ({rel}) -->\n" + table + "\n"
                        + text[end:])
PY
