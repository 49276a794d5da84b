#!/usr/bin/env bash
# Whole-process comparison for `moat image`: a full scan of a large image
# against plain decompression of the same layers (`gzip -dc`/`zstd -dc` into
# `tar -t`, one layer after another, and libarchive's own bsdtar -t, which
# inflates with the same library moat uses) in the same hyperfine run. The image is
# a debootstrap bookworm rootfs with a few hundred packages, packed by umoci
# in three layers (gzip), and copied by skopeo with zstd layers. Needs root
# and the Debian mirror. Usage: bench/image.sh [RUNS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runs=${1:-10}
cache=${MOAT_BENCH_CACHE:-/var/cache/moat-bench}
. "$root/bench/rootfs.sh"

for tool in debootstrap umoci skopeo hyperfine zstd bsdtar; do
  command -v "$tool" >/dev/null || { echo "bench/image.sh: $tool is needed" >&2; exit 2; }
done

cmake --preset release >/dev/null
cmake --build --preset release --target moat >/dev/null
moat="$root/build/release/src/moat"

bench_rootfs "$cache"
if [ ! -f "$cache/oci/index.json" ]; then
  rm -rf "$cache/oci" "$cache/oci-zstd" "$cache/bundle"
  umoci init --layout "$cache/oci"
  umoci new --image "$cache/oci:big"
  umoci unpack --image "$cache/oci:big" "$cache/bundle"
  # Three layers: /usr/lib, then /usr/share, then the rest.
  for part in usr/lib usr/share .; do
    mkdir -p "$cache/bundle/rootfs/$part"
    tar -C "$cache/rootfs" --numeric-owner -cf - "$part" | tar -C "$cache/bundle/rootfs" -xf -
    umoci repack --image "$cache/oci:big" --refresh-bundle "$cache/bundle"
  done
  rm -rf "$cache/bundle"
  umoci gc --layout "$cache/oci"
  skopeo copy --quiet --dest-compress-format zstd "oci:$cache/oci:big" "oci:$cache/oci-zstd:big"
fi

layers() { # the layer blobs of an OCI layout's only image, in order
  local layout=$1 manifest
  manifest=$(sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p' "$layout/index.json" | head -1)
  tr ',' '\n' <"$layout/blobs/sha256/$manifest" | sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p' |
    tail -n +2 | sed "s|^|$layout/blobs/sha256/|"
}
gz_layers=$(layers "$cache/oci" | tr '\n' ' ')
zst_layers=$(layers "$cache/oci-zstd" | tr '\n' ' ')
npkg=$("$moat" image --no-progress --list-packages --format json --fail-on none "$cache/oci" |
  grep -c '"purl"')
size_gz=$(du -cb $gz_layers | tail -1 | cut -f1)
size_raw=$(for l in $gz_layers; do gzip -dc "$l"; done | wc -c)

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "date: $(date -u +%Y-%m-%d)"
echo "image: $npkg packages, 3 layers, $size_gz bytes gzip, $size_raw bytes of tar"
hyperfine --warmup 2 --runs "$runs" --export-markdown "$root/bench/.image.md" \
  -n "moat image (gzip layers)" "$moat image --no-progress --format json --fail-on none $cache/oci >/dev/null" \
  -n "moat image --skip-secrets (gzip layers)" "$moat image --no-progress --skip-secrets --format json --fail-on none $cache/oci >/dev/null" \
  -n "gzip -dc | tar -t (same layers)" "for l in $gz_layers; do gzip -dc \$l | tar -t >/dev/null; done" \
  -n "bsdtar -tf, one layer after another (libarchive, same layers)" "for l in $gz_layers; do bsdtar -tf \$l >/dev/null; done" \
  -n "bsdtar -tf, layers in parallel (same layers)" "for l in $gz_layers; do bsdtar -tf \$l >/dev/null & done; wait" \
  -n "moat image (zstd layers)" "$moat image --no-progress --format json --fail-on none $cache/oci-zstd >/dev/null" \
  -n "moat image --skip-secrets (zstd layers)" "$moat image --no-progress --skip-secrets --format json --fail-on none $cache/oci-zstd >/dev/null" \
  -n "zstd -dc | tar -t (same layers)" "for l in $zst_layers; do zstd -qdc \$l | tar -t >/dev/null; done"
cat "$root/bench/.image.md"
# Peak memory of one full scan.
/usr/bin/time -f "moat image peak RSS: %M KiB" "$moat" image --no-progress --format json --fail-on none "$cache/oci" >/dev/null

# The cost of secret scanning: moat image with and without it
# (--skip-secrets), in rounds of 3 runs each, so each ratio compares runs
# made seconds apart (this VM's speed drifts by tens of percent over
# minutes). Goal: at most 1.15x.
for layout in oci oci-zstd; do
  ratios=""
  for round in 1 2 3 4 5 6; do
    hyperfine --warmup 1 --runs 3 --export-json "$root/bench/.ratio.json" \
      -n with "$moat image --no-progress --format json --fail-on none --skip-vulns $cache/$layout >/dev/null" \
      -n without "$moat image --no-progress --skip-secrets --format json --fail-on none --skip-vulns $cache/$layout >/dev/null" >/dev/null
    ratios="$ratios $(python3 -c 'import json,sys; r={x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}; w=r["with"]; wo=r["without"]; print("%.3f:%.0f:%.0f" % (w / wo, w * 1000, wo * 1000))' "$root/bench/.ratio.json")"
  done
  python3 - "$layout" $ratios <<'PY'
import statistics, sys
rounds = [tuple(map(float, r.split(":"))) for r in sys.argv[2:]]
print(f"{sys.argv[1]}: with/without secret scanning per round (median of 3 runs each):")
for ratio, w, wo in rounds:
    print(f"  {ratio:.3f}  ({w:.0f} ms / {wo:.0f} ms)")
print(f"  median ratio {statistics.median(r[0] for r in rounds):.3f}")
PY
done
rm -f "$root/bench/.ratio.json"
