#!/usr/bin/env bash
# End-to-end throughput of the real `agr run` binary, file I/O included (no hyperfine needed), on
# one thread (AGR_BENCH_JOBS=N for N; `agr run` alone uses every core).
#
#   bench/run_e2e.sh [COURSES (50000)] [BUILD_DIR (build)]
#
# Generates COURSES synthetic LBP histories with agr_gen_histories (seed 42) into a temporary
# file, then times `agr run agreements/lbp.agr FILE > /dev/null` three times with date +%s.%N
# and prints events/s (and MB/s of input) per run and the median. The time includes compiling
# lbp.agr in-process; the last line measures that fixed cost on an empty input.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
courses=${1:-50000}
build=${2:-$root/build}
agr="$build/agr"
gen="$build/bench/agr_gen_histories"
agreement="$root/agreements/lbp.agr"
for tool in "$agr" "$gen"; do
  [[ -x $tool ]] || { echo "run_e2e.sh: $tool not built (make agr agr_gen_histories)" >&2; exit 2; }
done

file=$(mktemp /tmp/agr_e2e.XXXXXX.jsonl)
empty=$(mktemp /tmp/agr_e2e_empty.XXXXXX.jsonl)
trap 'rm -f "$file" "$empty"' EXIT

summary=$("$gen" --courses "$courses" --seed 42 2>&1 >"$file")
events=$(awk '{print $4}' <<<"$summary")
bytes=$(stat -c %s "$file")
echo "corpus: $courses courses, $events events, $bytes bytes ($file, seed 42)"

run_once() {  # prints elapsed seconds of one `agr run` over $1
  local t0 t1 status=0
  t0=$(date +%s.%N)
  "$agr" run --jobs "${AGR_BENCH_JOBS:-1}" "$agreement" "$1" >/dev/null || status=$?
  t1=$(date +%s.%N)
  if ((status > 1)); then echo "run_e2e.sh: agr run failed with status $status" >&2; exit 2; fi
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}

times=()
for i in 1 2 3; do
  t=$(run_once "$file")
  times+=("$t")
  awk -v i="$i" -v t="$t" -v e="$events" -v b="$bytes" \
    'BEGIN { printf "run %d: %8.3f s  %6.2f M events/s  %7.1f MB/s\n", i, t, e / t / 1e6, b / t / 1e6 }'
done
median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)
awk -v t="$median" -v e="$events" -v b="$bytes" \
  'BEGIN { printf "median: %8.3f s  %6.2f M events/s  %7.1f MB/s   goal >= 1 M events/s: %s\n",
           t, e / t / 1e6, b / t / 1e6, (e / t >= 1e6 ? "met" : "NOT MET") }'
fixed=$(run_once "$empty")
awk -v t="$fixed" 'BEGIN { printf "fixed cost (compile lbp.agr, empty input): %.3f s, included above\n", t }'
