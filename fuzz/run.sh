#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 30) from a seed corpus built from
# the shared conformance data. Usage: fuzz/run.sh BUILD_DIR [SECONDS]
set -euo pipefail
build=${1:?usage: fuzz/run.sh BUILD_DIR [SECONDS]}
seconds=${2:-30}
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="$root/../shared"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/dockerfiles" "$work/yaml"
i=0
while IFS= read -r f; do
  cp "$f" "$work/dockerfiles/$i"; i=$((i+1))
done < <(find "$shared"/conformance/buildkit-parser "$shared"/conformance/buildkit-parser-negative \
              "$root"/tests/fixtures/dockerfile "$shared"/corpus/dockerfiles \
              -type f \( -name Dockerfile -o -path '*/corpus/*' \) ! -name SOURCE.md | sort)
printf 'fail-on: high\nignore: [DL3008]\nseverity:\n  DF001: low\n' >"$work/yaml/1"
mkdir -p "$work/dpkg"
printf 'Package: libc6\nStatus: install ok installed\nSource: glibc (2.36-9)\nVersion: 2.36-9+b1\nArchitecture: amd64\nDescription: x\n y\n\n' >"$work/dpkg/1"

run() {
  local name=$1 corpus=$2
  echo "fuzzing $name for ${seconds}s"
  mkdir -p "$work/out-$name"
  "$build/fuzz/$name" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
    -print_final_stats=0 "$work/out-$name" "$corpus" 2>"$work/$name.log" || {
      tail -n 60 "$work/$name.log"; echo "fuzzer $name failed"; exit 1; }
  grep -E "^Done|#[0-9]+.*DONE" "$work/$name.log" | tail -n 1 || true
}
run fuzz_dockerfile_parser "$work/dockerfiles"
run fuzz_dockerfile_lint "$work/dockerfiles"
run fuzz_shell "$work/dockerfiles"
run fuzz_expand "$work/dockerfiles"
run fuzz_config "$work/yaml"
run fuzz_dpkg_status "$work/dpkg"
