#!/usr/bin/env bash
# Installs what moat needs, builds it, and runs the whole test suite:
# a -Werror build with every test, the unit tests under ASan+UBSan, a short
# libFuzzer run of each fuzz target, clang-format and clang-tidy.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

step() { printf '\n==> %s\n' "$*"; }

step "format check"
find src tests fuzz bench -name '*.cpp' -o -name '*.hpp' | sort | xargs clang-format-16 --dry-run --Werror

step "build (dev, -Werror)"
cmake --preset dev -DMOAT_WERROR=ON >/dev/null
cmake --build --preset dev

step "clang-tidy"
find src -name '*.cpp' | sort | xargs -P 2 -n 4 clang-tidy-16 -p build/dev --quiet \
  --extra-arg=-std=c++2b --extra-arg=-include"$PWD/cmake/clang-expected-compat.hpp"

step "build (asan-ubsan)"
cmake --preset asan-ubsan >/dev/null
cmake --build --preset asan-ubsan

step "fuzz targets"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
fuzz/run.sh build/fuzz 15

step "unit tests under ASan+UBSan"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset asan-ubsan -L unit

step "all tests"
ctest --preset dev
