#!/bin/sh
# Usage: in-root.sh ROOT SCRIPT [ARG...]
#
# Runs SCRIPT (sh, with ROOT as $1 and the ARGs after it) with ROOT's /proc
# and a minimal /dev mounted: what apt and dpkg need inside a chroot (apt's
# gpgv needs /dev/null, or it cannot verify the indexes). The mounts are
# made in a private mount namespace, so they cannot outlive the script even
# when it is killed. Needs root.
set -e
root=$1
script=$2
shift 2
exec unshare --mount --propagation private sh -ec '
  mount -t proc proc "$1/proc"
  mount -t tmpfs -o mode=755 dev "$1/dev"
  mknod -m 666 "$1/dev/null" c 1 3
  mknod -m 666 "$1/dev/zero" c 1 5
  mknod -m 666 "$1/dev/random" c 1 8
  mknod -m 666 "$1/dev/urandom" c 1 9
  ln -s /proc/self/fd "$1/dev/fd"
  script=$2
  root=$1
  shift 2
  sh -ec "$script" sh "$root" "$@"
' sh "$root" "$script" "$@"
