#!/bin/sh
# LLVM is loaded only when the JIT is asked for (issue 12): agr links no LLVM; a VM run, `check`
# and `compile` load neither LLVM nor the plugin; a JIT run loads both and answers as the VM does;
# the plugin is found beside agr or where the package installs it; a missing or broken plugin is a
# clear error, and the VM still works without it.
#
#   plugin_test.sh AGR SOURCE_DIR PLUGIN BINDIR PLUGIN_FROM_BIN   (BINDIR: bin; PLUGIN_FROM_BIN:
#                                                                  ../lib/agr, as installed)
set -eu
agr=$1
root=$2
plugin=$3
bindir=$4
from_bin=$5
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
lbp=$root/agreements/lbp.agr
histories=$root/examples/histories/lbp.jsonl
fail() { echo "plugin_test: $*" >&2; exit 1; }
# loads LOG: the shared objects the dynamic linker opened, as LD_DEBUG=files reports them.
loads() { grep -o 'file=[^ ]*' "$1" | sed 's/file=//' | sort -u | tr '\n' ' '; }

ldd "$agr" | grep -q libLLVM && fail "agr links LLVM: $(ldd "$agr" | grep libLLVM)"
ldd "$plugin" | grep -q libLLVM || fail "the plugin does not link LLVM: $(ldd "$plugin")"

"$agr" run "$lbp" "$histories" --engine vm >"$dir/vm.out" 2>"$dir/vm.err" || [ $? -eq 1 ] || fail "the VM run failed"
LD_DEBUG=files "$agr" run "$lbp" "$histories" --engine vm >/dev/null 2>"$dir/vm.log" || [ $? -eq 1 ] ||
  fail "the VM run failed under LD_DEBUG"
for part in libLLVM agr-jit; do
  grep -q "file=[^ ]*$part" "$dir/vm.log" && fail "a VM run loaded $part: $(loads "$dir/vm.log")"
done
LD_DEBUG=files "$agr" check "$lbp" >/dev/null 2>"$dir/check.log" || fail "agr check failed"
grep -q "file=[^ ]*libLLVM" "$dir/check.log" && fail "agr check loaded LLVM: $(loads "$dir/check.log")"

AGR_JIT_CACHE= LD_DEBUG=files "$agr" run "$lbp" "$histories" --engine jit >"$dir/jit.out" 2>"$dir/jit.log" ||
  [ $? -eq 1 ] || fail "the JIT run failed: $(grep -v '^ *[0-9]*:' "$dir/jit.log")"
grep -q "file=[^ ]*agr-jit.so" "$dir/jit.log" || fail "the JIT run did not load the plugin: $(loads "$dir/jit.log")"
grep -q "file=[^ ]*libLLVM" "$dir/jit.log" || fail "the JIT run did not load LLVM: $(loads "$dir/jit.log")"
cmp -s "$dir/vm.out" "$dir/jit.out" || fail "the JIT's output differs from the VM's"

# An agr without its plugin: the VM runs, the JIT is a clear error (exit 2).
mkdir "$dir/alone"
cp "$agr" "$dir/alone/agr"
"$dir/alone/agr" run "$lbp" "$histories" --engine vm >"$dir/alone.out" 2>"$dir/vm.err" || [ $? -eq 1 ] || fail "agr alone: the VM failed"
cmp -s "$dir/vm.out" "$dir/alone.out" || fail "agr alone: the VM's output differs"
status=0
"$dir/alone/agr" run "$lbp" "$histories" --engine jit >"$dir/alone.out" 2>"$dir/alone.err" || status=$?
[ $status -eq 2 ] || fail "agr alone: --engine jit exited $status, not 2"
[ ! -s "$dir/alone.out" ] || fail "agr alone: --engine jit wrote verdicts"
grep -q "cannot load the JIT plugin: no agr-jit.so beside $dir/alone/agr" "$dir/alone.err" ||
  fail "agr alone: $(cat "$dir/alone.err")"

# A plugin that is not one.
mkdir "$dir/broken"
cp "$agr" "$dir/broken/agr"
echo "not a shared object" >"$dir/broken/agr-jit.so"
status=0
"$dir/broken/agr" run "$lbp" "$histories" --engine jit >/dev/null 2>"$dir/broken.err" || status=$?
[ $status -eq 2 ] || fail "broken plugin: exit $status, not 2"
grep -q "cannot load the JIT plugin $dir/broken/agr-jit.so: " "$dir/broken.err" || fail "broken plugin: $(cat "$dir/broken.err")"

# The installed layout: PREFIX/bin/agr and PREFIX/lib/agr/agr-jit.so (LIBDIR/agr).
mkdir -p "$dir/prefix/$bindir" "$dir/prefix/$bindir/$from_bin"
cp "$agr" "$dir/prefix/$bindir/agr"
cp "$plugin" "$dir/prefix/$bindir/$from_bin/agr-jit.so"
AGR_JIT_CACHE= "$dir/prefix/$bindir/agr" run "$lbp" "$histories" --engine jit >"$dir/installed.out" 2>"$dir/installed.err" ||
  [ $? -eq 1 ] || fail "installed layout: $(cat "$dir/installed.err")"
cmp -s "$dir/vm.out" "$dir/installed.out" || fail "installed layout: the JIT's output differs from the VM's"
echo "plugin_test: ok"
