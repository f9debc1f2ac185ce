#!/usr/bin/env bash
# The installed package, as an integrator meets it: `cmake --install` into a temporary prefix,
# then, against that prefix only,
#   - a CMake project outside the tree (consumer/: find_package(agr) and agr::runtime or
#     agr::compiler) builds the examples, and a C and a C++ program build with pkg-config;
#   - each runs on a compiled agreement and the example histories, and its output is compared
#     with what the installed `agr run` writes (byte for byte, or through verdicts_as_text.py);
#   - the installed Python module gives the same lines;
#   - the installed `agr serve` (agr-serve in LIBEXECDIR/agr) answers.
#
#   install_test.sh BUILD_DIR SOURCE_DIR WORK_DIR PYTHON
#
# AGR_CONSUMER_FLAGS (the sanitizer flags of a sanitized build) go to every consumer compile, and
# AGR_PYTHON_ENV (NAME=VALUE words: the sanitizer runtime to preload) to every Python run.
set -euo pipefail
build=$1 src=$2 work=$3 python_program=$4
flags=${AGR_CONSUMER_FLAGS:-}
python() { env ${AGR_PYTHON_ENV:-} "$python_program" "$@"; }
here="$src/tests/integrators"
histories="$src/examples/histories/lbp.jsonl"

