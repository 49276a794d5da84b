#!/usr/bin/env bash
# Container start: moat run vs crun and runc (Debian's), each starting
# /bin/true in the same busybox bundle, in the same hyperfine run, with
# medians and peak memory. crun refuses this machine's hybrid cgroup layout,
# so the whole run happens inside `unshare -m` with the cgroup v2 mount
# unmounted: every runtime is measured directly, in the same mount
# namespace. Needs root. Usage: bench/sandbox.sh [RUNS] (per round; three rounds)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs=${1:-30}
[ "$(id -u)" = 0 ] || { echo "bench/sandbox.sh needs root" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time is needed (apt-get install time)" >&2; exit 2; }
for tool in hyperfine runc crun busybox python3; do
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
# Two bundles: the one `runc spec` writes (no seccomp filter), and the same
# with Docker's default seccomp profile resolved as dockerd resolves it for
# these capabilities, this architecture and kernel (what `docker run
# --runtime crun` hands the runtime). moat run always loads that profile.
mkdir -p "$work/seccomp"
python3 - "$work/config.json" "$work/seccomp/config.json" "$work/rootfs" \
  "$root/../shared/conformance/seccomp/moby-default.json" <<'PY'
import json, os, sys
path, seccomp_path, rootfs, moby = sys.argv[1:5]
config = json.load(open(path))
config["process"]["args"] = ["/bin/true"]
config["process"]["terminal"] = False
json.dump(config, open(path, "w"), indent=1)
profile = json.load(open(moby))
caps = set(config["process"]["capabilities"]["bounding"])
kernel = tuple(int(x) for x in os.uname().release.split("-")[0].split(".")[:2])
def holds(cond, default):
    if not cond:
        return default
    if "caps" in cond and not set(cond["caps"]) & caps:
        return False
    if "arches" in cond and "amd64" not in cond["arches"]:
        return False
    if "minKernel" in cond and kernel < tuple(int(x) for x in cond["minKernel"].split(".")[:2]):
        return False
    return True
def excluded(cond):
    return bool(cond) and (bool(set(cond.get("caps", [])) & caps) or "amd64" in cond.get("arches", []))
syscalls = []
for entry in profile["syscalls"]:
    if not holds(entry.get("includes"), True) or excluded(entry.get("excludes")):
        continue
    rule = {"names": entry["names"], "action": entry["action"]}
    for key in ("args", "errnoRet"):
        if key in entry:
            rule[key] = entry[key]
    syscalls.append(rule)
arch = next(a for a in profile["archMap"] if a["architecture"] == "SCMP_ARCH_X86_64")
config["root"]["path"] = rootfs
config["linux"]["seccomp"] = {
    "defaultAction": profile["defaultAction"],
    "defaultErrnoRet": profile.get("defaultErrnoRet", 1),
    "architectures": [arch["architecture"]] + arch["subArchitectures"],
    "syscalls": syscalls,
}
json.dump(config, open(seccomp_path, "w"), indent=1)
PY
# The filter cache is warm after the first start, as for any second start.
"$moat" run --rootfs "$work/rootfs" -- /bin/true

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "date:    $(date -u +%Y-%m-%d)"
echo "crun:    $(crun --version | head -n1); runc: $(runc --version | head -n1)"
echo
# Three rounds of RUNS starts each, the commands taking turns, so that a
# machine that gets slower or faster meanwhile weighs on all of them alike;
# the statistics pool the rounds.
cat > "$work/inside.sh" <<EOF
umount /sys/fs/cgroup/unified 2>/dev/null || true
for round in 1 2 3; do
  hyperfine -N --warmup 3 --runs $runs --export-json "$work/times-\$round.json" \\
    -n "moat run --rootfs (all defaults)" "$moat run --rootfs $work/rootfs -- /bin/true" \\
    -n "crun run" "crun run -b $work c1" \\
    -n "crun run (Docker's default seccomp)" "crun run -b $work/seccomp c2" \\
    -n "runc run" "runc run -b $work r1" \\
    -n "runc run (Docker's default seccomp)" "runc run -b $work/seccomp r2" \\
    -n "moat --version (start-up and exit)" "$moat --version" \\
    -n "/bin/true (a process start and exit)" "/bin/true"
done
EOF
unshare -m sh "$work/inside.sh" >/dev/null
python3 - "$work"/times-*.json <<'PY'
import json, statistics, sys
pooled = {}
for path in sys.argv[1:]:
    for r in json.load(open(path))["results"]:
        pooled.setdefault(r["command"], []).extend(t * 1000 for t in r["times"])
print("| command | median [ms] | mean [ms] | min [ms] | max [ms] |")
print("|:---|---:|---:|---:|---:|")
medians = {}
for command, times in pooled.items():
    medians[command] = statistics.median(times)
    print(f"| `{command}` | {statistics.median(times):.1f} | {statistics.mean(times):.1f} "
          f"± {statistics.stdev(times):.1f} | {min(times):.1f} | {max(times):.1f} |")
moat = medians["moat run --rootfs (all defaults)"]
print()
for peer in ("crun run", "crun run (Docker's default seccomp)", "runc run",
             "runc run (Docker's default seccomp)"):
    print(f"moat / {peer} (medians): {moat / medians[peer]:.2f}")
PY
echo
echo "peak memory (max RSS of the process tree's largest process, KiB):"
for name in moat crun crun+seccomp runc runc+seccomp; do
  case $name in
    moat) cmd=("$moat" run --rootfs "$work/rootfs" -- /bin/true) ;;
    crun) cmd=(crun run -b "$work" c1) ;;
    crun+seccomp) cmd=(crun run -b "$work/seccomp" c2) ;;
    runc) cmd=(runc run -b "$work" r1) ;;
    runc+seccomp) cmd=(runc run -b "$work/seccomp" r2) ;;
  esac
  unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh \
    /usr/bin/time -f "  $name %M" "${cmd[@]}" 2>&1 >/dev/null | tail -n1
done
