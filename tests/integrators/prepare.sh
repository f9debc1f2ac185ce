#!/bin/sh
# The integrators' tests' fixture: the LBP agreement compiled, and what `agr run` writes for the
# example histories (two bad lines among them, so exit status 1).
#
#   prepare.sh AGR SOURCE_DIR WORK_DIR
set -eu
agr=$1 src=$2 work=$3
mkdir -p "$work"
"$agr" compile "$src/agreements/lbp.agr" -o "$work/lbp.agrc"
status=0
"$agr" run "$work/lbp.agrc" "$src/examples/histories/lbp.jsonl" >"$work/lbp.out" || status=$?
[ "$status" -eq 1 ] || { echo "prepare.sh: agr run exited $status, expected 1" >&2; exit 1; }
