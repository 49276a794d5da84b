# Sourced by the benchmarks: bench_rootfs DIR makes DIR/rootfs, a
# debootstrap bookworm (minbase) with a few hundred packages, once; later
# runs reuse it. Needs root and the Debian mirror (MOAT_DEBIAN_MIRROR).
bench_rootfs() {
  local cache=$1
  local mirror=${MOAT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
  local packages=python3,perl,git,curl,openssl,ca-certificates,gnupg,build-essential,libssl-dev,\
procps,less,vim-tiny,iproute2,iputils-ping,net-tools,rsync,unzip,xz-utils,zstd,file,\
python3-pip,python3-venv,python3-requests,python3-yaml,runc
  command -v debootstrap >/dev/null || { echo "debootstrap is needed" >&2; return 2; }
  mkdir -p "$cache"
  if [ ! -d "$cache/rootfs/usr" ]; then
    rm -rf "$cache/rootfs"
    debootstrap --variant=minbase --include="$packages" bookworm "$cache/rootfs" "$mirror" >/dev/null
    rm -rf "$cache/rootfs/dev/"* "$cache/rootfs/proc/"* "$cache/rootfs/sys/"*
  fi
}
