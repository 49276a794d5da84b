#!/usr/bin/env bash
# Container start: moat run vs crun and runc (Debian's), each starting
# /bin/true in the same busybox bundle, in the same hyperfine run, with
# peak memory. crun refuses this machine's hybrid cgroup layout, so it runs
# inside `unshare -m` with the cgroup v2 mount unmounted; that wrapper is
# timed alone as well. Needs root. Usage: bench/sandbox.sh [RUNS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs=${1:-30}
[ "$(id -u)" = 0 ] || { echo "bench/sandbox.sh needs root" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time is needed (apt-get install time)" >&2; exit 2; }
for tool in hyperfine runc crun busybox; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install $tool)" >&2; exit 2; }
done
cmake --preset release >/dev/null
cmake --build --preset release --target moat >/dev/null
moat="$root/build/release/src/moat"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs"/{bin,proc,sys,dev,tmp,run,etc}
cp "$(command -v busybox)" "$work/rootfs/bin/busybox"
for applet in $("$work/rootfs/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$work/rootfs/bin/$applet"
done
(cd "$work" && runc spec)
python3 - "$work/config.json" <<'PY'
import json, sys
path = sys.argv[1]
config = json.load(open(path))
config["process"]["args"] = ["/bin/true"]
config["process"]["terminal"] = False
json.dump(config, open(path, "w"), indent=1)
PY
crun_wrapped="unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun run -b $work c1'"
wrapper="unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec true'"
# The filter cache is warm after the first start, as for any second start.
"$moat" run --rootfs "$work/rootfs" -- /bin/true

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "date:    $(date -u +%Y-%m-%d)"
echo "crun:    $(crun --version | head -n1); runc: $(runc --version | head -n1)"
echo
hyperfine -N --warmup 3 --runs "$runs" --export-markdown "$work/table.md" \
  -n "moat run --rootfs (all defaults)" "$moat run --rootfs $work/rootfs -- /bin/true" \
  -n "crun run (in the unshare wrapper)" "$crun_wrapped" \
  -n "the unshare wrapper alone" "$wrapper" \
  -n "runc run" "runc run -b $work r1" \
  -n "moat --version (start-up and exit only)" "$moat --version" >/dev/null
cat "$work/table.md"
echo
echo "peak memory (max RSS of the process tree's largest process, KiB):"
for name in moat crun runc; do
  case $name in
    moat) cmd=("$moat" run --rootfs "$work/rootfs" -- /bin/true) ;;
    crun) cmd=(unshare -m sh -c "umount /sys/fs/cgroup/unified 2>/dev/null; exec crun run -b $work c1") ;;
    runc) cmd=(runc run -b "$work" r1) ;;
  esac
  /usr/bin/time -f "  $name %M" "${cmd[@]}" 2>&1 >/dev/null | tail -n1
done
