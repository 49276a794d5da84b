#!/bin/sh
# Usage: stage-runtime.sh BINARY OUT
#
# Writes OUT: the whole root file system of moat's container image, which
# has no shell and no package manager. It holds BINARY as /usr/bin/moat;
# every shared library it links and every library moat opens with dlopen
# (src/moat/lazy, src/moat/engine/http.cpp), each with what it links in
# turn, at the paths the dynamic loader searches; the CA bundle for
# registries; a /tmp; and /etc/passwd and /etc/group naming the image's
# user, 65532, whose home holds moat's cache.
set -eu
bin=$1
out=$2

mkdir -p "$out/usr/bin" "$out/etc/ssl/certs" "$out/tmp" "$out/home/moat"
chmod 1777 "$out/tmp"
chown 65532:65532 "$out/home/moat"
chmod 0750 "$out/home/moat"
cp "$bin" "$out/usr/bin/moat"
chmod 0755 "$out/usr/bin/moat"

opened=""
for soname in libarchive.so.13 libcrypto.so.3 libsqlite3.so.0 libseccomp.so.2 libisal.so.2 \
  libhs.so.5 libcurl.so.4; do
  path=$(ldconfig -p | awk -v s="$soname" '$1 == s { print $NF; exit }')
  if [ -z "$path" ]; then
    echo "stage-runtime.sh: $soname is not installed" >&2
    exit 1
  fi
  opened="$opened $path"
done

# ldd lists a file's whole closure: "name => /path (addr)", and the loader
# itself as "/lib64/ld-linux-x86-64.so.2 (addr)".
for file in "$bin" $opened; do
  ldd "$file" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
  echo "$file"
done | sort -u | while read -r lib; do
  [ "$lib" = "$bin" ] && continue
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
done

cp -L /etc/ssl/certs/ca-certificates.crt "$out/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nmoat:x:65532:65532:moat:/home/moat:/usr/sbin/nologin\n' \
  >"$out/etc/passwd"
printf 'root:x:0:\nmoat:x:65532:\n' >"$out/etc/group"
