#!/usr/bin/env bash
# Vulnerability benchmarks, in one run on one machine:
#  1. `moat db import` of all of ../shared/vulndata (4,291 OSV JSON + 2,661 OSV
#     YAML files) into a new database, beside the peer: python3 reading the
#     same files with json and yaml's C loader, parsing only (a lower bound
#     for any importer written over those parsers). Goal: at most 2 s.
#  2. `moat db import` of 300,000 synthetic Debian tracker advisories
#     (bench/gen_vulndata.py; 92 MB of JSON).
#  3. `moat vuln` of a 1,000-package CycloneDX SBOM against both, as a whole
#     process and as the matching kernel alone (bench_vuln). Goal: the match
#     of 1,000 packages in at most 100 ms.
# Usage: bench/vuln.sh [RUNS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runs=${1:-10}
shared="$root/../shared"
command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install hyperfine" >&2; exit 2; }
python3 -c 'import yaml; yaml.CSafeLoader' 2>/dev/null || { echo "python3-yaml (with libyaml) is needed" >&2; exit 2; }

cmake --preset release -DMOAT_BUILD_BENCH=ON >/dev/null
cmake --build --preset release --target moat bench_vuln >/dev/null
moat="$root/build/release/src/moat"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/peer.py" <<'PY'
import json, pathlib, sys, yaml
root = pathlib.Path(sys.argv[1])
n = 0
for p in sorted((root / "go").glob("*.json")):
    json.loads(p.read_bytes()); n += 1
for p in sorted((root / "pypi").glob("*/*.yaml")):
    yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader); n += 1
assert n == 6952, n
PY

echo "== import: real OSV data (6,952 documents)"
hyperfine --warmup 1 --runs "$runs" --export-markdown "$work/import.md" \
  --prepare "rm -f $work/real.db" \
  -n "moat db import" "$moat db import -q --no-progress --db $work/real.db $shared/vulndata/go $shared/vulndata/pypi" \
  -n "python3 json+CSafeLoader (parse only)" "python3 $work/peer.py $shared/vulndata"
cat "$work/import.md"
/usr/bin/time -f "peak RSS %M KiB" "$moat" db import -q --no-progress --db "$work/rss.db" \
  "$shared/vulndata/go" "$shared/vulndata/pypi"

echo "== import: 300,000 synthetic Debian advisories"
python3 bench/gen_vulndata.py tracker "$work/tracker.json" 300000
python3 bench/gen_vulndata.py sbom "$work/sbom.json" 1000
hyperfine --runs 3 --export-markdown "$work/synthetic.md" \
  --prepare "rm -f $work/syn.db" \
  -n "moat db import (300k Debian)" "$moat db import -q --no-progress --db $work/syn.db $work/tracker.json"
cat "$work/synthetic.md"
/usr/bin/time -f "peak RSS %M KiB" "$moat" db import -q --no-progress --db "$work/syn.db" "$work/tracker.json"
"$moat" db import -q --no-progress --db "$work/syn.db" "$shared/vulndata/go" "$shared/vulndata/pypi"
"$moat" db stats --db "$work/syn.db" | head -5

echo "== match: 1,000-package SBOM"
hyperfine --warmup 2 --runs "$runs" --export-markdown "$work/match.md" -i \
  -n "moat vuln (1,000 packages, whole process)" "$moat vuln --db $work/syn.db --format json --output $work/out.json $work/sbom.json"
cat "$work/match.md"
python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['targets'][0]; print(len(t['findings']), 'findings')" "$work/out.json"
MOAT_BENCH_DB="$work/syn.db" MOAT_BENCH_SBOM="$work/sbom.json" \
  "$root/build/release/bench/bench_vuln" --benchmark_min_time=1
