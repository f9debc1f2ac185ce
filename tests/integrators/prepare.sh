#!/bin/sh
# The integrators' tests' fixture: the LBP and STE agreements compiled, and what `agr run` writes
# for their example histories (two bad lines among LBP's, so exit status 1; none among STE's);
# and both judging the examples mixed, each naming its agreement, with a history naming none and
# one naming an agreement not loaded at the end.
#
#   prepare.sh AGR SOURCE_DIR WORK_DIR
set -eu
agr=$1 src=$2 work=$3
mkdir -p "$work"
"$agr" compile "$src/agreements/lbp.agr" -o "$work/lbp.agrc"
status=0
"$agr" run "$work/lbp.agrc" "$src/examples/histories/lbp.jsonl" >"$work/lbp.out" || status=$?
[ "$status" -eq 1 ] || { echo "prepare.sh: agr run exited $status, expected 1" >&2; exit 1; }
"$agr" compile "$src/agreements/ste.agr" -o "$work/ste.agrc"
"$agr" run "$work/ste.agrc" "$src/examples/histories/ste.jsonl" >"$work/ste.out"
{
  sed 's/^{/{"agreement": "ste", /' "$src/examples/histories/ste.jsonl"
  sed 's/^{/{"agreement": "lbp", /' "$src/examples/histories/lbp.jsonl"
  head -1 "$src/examples/histories/ste.jsonl"
  head -1 "$src/examples/histories/ste.jsonl" | sed 's/^{/{"agreement": "pathway", /'
} >"$work/mixed.jsonl"
status=0
"$agr" run "$work/lbp.agrc" "$work/ste.agrc" "$work/mixed.jsonl" >"$work/mixed.out" || status=$?
[ "$status" -eq 1 ] || { echo "prepare.sh: agr run of both exited $status, expected 1" >&2; exit 1; }
