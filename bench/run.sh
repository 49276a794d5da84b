#!/usr/bin/env bash
# Whole-process comparison: moat lint vs dockerfilelint (npm) over the whole
# shared Dockerfile corpus, one process each, in the same run. Installs
# dockerfilelint into bench/.peers (not committed). Prints the figures for
# bench/RESULTS.md. Usage: bench/run.sh [RUNS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runs=${1:-10}
corpus="$root/../shared/corpus/dockerfiles"

command -v npm >/dev/null || { echo "npm (Node.js) is needed to install dockerfilelint" >&2; exit 2; }
if [ ! -x bench/.peers/node_modules/.bin/dockerfilelint ]; then
  mkdir -p bench/.peers
  (cd bench/.peers && npm install --no-audit --no-fund --silent dockerfilelint@1.8.0 >/dev/null)
fi
command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install hyperfine" >&2; exit 2; }

cmake --preset release >/dev/null
cmake --build --preset release --target moat bench_dockerfile >/dev/null
moat="$root/build/release/src/moat"
dfl="$root/bench/.peers/node_modules/.bin/dockerfilelint"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
all="$work/all" list="$work/list"
find "$corpus" -type f ! -name SOURCE.md | sort >"$all"

# dockerfilelint aborts the whole run on some inputs (a TypeError on Windows
# HEALTHCHECK forms); both tools are timed on the files it can read, and the
# ones it cannot are listed.
: >"$work/crash"
while IFS= read -r f; do
  "$dfl" -o json "$f" >/dev/null 2>"$work/err" || true
  if [ -s "$work/err" ]; then echo "$f" >>"$work/crash"; fi
done <"$all"
grep -vxFf "$work/crash" "$all" >"$list" || true
nfiles=$(wc -l <"$list")

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "date:    $(date -u +%Y-%m-%d)"
echo "files:   $nfiles of $(wc -l <"$all") ($(xargs -a "$list" cat | wc -c) bytes); dockerfilelint fails on:"
sed 's/^/           /' "$work/crash"
echo "moat checks:           $("$moat" rules --format json | grep -c '"id"')"
echo "dockerfilelint checks: $(grep -cE "^  '[a-zA-Z_.0-9-]+': \{" bench/.peers/node_modules/dockerfilelint/lib/reference.js)"
echo

# The VM's speed drifts by tens of percent within minutes, and hyperfine
# times each command's runs back to back: the commands are timed in
# ROUNDS rounds instead (RUNS split among them), so a slow spell hits all
# of them alike, and the ratios are taken per round.
rounds=${ROUNDS:-5}
per=$(( (runs + rounds - 1) / rounds ))
for r in $(seq "$rounds"); do
  hyperfine -N --warmup 1 --runs "$per" --ignore-failure --export-json "$work/round$r.json" \
    -n "moat lint --format json (${nfiles} files, 1 process)" "xargs -a $list $moat lint --format json --fail-on none" \
    -n "dockerfilelint -o json (${nfiles} files, 1 process)" "xargs -a $list $dfl -o json" \
    -n "cat (reading the same files)" "xargs -a $list cat" \
    -n "moat --version (start-up and exit only)" "$moat --version" >/dev/null 2>&1
done
python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
times, ratios = {}, {"cat": [], "dfl": []}
for r in range(1, rounds + 1):
    results = json.load(open(f"{work}/round{r}.json"))["results"]
    means = []
    for res in results:
        times.setdefault(res["command"], []).extend(t * 1000 for t in res["times"])
        means.append(res["mean"])
    ratios["cat"].append(means[0] / means[2])
    ratios["dfl"].append(means[1] / means[0])
names = list(times)
moat = statistics.mean(times[names[0]])
print(f"{rounds} rounds, {len(times[names[0]])} timed runs per command")
print()
print("| Command | Mean [ms] | Median [ms] | Min [ms] | Max [ms] | Relative |")
print("|:---|---:|---:|---:|---:|---:|")
for name in names:
    t = times[name]
    print(f"| `{name}` | {statistics.mean(t):.1f} ± {statistics.stdev(t):.1f} | "
          f"{statistics.median(t):.1f} | {min(t):.1f} | {max(t):.1f} | {statistics.mean(t) / moat:.3f} |")
print()
for key, label in (("cat", "moat / cat"), ("dfl", "dockerfilelint / moat")):
    v = ratios[key]
    print(f"{label} per round: median {statistics.median(v):.2f}x "
          f"(rounds: {', '.join(f'{x:.2f}' for x in v)})")
PY
echo
"$root/build/release/bench/bench_dockerfile" --benchmark_min_time=1
