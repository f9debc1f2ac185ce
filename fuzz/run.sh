#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined) in build-fuzz/ and runs
# each for SECONDS (default 60), one after the other.
#
#   fuzz/run.sh [SECONDS] [TARGET...]      targets: fuzz_compile fuzz_bytecode fuzz_history fuzz_evaluate
#                                          fuzz_differential fuzz_fmt
#
# Each target starts from a work copy of its committed seed corpus (fuzz/corpus/<target>/ is never
# written): build-fuzz/corpus-work/<target>/, which keeps what earlier runs found. It runs with its
# dictionary, -timeout=10 and -rss_limit_mb=2048; the number of executions it did is read from
# libFuzzer's final stats. A crash, a timeout, a leak or running out of memory stops the script with
# a non-zero status, the input left in build-fuzz/crashes/<target>/ and its log beside it. To keep a
# crash as a regression, copy the file into fuzz/regressions/<target>/ (tests replay it).
#
# Environment: AGR_FUZZ_BUILD_DIR (default build-fuzz), AGR_FUZZ_JOBS (build parallelism, default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=${1:-60}
[ $# -gt 0 ] && shift
case "$seconds" in ''|*[!0-9]*) echo "usage: fuzz/run.sh [SECONDS] [TARGET...]" >&2; exit 2 ;; esac
all_targets=(fuzz_compile fuzz_bytecode fuzz_history fuzz_evaluate fuzz_differential fuzz_fmt)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "fuzz/run.sh: unknown target '$t' (${all_targets[*]})" >&2; exit 2; }
done

build=${AGR_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${AGR_FUZZ_JOBS:-$(nproc)}
start=$SECONDS
echo "== fuzz: building ${targets[*]} in $build"
mkdir -p "$build"
CC=${CC_FUZZ:-clang} CXX=${CXX_FUZZ:-clang++} cmake -S . -B "$build" -DAGR_FUZZ=ON -DAGR_JIT=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 2; }
cmake --build "$build" -j "$jobs" --target "${targets[@]}" >"$build/build.log" 2>&1 || {
  grep -E "error|Error" "$build/build.log" | head -40; echo "fuzz/run.sh: the fuzz build failed ($build/build.log)" >&2; exit 2; }
echo "== fuzz: built in $((SECONDS - start)) s"

dict_for() {
  case "$1" in
    fuzz_compile|fuzz_fmt) echo "$root/fuzz/agr.dict" ;;
    *) echo "$root/fuzz/json.dict" ;;
  esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

status=0
failed=0
summary=()
for t in "${targets[@]}"; do
  work="$build/corpus-work/$t"
  crashes="$build/crashes/$t"
  mkdir -p "$work" "$crashes"
  cp -n "$root/fuzz/corpus/$t/"* "$work/" 2>/dev/null || true
  log="$build/crashes/$t.log"
  echo "== fuzz: $t for $seconds s (corpus $(ls "$work" | wc -l) files)"
  set +e
  "$build/fuzz/$t" "$work" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -dict="$(dict_for "$t")" -artifact_prefix="$crashes/" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
  peak=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1 || true)
  cov=$(grep -aoE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2 || true)
  line="$t: ${execs:-?} executions, cov ${cov:-?}, peak rss ${peak:-?} MB, corpus $(ls "$work" | wc -l) files"
  if [ $rc -ne 0 ]; then
    status=1
    failed=$((failed + 1))
    artifact=$(grep -aoE "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/Test unit written to //' || true)
    line="$line -- FAILED (exit $rc)${artifact:+: $artifact}"
    echo "fuzz/run.sh: $t failed; the end of its log ($log):" >&2
    grep -avE '^#[0-9]+' "$log" | tail -60 >&2 || true
  fi
  echo "$line"
  summary+=("$line")
done
echo "== fuzz summary ($((SECONDS - start)) s in all)"
printf '%s\n' "${summary[@]}"
echo "fuzz: $((${#targets[@]} - failed)) passed, $failed failed"
exit $status
