#!/usr/bin/env bash
# moat bench against docker-bench-security on the same host, the same
# daemon and the same containers, in the same hyperfine run.
#
#   bash bench/host.sh [RUNS]
#
# Needs root, dockerd, busybox-static and hyperfine; starts its own dockerd
# (default bridge, its own data root and socket) and stops it at the end.
set -euo pipefail
runs=${1:-10}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
moat=${MOAT:-$root/build/release/src/moat}
peer=$root/../shared/peers/docker-bench-security
[ -x "$moat" ] || { echo "build moat first: cmake --build --preset release" >&2; exit 2; }
[ -f "$peer/docker-bench-security.sh" ] || { echo "no docker-bench-security in $peer" >&2; exit 2; }

work=$(mktemp -d /tmp/moat-bench-host.XXXXXX)
sock=$work/docker.sock
export DOCKER_HOST=unix://$sock
cleanup() {
  docker rm -f $(docker ps -aq) >/dev/null 2>&1 || true
  [ -f "$work/dockerd.pid" ] && kill "$(cat "$work/dockerd.pid")" 2>/dev/null || true
  sleep 2
  umount -l "$work/data" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

dockerd --iptables=false --ip6tables=false --data-root "$work/data" --exec-root "$work/exec" \
  -H "$DOCKER_HOST" --pidfile "$work/dockerd.pid" >"$work/dockerd.log" 2>&1 &
for _ in $(seq 1 100); do docker version >/dev/null 2>&1 && break; sleep 0.2; done

mkdir -p "$work/rootfs/bin"
cp "$(command -v busybox)" "$work/rootfs/bin/busybox"
for a in sh sleep ps true cat; do ln -s busybox "$work/rootfs/bin/$a"; done
tar -C "$work/rootfs" -c . | docker import -c 'CMD ["/bin/sleep", "3600"]' - bench/busybox:1 >/dev/null

# The containers of the integration test: a hardened one and one per insecure setting.
h="--read-only --cap-drop ALL --security-opt no-new-privileges --user 1000 --memory 64m --pids-limit 50 --cpus 0.5 --health-cmd true"
docker run -d --name hardened $h bench/busybox:1 >/dev/null
docker run -d --name sysadmin $h --cap-add SYS_ADMIN bench/busybox:1 >/dev/null
docker run -d --name socket $h -v "$sock:/var/run/docker.sock" bench/busybox:1 >/dev/null
docker run -d --name pidhost $h --pid host bench/busybox:1 >/dev/null
docker run -d --name etcrw $h -v /etc:/host/etc bench/busybox:1 >/dev/null
docker run -d --name unconfined $h --security-opt seccomp=unconfined bench/busybox:1 >/dev/null
docker run -d --name nolimits --read-only --cap-drop ALL --security-opt no-new-privileges --user 1000 --health-cmd true bench/busybox:1 >/dev/null
docker run -d --name restart $h --restart on-failure:10 bench/busybox:1 >/dev/null
docker run -d --name port80 $h -p 0.0.0.0:80:80 bench/busybox:1 >/dev/null

echo "containers running: $(docker ps -q | wc -l)"
hyperfine --warmup 1 --runs "$runs" --export-markdown "$work/results.md" \
  -n "moat bench --format json" "$moat bench --format json --fail-on none -o /dev/null" \
  -n "docker-bench-security" "cd '$peer' && bash docker-bench-security.sh -b -l '$work/dbs.log' >/dev/null 2>&1" \
  -n "moat --version (start-up floor)" "$moat --version"
cat "$work/results.md"
