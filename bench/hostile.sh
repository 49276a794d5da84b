#!/usr/bin/env bash
# Full-size hostile inputs, timed, with peak memory: the shapes that were
# quadratic or unbounded (issue probes). Each must finish in time and memory
# linear in its size. Prints a table for bench/RESULTS.md.
# Usage: bench/hostile.sh [MOAT]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
moat=${1:-$root/build/release/src/moat}
[ -x "$moat" ] || { echo "build moat first: cmake --build --preset release --target moat" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 - "$work" <<'PY'
import sys, os
w = sys.argv[1]
def write(name, first, line, size):
    out = [first]; total = len(first); i = 0
    while total < size:
        l = line(i); out.append(l); total += len(l); i += 1
    open(os.path.join(w, name), 'w').write(''.join(out))
write('env', 'FROM debian:12\n', lambda i: f'ENV VAR{i}=value{i}\n', 15_000_000)
write('chained', 'FROM debian:12\nENV V0=x\n', lambda i: f'ENV V{i+1}=value$V{i}\n', 15_000_000)
write('run', 'FROM debian:12\n', lambda i: f'RUN apt-get install -y pkg{i} && echo $HOME{i} > /tmp/f{i}\n', 15_000_000)
write('stages', '', lambda i: f'FROM debian:12 AS s{i}\nRUN echo {i}\n', 3_000_000)
import json
n = 1_000_000
with open(os.path.join(w, 'cdx.json'), 'w') as f:
    json.dump({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
        {"type": "library", "name": f"pkg{i}", "version": "1.0.0", "purl": f"pkg:npm/pkg{i}@1.0.0"}
        for i in range(n)]}, f)
with open(os.path.join(w, 'spdx.json'), 'w') as f:
    json.dump({"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "packages": [
        {"SPDXID": f"SPDXRef-p{i}", "name": f"pkg{i}", "versionInfo": "1.0.0",
         "downloadLocation": "NOASSERTION", "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER",
         "referenceType": "purl", "referenceLocator": f"pkg:npm/pkg{i}@1.0.0"}]} for i in range(n)],
        "relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
         "relatedSpdxElement": f"SPDXRef-p{i}"} for i in range(n)]}, f)
with open(os.path.join(w, 'GHSA-pad0-0000-0000.json'), 'w') as f:
    json.dump({"id": "GHSA-pad0-0000-0000", "modified": "2024-01-01T00:00:00Z",
               "details": "x" * 190_000_000,
               "affected": [{"package": {"ecosystem": "npm", "name": "padded"}, "ranges": [
                   {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "2.0.0"}]}]}]}, f)
PY
"$moat" db import -q --db "$work/vuln.db" "$root/../shared/vulndata/pypi"
mkdir -p "$work/deep"
(cd "$work/deep" && for _ in $(seq 3000); do mkdir d && cd d || exit 1; done)

measure() {
  local name=$1; shift
  local start end rc
  start=$(date +%s.%N)
  rc=0
  /usr/bin/env time -f "%M" -o "$work/rss" "$moat" "$@" >/dev/null 2>"$work/err" || rc=$?
  end=$(date +%s.%N)
  printf '| %s | %s | %.2f | %d | %s |\n' "$name" "$(du -h "${@: -1}" | cut -f1 | head -1)" \
    "$(echo "$end - $start" | bc)" "$(( $(tail -n 1 "$work/rss") / 1024 ))" \
    "exit $rc$( [ -s "$work/err" ] && printf ': %s' "$(head -c 90 "$work/err" | tr '\n' ' ')")"
}
command -v time >/dev/null || [ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install time" >&2; exit 2; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "date:    $(date -u +%Y-%m-%d)"
echo
echo "| probe | input | seconds | peak MiB | result |"
echo "|---|---:|---:|---:|---|"
measure "15 MB of ENV, one variable each" lint --fail-on none -f json "$work/env"
measure "15 MB of ENV, each using the last" lint --fail-on none -f json "$work/chained"
measure "15 MB of RUN" lint --fail-on none -f json "$work/run"
measure "3 MB of stages (~100,000)" lint --fail-on none -f json "$work/stages"
measure "directories 3,000 deep" lint --fail-on none "$work/deep"
measure "CycloneDX SBOM, 1,000,000 components" vuln --db "$work/vuln.db" --fail-on none -f json "$work/cdx.json"
measure "SPDX SBOM, 1,000,000 packages and relationships" vuln --db "$work/vuln.db" --fail-on none -f json "$work/spdx.json"
measure "OSV advisory padded with 190 MB of details" db import -q --db "$work/padded.db" "$work/GHSA-pad0-0000-0000.json"
