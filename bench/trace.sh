#!/usr/bin/env bash
# The cost of tracing with `moat seccomp generate`: each workload run
# untraced, traced by moat (profile written), and traced by `strace -f -c`
# (the tool people reach for), in the same hyperfine run. Workloads: a
# system-call-heavy walk of /usr (busybox find, stat of every file), Python
# starting and importing its standard modules, and a compile-like CPU load
# (gzip of 64 MiB) that makes few calls.
# Usage: bench/trace.sh [RUNS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runs=${1:-10}
for tool in hyperfine strace busybox python3 gzip; do
  command -v "$tool" >/dev/null || { echo "bench/trace.sh: $tool is needed" >&2; exit 2; }
done
cmake --preset release >/dev/null
cmake --build --preset release --target moat >/dev/null
moat="$root/build/release/src/moat"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
head -c $((64 << 20)) /dev/urandom | base64 > "$work/data"

workloads=(
  "busybox find /usr -type f -size +1k"
  "python3 -c 'import json, http.server, email, asyncio, sqlite3, decimal'"
  "gzip -c $work/data"
)
names=(find python gzip)
for i in "${!workloads[@]}"; do
  w="${workloads[$i]}"
  echo "== ${names[$i]}: $w"
  # Every command's output goes to /dev/null; the profile to a file.
  hyperfine -N --warmup 2 --runs "$runs" --export-markdown "$work/${names[$i]}.md" \
    -n untraced "sh -c \"$w >/dev/null\"" \
    -n "moat seccomp generate" "$moat seccomp generate -q -o $work/p.json -- sh -c \"$w >/dev/null\"" \
    -n "strace -f -c" "strace -f -c -o /dev/null sh -c \"$w >/dev/null\""
  cat "$work/${names[$i]}.md"
  # How many system calls the workload makes (strace's count).
  strace -f -c -o "$work/count" sh -c "$w >/dev/null"
  echo "system calls: $(awk '$NF == "total" {print $4}' "$work/count")"
done
