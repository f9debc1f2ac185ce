#!/usr/bin/env bash
# One regression case of `agr diff` (tests/diff/README.md): runs AGR with the arguments after --
# and compares its stdout with EXPECTED, byte for byte, and its exit status with STATUS.
# AGR_UPDATE=1 rewrites EXPECTED from the run instead (read the diff before committing it).
#
#   check.sh AGR EXPECTED STATUS -- ARGS...
set -uo pipefail
agr=$1 expected=$2 want=$3
shift 4
actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
status=0
"$agr" "$@" >"$actual" || status=$?
if [[ ${AGR_UPDATE:-} == 1 ]]; then
  cp "$actual" "$expected"
  echo "check.sh: wrote $expected (exit status $status)"
  exit 0
fi
ok=1
if ! diff -u "$expected" "$actual"; then ok=0; fi
if [[ $status != "$want" ]]; then
  echo "check.sh: exit status $status, expected $want"
  ok=0
fi
((ok)) && echo "check.sh: $(basename "$expected") ok"
((ok))
