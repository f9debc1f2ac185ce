#!/bin/sh
# The JIT's disk cache across processes: the first `agr run --engine jit` compiles and writes
# <cache>/<key>.o, the second loads it (AGR_JIT_STATS says "(cached)"); both print exactly what
# the VM prints.   disk_cache_test.sh AGR SOURCE_DIR
set -eu
agr=$1
root=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
agreement=$root/agreements/lbp.agr
histories=$root/examples/histories/lbp.jsonl
fail() { echo "disk_cache_test: $*" >&2; exit 1; }

"$agr" run "$agreement" "$histories" --engine vm >"$dir/vm.out" || [ $? -eq 1 ] || fail "the VM run failed"
for opt in 0 2; do
  for round in 1 2; do
    AGR_JIT_CACHE=$dir/cache AGR_JIT_STATS=1 "$agr" run "$agreement" "$histories" --engine jit --jit-opt $opt \
      >"$dir/jit.out" 2>"$dir/jit.err" || [ $? -eq 1 ] || fail "the JIT run failed: $(cat "$dir/jit.err")"
    cmp -s "$dir/vm.out" "$dir/jit.out" || fail "O$opt round $round: the JIT's output differs from the VM's"
    if [ $round -eq 1 ]; then
      grep -q "(cached)" "$dir/jit.err" && fail "O$opt: the first run claims a cache hit: $(cat "$dir/jit.err")"
    else
      grep -q "(cached)" "$dir/jit.err" || fail "O$opt: the second run compiled again: $(cat "$dir/jit.err")"
    fi
  done
done
[ "$(ls "$dir/cache" | grep -c '\.o$')" -eq 2 ] || fail "expected two cached objects: $(ls "$dir/cache")"
# A damaged object is recompiled (and rewritten), never trusted.
for o in "$dir/cache"/*.o; do printf 'garbage' >"$o"; done
AGR_JIT_CACHE=$dir/cache AGR_JIT_STATS=1 "$agr" run "$agreement" "$histories" --engine jit \
  >"$dir/jit.out" 2>"$dir/jit.err" || [ $? -eq 1 ] || fail "the JIT run over a damaged cache failed: $(cat "$dir/jit.err")"
cmp -s "$dir/vm.out" "$dir/jit.out" || fail "over a damaged cache the output differs from the VM's"
grep -q "(cached)" "$dir/jit.err" && fail "a damaged object was used"
echo "disk_cache_test: ok"
