#!/usr/bin/env bash
# Installs what moat needs, builds it, and runs the whole test suite:
# clang-format; one -Werror build with clang under ASan+UBSan of moat, every
# test and the libFuzzer targets (moat's libraries at -O1 with libFuzzer's
# coverage, the tests at -O0); the unit tests with leak detection; the
# integration and real-image tests, with g++ over every source with -Werror
# (analysis only, no code: the release build and the quick start use g++)
# and clang-tidy running beside them at the lowest priority; each fuzz
# target for a while. Prints how long each stage took.
#
# The sources are compiled once, as unity sources, and the tests and the fuzz
# targets link the same objects. The real test images are built from the
# Debian mirror in the background while the code compiles.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

jobs=$(nproc)
started=$(date +%s)
stage_start=$started
stage_name=""
timings=()
step() {
  local now
  now=$(date +%s)
  if [ -n "$stage_name" ]; then
    timings+=("$(printf '%5ds  %s' $((now - stage_start)) "$stage_name")")
  fi
  stage_name="$*"
  stage_start=$now
  printf '\n==> %s\n' "$*"
}
report_timings() {
  step ""
  printf '\n==> time per stage\n'
  printf '%s\n' "${timings[@]}"
  printf '%5ds  total\n' $(( $(date +%s) - started ))
}
trap report_timings EXIT

step "install dependencies"
scripts/install-deps.sh

if command -v ccache >/dev/null 2>&1; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache
fi

# The image tests' real images (debootstrap and apt from the Debian
# mirror): built now, in the background, so the downloads overlap the
# compiles; the tests wait for them (build.sh holds a lock) or skip with the
# reason when the mirror cannot be reached.
images_out="$root/build/ci/test-images"
mkdir -p "$images_out"
bash tests/images/build.sh /var/cache/moat-test "$images_out" >"$images_out.log" 2>&1 &
images_pid=$!

step "format check"
find src tests fuzz bench -name '*.cpp' -o -name '*.hpp' | sort | xargs clang-format-16 --dry-run --Werror

step "build: moat, every test and the fuzz targets, -Werror, ASan+UBSan (clang)"
cmake --preset ci >/dev/null
cmake --build --preset ci

step "unit tests (leak detection on)"
# Each unit-test executable runs whole, two at a time: ctest would start a
# process per test case, and starting a sanitizer binary is what most of
# those cost. The executables are the ones ctest knows under the unit label.
ctest --preset ci -L unit --show-only=json-v1 | python3 -c '
import json, sys
seen = []
for t in json.load(sys.stdin)["tests"]:
    if t["command"][0] not in seen:
        seen.append(t["command"][0])
print("\n".join(seen))' >build/ci/unit-tests.txt
(cd build/ci/tests &&
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 xargs -P "$jobs" -I{} \
    sh -c '"$1" --gtest_brief=1 >"$1.log" 2>&1 && echo "passed: $1" || { cat "$1.log"; echo "FAILED: $1"; exit 1; }' \
    unit {} <../unit-tests.txt)

# g++ over every source of the g++ configuration (asan-ubsan preset, unity
# sources), each with -fsyntax-only: g++'s parse, template instantiation and
# front-end warnings, without the code generation the clang build already did.
gcc_check() {
  cmake --preset asan-ubsan >/dev/null
  python3 -c '
import json, os, shlex, sys
for e in json.load(open(sys.argv[1])):
    if not os.path.exists(e["file"]):
        continue  # generated at build time (the database of the secret rules)
    args = shlex.split(e["command"])
    out = []
    skip = False
    for a in args:
        if skip:
            skip = False
        elif a == "-o":
            skip = True
        elif a != "-c":
            out.append(a)
    sys.stdout.write(shlex.join(out + ["-fsyntax-only"]) + "\0")' build/asan-ubsan/compile_commands.json |
    xargs -0 -P "$jobs" -n 1 sh -c 'eval "$1"' gcc-check
}

# clang-tidy reads the clang build's unity sources, so the headers every file
# includes are analysed once per unity source rather than once per file; a
# finding in any file of src/moat is reported against that file. The unity
# sources include .cpp files by design, so bugprone-suspicious-include is
# checked by the grep instead.
tidy_check() {
  if grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"][^>"]*\.(cpp|cc|cxx)[>"]' \
    src tests fuzz bench; then
    echo "a source file includes a .cpp file" >&2
    return 1
  fi
  python3 -c '
import json, sys
for e in json.load(open(sys.argv[1])):
    if "/Unity/" in e["file"] and "/ci/src/" in e["file"]:
        print(e["file"])' build/ci/compile_commands.json |
    xargs -P "$jobs" -n 1 clang-tidy-16 -p build/ci --quiet --checks=-bugprone-suspicious-include
}

step "integration and real-image tests, with g++ -Werror and clang-tidy beside them"
# The integration tests spend much of their time waiting on dockerd, Podman,
# the registry and the Debian mirror. The two static passes use those idle
# cycles at the lowest priority (nice 19), so the tests keep the cores
# whenever they want them; the passes' output is printed after the tests.
static_log=build/ci/static-checks.log
(
  renice -n 19 -p "$BASHPID" >/dev/null
  set -e
  t0=$(date +%s)
  gcc_check
  t1=$(date +%s)
  tidy_check
  t2=$(date +%s)
  printf '%5ds  g++ -Werror -fsyntax-only (nice 19)\n%5ds  clang-tidy (nice 19)\n' \
    $((t1 - t0)) $((t2 - t1))
) >"$static_log" 2>&1 &
static_pid=$!
wait "$images_pid" || true
tests_status=0
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --preset ci -LE unit -j "$jobs" || tests_status=$?
static_status=0
wait "$static_pid" || static_status=$?
printf '\n==> g++ and clang-tidy\n'
cat "$static_log"
if [ "$tests_status" -ne 0 ] || [ "$static_status" -ne 0 ]; then
  echo "integration tests exit $tests_status, g++ and clang-tidy exit $static_status" >&2
  exit 1
fi

step "fuzzing: each target for 5 s"
fuzz/run.sh build/ci 5 "$jobs"
