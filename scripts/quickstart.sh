#!/usr/bin/env bash
# Installs what moat needs, builds it, and lints the bundled example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release -DMOAT_BUILD_TESTS=OFF >/dev/null
cmake --build --preset release --target moat
echo
echo "\$ moat lint examples/Dockerfile"
# The example is insecure on purpose: exit code 1 means findings were reported.
build/release/src/moat lint examples/Dockerfile || test $? -eq 1
echo
echo "moat is at build/release/src/moat"
