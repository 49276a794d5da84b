#!/usr/bin/env bash
# Installs every Debian 12 package moat's build and tests need.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  ca-certificates git cmake ninja-build g++ make pkg-config \
  libfmt-dev libcli11-dev nlohmann-json3-dev libyaml-cpp-dev \
  googletest libgtest-dev libgmock-dev libbenchmark-dev \
  clang-16 libclang-rt-16-dev clang-format-16 clang-tidy-16 \
  hyperfine >/dev/null
