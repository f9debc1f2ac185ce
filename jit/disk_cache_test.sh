#!/bin/sh
# The JIT's disk cache across processes, through the real command line, and the attacks of issue 8
# on it. The first `agr run --engine jit` compiles and writes an entry, the second loads it
# (AGR_JIT_STATS says "(cached)"); both print exactly what the VM prints. An entry holds the
# SHA-256 of what it was compiled from and of its own object: another agreement's entry, a
# hand-made object, flipped bits and a truncated file are discarded and recompiled, with a note.
# The cache folder is made 0700; one that is not the user's own, is writable by others, or is a
# symlink is not used (compiled in memory, with a note); entries and temporary files never
# follow a symlink.
#
#   disk_cache_test.sh AGR SOURCE_DIR
set -eu
agr=$1
root=$2
dir=$(mktemp -d)
trap 'chmod -R u+rwx "$dir" 2>/dev/null; rm -rf "$dir"' EXIT
lbp=$root/agreements/lbp.agr
ste=$root/agreements/ste.agr
lbp_histories=$root/examples/histories/lbp.jsonl
ste_histories=$root/examples/histories/ste.jsonl
cache=$dir/cache
fail() { echo "disk_cache_test: $*" >&2; exit 1; }

# run AGREEMENT HISTORIES [OPT]: a JIT run with the cache at $cache; output in $dir/jit.out, stats
# and notes in $dir/jit.err. Exit 1 (a rejected event) is a normal verdict.
run() {
  AGR_JIT_CACHE=$cache AGR_JIT_STATS=1 "$agr" run "$1" "$2" --engine jit --jit-opt "${3:-0}" \
    >"$dir/jit.out" 2>"$dir/jit.err" || [ $? -eq 1 ] || fail "the JIT run failed: $(cat "$dir/jit.err")"
}
# The entries of the cache folder (no temporary files may be left beside them).
entries() { ls -A "$cache"; }
same_as_vm() { cmp -s "$dir/$1.vm" "$dir/jit.out" || fail "$2: the JIT's output differs from the VM's"; }
cached() { grep -q "(cached)" "$dir/jit.err"; }
noted() { grep -q "$1" "$dir/jit.err" || fail "$2: no note '$1' under AGR_JIT_STATS: $(cat "$dir/jit.err")"; }

"$agr" run "$lbp" "$lbp_histories" --engine vm >"$dir/lbp.vm" 2>"$dir/vm.err" || [ $? -eq 1 ] || fail "the VM run failed"
"$agr" run "$ste" "$ste_histories" --engine vm >"$dir/ste.vm" 2>"$dir/vm.err" || [ $? -eq 1 ] || fail "the VM run failed"

# ---- across processes: compiled once, then loaded --------------------------------------------------
for opt in 0 2; do
  for round in 1 2; do
    run "$lbp" "$lbp_histories" $opt
    same_as_vm lbp "O$opt round $round"
    if [ $round -eq 1 ]; then
      cached && fail "O$opt: the first run claims a cache hit: $(cat "$dir/jit.err")"
    else
      cached || fail "O$opt: the second run compiled again: $(cat "$dir/jit.err")"
    fi
  done
done
[ "$(entries | wc -l)" -eq 2 ] || fail "expected two entries (O0, O2): $(entries)"
[ "$(stat -c %a "$cache")" = 700 ] || fail "the cache folder was made $(stat -c %a "$cache"), not 700"
rm -rf "$cache"

# The entries of one agreement at O0, to attack: $lbp_entry, and a copy of it.
run "$lbp" "$lbp_histories"
lbp_entry=$cache/$(entries)
cp "$lbp_entry" "$dir/lbp.entry"
restore() { cp "$dir/lbp.entry" "$lbp_entry"; }
# attacked NAME: after the entry was tampered with, the run recompiles, says why, answers as the VM
# does, and leaves a good entry (the next run is a hit).
attacked() {
  run "$lbp" "$lbp_histories"
  same_as_vm lbp "$1"
  cached && fail "$1: the tampered entry was used"
  noted "discarded" "$1"
  run "$lbp" "$lbp_histories"
  cached || fail "$1: no good entry was written in its place"
  same_as_vm lbp "$1 (rewritten)"
}

# ---- another agreement's entry under this one's name --------------------------------------------------
run "$ste" "$ste_histories"
ste_entry=$(entries | grep -vx "$(basename "$lbp_entry")")
cp "$cache/$ste_entry" "$lbp_entry"
attacked "another agreement's entry"

