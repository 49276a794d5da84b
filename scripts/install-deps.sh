#!/usr/bin/env bash
# Installs every Debian 12 package moat's build and tests need.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
# Hyperscan is built for x86-64 only; Vectorscan has the same API elsewhere.
hyperscan=libvectorscan-dev
[ "$(dpkg --print-architecture)" = amd64 ] && hyperscan=libhyperscan-dev
$SUDO apt-get install -y -qq --no-install-recommends \
  ca-certificates git cmake ninja-build g++ make pkg-config \
  libfmt-dev libcli11-dev nlohmann-json3-dev libyaml-cpp-dev \
  googletest libgtest-dev libgmock-dev libbenchmark-dev \
  clang-16 libclang-rt-16-dev clang-format-16 clang-tidy-16 \
  libarchive-dev libssl-dev libsodium-dev libsqlite3-dev libcurl4-openssl-dev zlib1g-dev libzstd-dev libisal-dev \
  libseccomp-dev "$hyperscan" \
  hyperfine >/dev/null
# Real components for the image tests: a Debian rootfs, image packers, a
# Docker daemon and a registry, rpm for a real rpmdb, and real Go and Java
# binaries built by Debian for the catalogers; what docker-bench-security
# runs (procps, iproute2, jq) for the comparison with moat bench; dpkg-dev
# (dpkg-shlibdeps) and lintian for the Debian package.
$SUDO apt-get install -y -qq --no-install-recommends \
  debootstrap umoci skopeo busybox-static zstd openssl openssh-client \
  docker.io docker-registry apache2-utils rpm runc libcommons-lang3-java \
  python3 procps iproute2 jq apparmor patch pre-commit git man-db groff zsh fish \
  dpkg-dev lintian >/dev/null
# Podman's Docker-compatible service and a rootless dockerd (rootlesskit,
# newuidmap) for the engine tests; the rootless daemon's user, with the
# subordinate id ranges useradd gives an ordinary user.
$SUDO apt-get install -y -qq --no-install-recommends \
  podman rootlesskit uidmap util-linux >/dev/null
# GnuPG: moat verify checks GPG simple signing signatures with gpgv.
$SUDO apt-get install -y -qq --no-install-recommends gpg gpgv >/dev/null
if ! id moat-rootless >/dev/null 2>&1; then
  $SUDO useradd --create-home --shell /usr/sbin/nologin moat-rootless
fi
