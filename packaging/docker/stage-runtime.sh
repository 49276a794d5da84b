#!/usr/bin/env bash
# Usage: stage-runtime.sh BINARY OUT
#
# Writes OUT: the whole root file system of moat's container image, which
# has no shell and no package manager. It holds BINARY as /usr/bin/moat;
# every shared library it links and every library moat opens with dlopen
# (src/moat/lazy, src/moat/engine/http.cpp), each with what it links in
# turn, at the paths the dynamic loader searches; the copyright files of
# the Debian packages those come from and of the libraries compiled into
# moat, with moat's own licence; the CA bundle for registries; a /tmp; and
# /etc/passwd and /etc/group naming the image's user, 65532, whose home
# holds moat's cache (a volume on /home/moat/.cache keeps the vulnerability
# database between runs).
set -euo pipefail
umask 022
bin=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)

mkdir -p "$out/usr/bin" "$out/etc/ssl/certs" "$out/tmp" "$out/home/moat/.cache" \
  "$out/usr/share/doc/moat"
chmod 1777 "$out/tmp"
chown -R 65532:65532 "$out/home/moat"
chmod 0750 "$out/home/moat"
cp "$bin" "$out/usr/bin/moat"
chmod 0755 "$out/usr/bin/moat"

# The binary's own libraries name the architecture's directory
# (/lib/x86_64-linux-gnu); the dlopened ones are taken from the same one.
ldd_of() {
  local listing
  listing=$(ldd "$1")
  if grep -q 'not found' <<<"$listing"; then
    echo "stage-runtime.sh: $1 needs a library that is not installed:" >&2
    grep 'not found' <<<"$listing" >&2
    exit 1
  fi
  # "name => /path (addr)", and the loader itself as "/lib64/ld-linux-x86-64.so.2 (addr)".
  awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$listing"
}
# (No reader below stops early: under pipefail a writer killed by SIGPIPE
# would fail the script.)
libdir=$(dirname "$(ldd_of "$bin" | awk '/\/libc\.so\./ && !found { print; found = 1 }')")

opened=()
for soname in libarchive.so.13 libcrypto.so.3 libsqlite3.so.0 libseccomp.so.2 libisal.so.2 \
  libhs.so.5 libcurl.so.4; do
  path=$(ldconfig -p | awk -v s="$soname" -v d="$libdir" '
    BEGIN { sub(/^\/usr/, "", d) }
    $1 == s && found == "" { q = $NF; sub(/^\/usr/, "", q); if (index(q, d "/") == 1) found = $NF }
    END { print found }')
  if [ -z "$path" ]; then
    echo "stage-runtime.sh: $soname is not installed in $libdir" >&2
    exit 1
  fi
  opened+=("$path")
done

libs=$(for file in "$bin" "${opened[@]}"; do
  ldd_of "$file"
  echo "$file"
done | sort -u | grep -vxF "$bin")
for lib in $libs; do
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
done

# Copyright files travel with the binaries: those of the packages the
# libraries come from (dpkg knows a library by its /usr path on a merged
# /usr), and of the libraries compiled into moat (header-only, or linked
# statically by the release build).
packages=$(for lib in $libs; do
  dpkg -S "$lib" 2>/dev/null || dpkg -S "/usr${lib#/usr}" 2>/dev/null || true
done | cut -d: -f1 | sort -u)
for pkg in $packages libfmt-dev libyaml-cpp-dev libsodium-dev libcli11-dev nlohmann-json3-dev; do
  if [ -f "/usr/share/doc/$pkg/copyright" ]; then
    mkdir -p "$out/usr/share/doc/$pkg"
    cp -L "/usr/share/doc/$pkg/copyright" "$out/usr/share/doc/$pkg/copyright"
  fi
done
cp "$here/../../LICENSE" "$out/usr/share/doc/moat/LICENSE"
if [ -f /usr/share/common-licenses/Apache-2.0 ]; then
  cp /usr/share/common-licenses/Apache-2.0 "$out/usr/share/doc/moat/Apache-2.0"
fi

cp -L /etc/ssl/certs/ca-certificates.crt "$out/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nmoat:x:65532:65532:moat:/home/moat:/usr/sbin/nologin\n' \
  >"$out/etc/passwd"
printf 'root:x:0:\nmoat:x:65532:\n' >"$out/etc/group"
