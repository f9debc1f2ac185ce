#!/usr/bin/env bash
# Builds the whole project and its tests with AddressSanitizer and UndefinedBehaviorSanitizer
# (-DAGR_SANITIZE=ON; the JIT tier off) in build-asan/ and runs every CTest there: the unit tests,
# the suites, the bad-input test and the replay of the fuzzers' regression inputs and seeds. Any
# finding fails the run (UBSan does not recover; ASan aborts; leaks count).
#
#   tools/sanitize.sh            environment: AGR_ASAN_BUILD_DIR (default build-asan),
#                                AGR_ASAN_JOBS (default nproc)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${AGR_ASAN_BUILD_DIR:-build-asan}
jobs=${AGR_ASAN_JOBS:-$(nproc)}
start=$SECONDS

echo "== sanitize: configuring and building in $build (ASan + UBSan, no JIT)"
mkdir -p "$build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAGR_SANITIZE=ON -DAGR_JIT=OFF >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 2; }
cmake --build "$build" -j "$jobs" >"$build/build.log" 2>&1 ||
  { grep -E "error|Error" "$build/build.log" | head -40; echo "sanitize: the build failed ($build/build.log)" >&2; exit 2; }
echo "== sanitize: built in $((SECONDS - start)) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
test_start=$SECONDS
ctest --test-dir "$build" --output-on-failure -j "$jobs"
echo "== sanitize: tests took $((SECONDS - test_start)) s; $((SECONDS - start)) s in all"