# ---- a hand-made object with the functions' names ---------------------------------------------------------
cc=$(command -v cc || command -v clang || true)
if [ -n "$cc" ]; then
  i=0
  : >"$dir/evil.c"
  while [ $i -lt 64 ]; do
    echo "unsigned char agr_fn_$i(void* p, void* x, void* s, void* d) { return 1; }" >>"$dir/evil.c"
    echo "unsigned long agr_service_$i(void* p, void* x, void* s, void* f) { return 1; }" >>"$dir/evil.c"
    i=$((i + 1))
  done
  "$cc" -c -O1 -fno-pic -o "$dir/evil.o" "$dir/evil.c"
  cp "$dir/evil.o" "$lbp_entry"
  attacked "a hand-made object"
  # The same object behind a header copied from the real entry (what was hashed at write time
  # does not match it).
  head -c 80 "$dir/lbp.entry" >"$lbp_entry"
  cat "$dir/evil.o" >>"$lbp_entry"
  attacked "a hand-made object behind a real header"
else
  echo "disk_cache_test: no C compiler: the hand-made object is not tried" >&2
fi

# ---- flipped bits, everywhere in the entry, and a truncated entry ---------------------------------------------
size=$(wc -c <"$dir/lbp.entry")
for at in 0 9 40 70 100 $((size / 3)) $((size / 2)) $((size - 100)) $((size - 1)); do
  restore
  byte=$(od -An -tu1 -j "$at" -N1 "$lbp_entry" | tr -d ' ')
  printf "$(printf '\\%03o' $(((byte ^ 16) & 255)))" | dd of="$lbp_entry" bs=1 seek="$at" conv=notrunc 2>/dev/null
  cmp -s "$lbp_entry" "$dir/lbp.entry" && fail "the bit at $at was not flipped"
  attacked "a bit flipped at byte $at"
done
for keep in 0 10 64 $((size / 2)) $((size - 1)); do
  restore
  head -c "$keep" "$dir/lbp.entry" >"$lbp_entry"
  attacked "the entry cut to $keep bytes"
done

# ---- symlinks: an entry that is one, and the temporary names of the old scheme ------------------------------
echo "not to be touched" >"$dir/victim"
cp "$dir/lbp.entry" "$dir/linked.entry"
rm "$lbp_entry"
ln -s "$dir/linked.entry" "$lbp_entry"
run "$lbp" "$lbp_histories"
same_as_vm lbp "a symlinked entry"
cached && fail "a symlinked entry was followed"
[ -L "$lbp_entry" ] && fail "a symlinked entry was left in place"
cmp -s "$dir/lbp.entry" "$dir/linked.entry" || fail "the symlink's target was changed"
# The old scheme wrote <entry>.tmp.<pid>.<n>: whoever planted that name as a symlink had the
# write go to its target. (exec keeps the shell's pid.)
rm "$lbp_entry"
AGR_JIT_CACHE=$cache AGR_JIT_STATS=1 sh -c '
  for n in 0 1 2 3; do ln -s "$1" "$2.tmp.$$.$n"; done
  exec "$3" run "$4" "$5" --engine jit --jit-opt 0' sh "$dir/victim" "$lbp_entry" "$agr" "$lbp" "$lbp_histories" \
  >"$dir/jit.out" 2>"$dir/jit.err" || [ $? -eq 1 ] || fail "the run beside planted symlinks failed: $(cat "$dir/jit.err")"
same_as_vm lbp "planted temporary names"
[ "$(cat "$dir/victim")" = "not to be touched" ] || fail "a write followed a planted symlink into $dir/victim"
find "$cache" -name '*.tmp.*' -type l -delete
[ -f "$lbp_entry" ] && [ ! -L "$lbp_entry" ] || fail "no entry was written beside the planted names"

# ---- the folder: writable by others, not the user's, a symlink ------------------------------------------------
# refused WHY: the run compiles in memory (no hit, no new entry), says so, and answers as the VM does.
refused() {
  before=$(ls -A "$1" 2>/dev/null | wc -l)
  AGR_JIT_CACHE=$1 AGR_JIT_STATS=1 "$agr" run "$lbp" "$lbp_histories" --engine jit --jit-opt 0 \
    >"$dir/jit.out" 2>"$dir/jit.err" || [ $? -eq 1 ] || fail "$2: the run failed: $(cat "$dir/jit.err")"
  same_as_vm lbp "$2"
  cached && fail "$2: the folder was used"
  noted "compiling in memory" "$2"
  [ "$(ls -A "$1" 2>/dev/null | wc -l)" -eq "$before" ] || fail "$2: something was written into the folder"
}
for mode in 770 707 777 1777; do
  chmod "$mode" "$cache"
  refused "$cache" "a folder of mode $mode"
done
chmod 700 "$cache"
ln -s "$cache" "$dir/link"
refused "$dir/link" "a folder that is a symlink"
if [ "$(id -u)" -eq 0 ]; then
  chown 65534 "$cache"
  refused "$cache" "a folder owned by another user"
  chown 0 "$cache"
else
  refused / "a folder owned by root"
fi
# A good folder again: used.
run "$lbp" "$lbp_histories"
cached || fail "the folder, put right, was not used: $(cat "$dir/jit.err")"
echo "disk_cache_test: ok"
