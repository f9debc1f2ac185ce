#!/usr/bin/env bash
# What the shared libraries are made of and export (capi/CMakeLists.txt):
#   - libagr needs neither ANTLR, nor LLVM, nor the compiler;
#   - libagr_compiler takes the runtime from libagr: it holds no copy of it;
#   - libagr exports exactly the C functions agr/agr_c.h declares (but agr_agreement_compile,
#     which is libagr_compiler's), and libagr_compiler exactly its two entry points.
#
#   check_libraries.sh LIBAGR LIBAGR_COMPILER AGR_C_H
set -euo pipefail
libagr=$1 libcompiler=$2 header=$3
fail() { echo "check_libraries: $*" >&2; exit 1; }

needed=$(readelf -d "$libagr" | grep NEEDED || true)
grep -qiE "antlr|llvm|agr_compiler" <<<"$needed" && fail "libagr needs $(grep -iE 'antlr|llvm|agr_compiler' <<<"$needed")"
readelf -d "$libcompiler" | grep NEEDED | grep -q "libagr.so" || fail "libagr_compiler does not link libagr"

copies=$(nm -C --defined-only "$libcompiler" | grep -E " agr::(Agreement::|Evaluator::|evaluate_prepared|run_function)" || true)
[[ -z $copies ]] || fail "libagr_compiler holds a copy of the runtime: $(head -3 <<<"$copies")"

declared=$(grep -oE '\bagr_[a-z_]+\(' "$header" | tr -d '(' | grep -v '^agr_agreement_compile$' | sort -u)
exported=$(nm -D --defined-only "$libagr" | awk '{print $3}' | sed 's/@.*//' | grep -E '^agr_' | sort -u)
[[ $declared == "$exported" ]] || fail "libagr's C exports differ from agr_c.h: $(diff <(echo "$declared") <(echo "$exported") || true)"

compiler_exports=$(nm -D -C --defined-only "$libcompiler" | awk '$2 == "T" {print $3}' | sed 's/[(@].*//' | sort -u)
[[ $compiler_exports == $'agr::compile_agreement\nagr_agreement_compile' ]] ||
  fail "libagr_compiler exports more than its entry points: $compiler_exports"
echo "check_libraries: libagr ($(wc -l <<<"$exported") C functions) and libagr_compiler are as they should be"
