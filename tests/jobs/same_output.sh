#!/usr/bin/env bash
# `--jobs N` changes nothing but the time taken (tests/CMakeLists.txt, `jobs.*` in CTest): runs
# AGR with the arguments after -- once with --jobs 1 and once with --jobs 3, and compares their
# standard output, standard error, exit status (which must be STATUS) and every FILE given with
# --file, byte for byte; only the seconds in `agr test`'s reports (JUnit time="...", JSON
# "seconds":...) are set to 0 first. With --repeat N FILE..., the files are joined N times into
# WORK/input.jsonl, which an argument `@input` stands for: input long enough to be cut into many
# blocks of the batch runner (1 MiB each), so that the threads have work to share.
#
#   same_output.sh WORK AGR STATUS [--repeat N FILE...] [--file FILE]... -- ARGS...
set -uo pipefail
work=$1 agr=$2 want=$3
shift 3
mkdir -p "$work"
repeat=0 sources=() files=()
while [[ $# -gt 0 && $1 != -- ]]; do
  case $1 in
    --repeat) repeat=$2; shift 2
              while [[ $# -gt 0 && $1 != -- && $1 != --* ]]; do sources+=("$1"); shift; done ;;
    --file) files+=("$2"); shift 2 ;;
    *) echo "same_output.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
shift  # --
if ((repeat > 0)); then
  cat "${sources[@]}" >"$work/once.jsonl"
  for ((i = 0; i < repeat; ++i)); do echo "$work/once.jsonl"; done | xargs cat >"$work/input.jsonl"
fi
args=()
for arg in "$@"; do args+=("${arg//@input/$work/input.jsonl}"); done

times_as_zero() { sed -E 's/time="[0-9.]+"/time="0"/g; s/"seconds":[0-9.]+/"seconds":0/g' "$1" >"$1.masked"; }

ok=1
for jobs in 1 3; do
  rm -f "${files[@]}"
  status=0
  "$agr" "${args[@]}" --jobs "$jobs" >"$work/out.$jobs" 2>"$work/err.$jobs" || status=$?
  if [[ $status != "$want" ]]; then
    echo "same_output.sh: --jobs $jobs: exit status $status, expected $want"; cat "$work/err.$jobs"; ok=0
  fi
  times_as_zero "$work/out.$jobs"
  for f in "${files[@]}"; do
    cp "$f" "$work/$(basename "$f").$jobs" 2>/dev/null || { echo "same_output.sh: --jobs $jobs wrote no $f"; ok=0; }
    [[ -f $work/$(basename "$f").$jobs ]] && times_as_zero "$work/$(basename "$f").$jobs"
  done
done
compare() {
  if ! cmp -s "$1.1$2" "$1.3$2"; then
    echo "same_output.sh: $(basename "$1") differs between --jobs 1 and --jobs 3:"; diff "$1.1$2" "$1.3$2" | head -20; ok=0
  fi
}
compare "$work/out" .masked
compare "$work/err" ""
for f in "${files[@]}"; do compare "$work/$(basename "$f")" .masked; done
if [[ ! -s $work/out.1 ]]; then echo "same_output.sh: nothing on standard output"; ok=0; fi
((ok)) && echo "same_output.sh: --jobs 1 and --jobs 3 agree ($(wc -l <"$work/out.1") lines out)"
((ok))
