#!/usr/bin/env bash
# Builds the test images from real Debian packages with real tools:
#   CACHE/bookworm-minbase.tar   debootstrap --variant=minbase bookworm rootfs (kept between runs)
#   CACHE/bookworm-vuln.tar      that rootfs plus python3-requests, python3-urllib3,
#                                python3-jinja2 and runc from the mirror (kept between runs)
#   OUT/oci/                     OCI layout (umoci), images "planted", "base" and "vuln"
#   OUT/oci-zstd/                the planted image with zstd layers (skopeo)
#   OUT/planted.tar              docker save archive of it (skopeo docker-archive)
#   OUT/planted-oci.tar          OCI layout in a tar (skopeo oci-archive)
#   OUT/rootfs/                  the minbase rootfs, unpacked (dir:// and dpkg-query --admindir)
#   OUT/vuln.tar                 docker save archive of "vuln" (one layer), tag moat/vuln:1
#   OUT/vuln-rootfs/             the vuln rootfs, unpacked (to check installed versions)
# The planted image has: root user, a secret in ENV, a setuid binary, a
# private key added in one layer and deleted in the next, a world-writable
# directory, apt lists left, an .npmrc with a token. The vuln image holds
# real Debian builds of Python libraries and a Go binary with known advisories.
# Exit 77 when a tool or the Debian mirror is unavailable (tests skip).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: build.sh CACHE_DIR OUT_DIR}
out=${2:?usage: build.sh CACHE_DIR OUT_DIR}
mirror=${MOAT_DEBIAN_MIRROR:-http://deb.debian.org/debian}

for tool in debootstrap umoci skopeo openssl busybox tar; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "build.sh: $tool not installed" >&2
    exit 77
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  echo "build.sh: debootstrap and umoci unpack need root" >&2
  exit 77
fi

mkdir -p "$cache" "$out"
# Tests run in parallel processes: one builds, the others wait and reuse.
exec 9>"$out/.lock"
flock 9
stamp="$(sha256sum "$0" | cut -d' ' -f1)"
if [ -f "$out/.done" ] && [ "$(cat "$out/.done")" = "$stamp" ]; then
  exit 0
fi
rm -f "$out/.done"
rootfs_tar="$cache/bookworm-minbase.tar"
if [ ! -s "$rootfs_tar" ]; then
  work=$(mktemp -d "$cache/debootstrap.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  if ! debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/log" 2>&1; then
    tail -5 "$work/log" >&2
    echo "build.sh: debootstrap failed (mirror $mirror unreachable?)" >&2
    exit 77
  fi
  # Device nodes and the kernel's file systems are not part of an image.
  tar -C "$work/rootfs" --numeric-owner --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* \
    -cf "$rootfs_tar.tmp" .
  mv "$rootfs_tar.tmp" "$rootfs_tar"
  rm -rf "$work"
  trap - EXIT
fi

# The vuln rootfs: real Debian packages installed by apt inside the minbase
# rootfs (in-root.sh mounts what apt needs there).
# Installs PACKAGES with apt-get into a copy of the root file system in
# the tar BASE, and writes the result as the tar DEST.
install_into() (
  base=$1 dest=$2 packages=$3
  work=$(mktemp -d "$cache/install.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  mkdir "$work/rootfs"
  tar -C "$work/rootfs" --numeric-owner -xf "$base"
  cp -p "$work/rootfs/etc/resolv.conf" "$work/resolv.conf"
  cp /etc/resolv.conf "$work/rootfs/etc/resolv.conf"
  if ! sh "$here/in-root.sh" "$work/rootfs" '
      chroot "$1" apt-get update --error-on=any
      chroot "$1" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends $2
    ' "$packages" >"$work/log" 2>&1; then
    tail -5 "$work/log" >&2
    echo "build.sh: apt-get install $packages failed (mirror $mirror unreachable?)" >&2
    exit 77
  fi
  cp -p "$work/resolv.conf" "$work/rootfs/etc/resolv.conf"
  find "$work/rootfs/var/lib/apt/lists" "$work/rootfs/var/cache/apt" ! -type d -delete
  tar -C "$work/rootfs" --numeric-owner --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* \
    -cf "$work/out.tar" .
  mv "$work/out.tar" "$dest"
)

vuln_tar="$cache/bookworm-vuln.tar"
vuln_packages="python3-requests python3-urllib3 python3-jinja2 runc"
[ -s "$vuln_tar" ] || install_into "$rootfs_tar" "$vuln_tar" "$vuln_packages"
# The web image: the vuln image with Debian's nginx (the tracing tests).
web_tar="$cache/bookworm-web.tar"
[ -s "$web_tar" ] || install_into "$vuln_tar" "$web_tar" "nginx"

rm -rf "$out/oci" "$out/oci-zstd" "$out/bundle" "$out/planted.tar" "$out/planted-oci.tar" "$out/rootfs" \
  "$out/vuln.tar" "$out/vuln-rootfs"
mkdir -p "$out/rootfs"
tar -C "$out/rootfs" --numeric-owner -xf "$rootfs_tar"
oci="$out/oci"
umoci init --layout "$oci"
umoci new --image "$oci:base"
umoci unpack --image "$oci:base" "$out/bundle"
tar -C "$out/bundle/rootfs" --numeric-owner -xf "$rootfs_tar"
umoci repack --image "$oci:base" \
  --history.created_by "/bin/sh -c #(nop) ADD file:bookworm-minbase in / " "$out/bundle"
umoci config --image "$oci:base" --config.cmd bash \
  --history.created_by '/bin/sh -c #(nop)  CMD ["bash"]'
rm -rf "$out/bundle"

# Layer 2: the planted problems.
umoci unpack --image "$oci:base" "$out/bundle"
r="$out/bundle/rootfs"
mkdir -p "$r/root/.ssh" "$r/srv/shared" "$r/app"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$r/root/.ssh/id_rsa" 2>/dev/null
chmod 600 "$r/root/.ssh/id_rsa"
cp "$(command -v busybox)" "$r/usr/local/bin/busybox"
chmod 4755 "$r/usr/local/bin/busybox"
chmod 0777 "$r/srv/shared"
printf '//registry.npmjs.org/:_authToken=npm_%s\n' "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij" >"$r/app/.npmrc"
umoci repack --image "$oci:base" --refresh-bundle \
  --history.created_by "RUN /bin/sh -c apt-get update # buildkit" "$out/bundle"
umoci config --image "$oci:base" --tag planted

# Layer 3: the key is "deleted".
rm -f "$r/root/.ssh/id_rsa"
umoci repack --image "$oci:planted" \
  --history.created_by "RUN /bin/sh -c rm /root/.ssh/id_rsa # buildkit" "$out/bundle"
umoci config --image "$oci:planted" --config.user root \
  --config.env 'AWS_SECRET_ACCESS_KEY=q7Jz0Vb3Xk9LmN2pR5tW8yA1cE4gH6jK0sD3fG7h' \
  --config.env 'AWS_ACCESS_KEY_ID=AKIA4HG7JQ2K9WX3M5PZ' \
  --config.env 'DB_PASSWORD=correct-horse-battery' \
  --config.exposedports 22/tcp \
  --history.created_by 'ENV AWS_ACCESS_KEY_ID=AKIA4HG7JQ2K9WX3M5PZ'
rm -rf "$out/bundle"

# The vuln image: one layer with the whole rootfs.
umoci new --image "$oci:vuln"
umoci unpack --image "$oci:vuln" "$out/bundle"
tar -C "$out/bundle/rootfs" --numeric-owner -xf "$vuln_tar"
umoci repack --image "$oci:vuln" \
  --history.created_by "/bin/sh -c #(nop) ADD file:bookworm-vuln in / " "$out/bundle"
umoci config --image "$oci:vuln" --config.cmd bash \
  --history.created_by '/bin/sh -c #(nop)  CMD ["bash"]'
rm -rf "$out/bundle"
umoci new --image "$oci:web"
umoci unpack --image "$oci:web" "$out/bundle"
tar -C "$out/bundle/rootfs" --numeric-owner -xf "$web_tar"
umoci repack --image "$oci:web" \
  --history.created_by "/bin/sh -c #(nop) ADD file:bookworm-web in / " "$out/bundle"
umoci config --image "$oci:web" --config.cmd nginx --config.cmd -g --config.cmd 'daemon off;' \
  --config.exposedports 80/tcp \
  --history.created_by '/bin/sh -c #(nop)  CMD ["nginx", "-g", "daemon off;"]'
rm -rf "$out/bundle"
mkdir -p "$out/vuln-rootfs"
tar -C "$out/vuln-rootfs" --numeric-owner -xf "$vuln_tar"
umoci gc --layout "$oci"

skopeo copy --quiet "oci:$oci:planted" "docker-archive:$out/planted.tar:moat/planted:1"
skopeo copy --quiet "oci:$oci:planted" "oci-archive:$out/planted-oci.tar:planted"
skopeo copy --quiet --dest-compress-format zstd "oci:$oci:planted" "oci:$out/oci-zstd:planted"
skopeo copy --quiet "oci:$oci:vuln" "docker-archive:$out/vuln.tar:moat/vuln:1"
echo "$stamp" >"$out/.done"
echo "build.sh: images in $out"