fail() { echo "install_test: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work"
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"

# What is installed: the public headers and nothing internal.
for f in bin/agr include/agr/agr.h include/agr/agr_c.h include/agr/compiler.h include/agr/version.h; do
  [[ -e $prefix/$f ]] || fail "$f was not installed"
done
libdir=$(dirname "$(find "$prefix" -name 'libagr.so.0' | head -1)")
[[ -d $libdir && -e $libdir/libagr_compiler.so.0 && -e $libdir/cmake/agr/agrConfigVersion.cmake ]] ||
  fail "the libraries or the CMake package are missing"
[[ -e $libdir/pkgconfig/agr.pc && -e $libdir/pkgconfig/agr-compiler.pc ]] || fail "the .pc files are missing"
[[ -z $(find "$prefix/include" -name 'program.h' -o -name 'evaluate.h') ]] || fail "an internal header was installed"

"$prefix/bin/agr" compile "$src/agreements/lbp.agr" -o "$work/lbp.agrc"

# agr serve execs the installed agr-serve (LIBEXECDIR/agr), found from where agr is.
[[ -n $(find "$prefix" -path '*/agr/agr-serve' -perm -u+x) ]] || fail "agr-serve was not installed"
"$python_program" - "$prefix/bin/agr" "$src" <<'PY' || fail "the installed agr serve does not answer"
import sys
sys.path.insert(0, sys.argv[2] + "/tests/server")
from agr_serve import AgrServer
with AgrServer(sys.argv[1], [sys.argv[2] + "/agreements/lbp.agr"]) as server:
    status, health = server.json("GET", "/v1/health")
    assert status == 200 and health["agreements"] == 1, (status, health)
    assert server.stop() == 0, server.log()
PY
status=0
"$prefix/bin/agr" run "$work/lbp.agrc" "$histories" >"$work/expected.out" || status=$?
[[ $status -eq 1 ]] || fail "agr run exited $status on the example histories (two bad lines: 1 expected)"
python "$here/verdicts_as_text.py" summary "$work/expected.out" >"$work/expected.summary"
python "$here/verdicts_as_text.py" embed "$work/expected.out" c-17 >"$work/expected.embed"
grep -q "^#define AGR_VERSION_STRING \"$("$prefix/bin/agr" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1)\"" \
  "$prefix/include/agr/version.h" || fail "the installed agr/version.h is not agr --version's"

# Several agreements in one run: LBP's example histories, then STE's, each naming its agreement,
# as `agr run LBP STE` judges them.
"$prefix/bin/agr" compile "$src/agreements/ste.agr" -o "$work/ste.agrc"
mixed="$work/mixed.jsonl"
sed 's/^{/{"agreement": "lbp", /' "$histories" >"$mixed"
sed 's/^{/{"agreement": "ste", /' "$src/examples/histories/ste.jsonl" >>"$mixed"
status=0
"$prefix/bin/agr" run "$work/lbp.agrc" "$work/ste.agrc" "$mixed" >"$work/expected.mixed" || status=$?
[[ $status -eq 1 ]] || fail "agr run of LBP and STE exited $status on the mixed examples (1 expected)"
python "$here/verdicts_as_text.py" summary "$work/expected.mixed" >"$work/expected.mixed.summary"

# Runs PROGRAM ARGS... (exit status 0 or 1 as agr run's) and compares its stdout with EXPECTED.
check() {
  local expected=$1; shift
  local status=0
  "$@" >"$work/actual" 2>"$work/stderr" || status=$?
  [[ $status -le 1 ]] || { cat "$work/stderr" >&2; fail "$* exited $status"; }
  cmp -s "$expected" "$work/actual" || { diff "$expected" "$work/actual" | head -20 >&2; fail "$* differs from $expected"; }
  echo "ok: $*"
}

# A CMake project outside the tree.
cmake -S "$here/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >"$work/consumer.log" ||
  { cat "$work/consumer.log"; fail "the consumer project does not configure"; }
cmake --build "$work/consumer" >>"$work/consumer.log" 2>&1 || { cat "$work/consumer.log"; fail "the consumer does not build"; }
check "$work/expected.out" "$work/consumer/embed_c_example" "$work/lbp.agrc" "$histories"
check "$work/expected.summary" "$work/consumer/embed_c_example" "$work/lbp.agrc" "$histories" --summary
check "$work/expected.mixed" "$work/consumer/embed_c_example" "$work/lbp.agrc" "$work/ste.agrc" "$mixed"
check "$work/expected.mixed.summary" "$work/consumer/embed_c_example" "$work/lbp.agrc" "$work/ste.agrc" "$mixed" --summary
check "$work/expected.embed" "$work/consumer/embed_example" "$work/lbp.agrc"
check "$work/expected.out" "$work/consumer/compile_example" "$src/agreements/lbp.agr" "$histories"
check "$work/expected.out" "$work/consumer/compile_example" "$work/lbp.agrc" "$histories"

# pkg-config, for builds without CMake: C99 and C++17.
export PKG_CONFIG_PATH="$libdir/pkgconfig"
rpath="-Wl,-rpath,$(pkg-config --variable=libdir agr)"
cc -std=c99 -Wall -Wextra -Werror $flags "$src/examples/embed.c" $(pkg-config --cflags --libs agr) "$rpath" \
  -o "$work/pc_embed_c"
check "$work/expected.out" "$work/pc_embed_c" "$work/lbp.agrc" "$histories"
c++ -std=c++17 -Wall -Wextra -Werror $flags "$src/examples/embed.cpp" $(pkg-config --cflags --libs agr) "$rpath" \
  -o "$work/pc_embed_cpp"
check "$work/expected.embed" "$work/pc_embed_cpp" "$work/lbp.agrc"
c++ -std=c++17 -Wall -Wextra -Werror $flags "$src/examples/compile.cpp" $(pkg-config --cflags --libs agr-compiler) \
  "$rpath" -pthread -o "$work/pc_compile"
check "$work/expected.out" "$work/pc_compile" "$src/agreements/lbp.agr" "$histories"

# The installed Python module, and only it.
site=$(dirname "$(find "$prefix" -path '*-packages/agr/__init__.py' | head -1)")
[[ -d $site ]] || fail "the Python module was not installed"
export PYTHONPATH=$(dirname "$site")
python -c 'import agr, sys; assert agr.__file__.startswith(sys.argv[1]), agr.__file__' "$prefix"
check "$work/expected.out" python -c \
  'import agr, sys; sys.stdout.writelines(agr.Agreement(sys.argv[1]).run(open(sys.argv[2], "rb")))' \
  "$src/agreements/lbp.agr" "$histories"
check "$work/expected.mixed" python -c \
  'import agr, sys; sys.stdout.writelines(agr.AgreementSet(sys.argv[1:3]).run(open(sys.argv[3], "rb")))' \
  "$src/agreements/lbp.agr" "$work/ste.agrc" "$mixed"
echo "install_test: the installed package works from $prefix"
