#!/bin/sh
# The server is a program of its own (tools/agr/serve.cpp): agr links no cpp-httplib, OpenSSL or
# brotli, and a command other than serve maps none of them; `agr serve` becomes agr-serve (the same
# process) with the arguments it was given, found beside agr or where the package installs it;
# without it, `agr serve` is a clear error while --help and every other command still work.
#
#   load_path_test.sh AGR AGR_SERVE SOURCE_DIR BINDIR SERVE_FROM_BIN   (BINDIR: bin; SERVE_FROM_BIN:
#                                                                      ../libexec/agr, as installed)
set -eu
agr=$1
agr_serve=$2
root=$3
bindir=$4
from_bin=$5
dir=$(mktemp -d)
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
lbp=$root/agreements/lbp.agr
fail() { echo "load_path_test: $*" >&2; exit 1; }
http_libraries='libcpp-httplib|libssl|libcrypto|libbrotli'

ldd "$agr" | grep -Eq "$http_libraries" && fail "agr links the server's libraries: $(ldd "$agr" | grep -E "$http_libraries")"
ldd "$agr_serve" | grep -q libcpp-httplib || fail "agr-serve does not link cpp-httplib: $(ldd "$agr_serve")"
LD_DEBUG=files "$agr" check "$lbp" >/dev/null 2>"$dir/check.log" || fail "agr check failed"
grep -Eq "file=[^ ]*($http_libraries)" "$dir/check.log" && fail "agr check loaded the server's libraries"

# serves AGR OPERAND...: starts AGR serve on a free port with options first, then "--" and the
# operands (one may begin with '-'), answers GET /v1/health with the agreements it loaded, and
# stops on SIGTERM with exit 0. Sets $agreements to the health answer's count.
serves() {
  program=$1
  shift
  : >"$dir/serve.log"
  "$program" serve --host 127.0.0.1 --port 0 --timeout 2.5 --workers 2 -- "$@" 2>"$dir/serve.log" &
  pid=$!
  tries=0
  until port=$(grep -o 'listening on http://127\.0\.0\.1:[0-9]*' "$dir/serve.log" | grep -o '[0-9]*$'); do
    kill -0 "$pid" 2>/dev/null || fail "$program serve exited: $(cat "$dir/serve.log")"
    tries=$((tries + 1))
    [ $tries -lt 400 ] || fail "$program serve did not start: $(cat "$dir/serve.log")"
    sleep 0.05
  done
  grep -q "with 2 workers" "$dir/serve.log" || fail "--workers was not handed over: $(cat "$dir/serve.log")"
  # The server is the process agr was: its executable is now agr-serve.
  [ "$(basename "$(readlink "/proc/$pid/exe")")" = agr-serve ] || fail "pid $pid is not agr-serve"
  health=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' \
    "http://127.0.0.1:$port/v1/health") || fail "GET /v1/health failed: $(cat "$dir/serve.log")"
  agreements=$(echo "$health" | grep -o '"agreements":[0-9]*' | grep -o '[0-9]*$')
  kill -TERM "$pid"
  status=0
  wait "$pid" || status=$?
  pid=
  [ $status -eq 0 ] || fail "$program serve exited $status on SIGTERM: $(cat "$dir/serve.log")"
}

# Operands as given, one of them beginning with '-' and holding a space.
mkdir "$dir/-two folders"
cp "$root/agreements/ste.agr" "$dir/-two folders/"
cd "$dir"
serves "$agr" "$lbp" "-two folders"
[ "$agreements" = 2 ] || fail "agr serve loaded $agreements agreements, not 2: $health"

# agr without agr-serve: --help and the other commands work, serve says what is missing (exit 2).
mkdir "$dir/alone"
cp "$agr" "$dir/alone/agr"
"$dir/alone/agr" serve --help | grep -q "AGREEMENT_OR_FOLDER" || fail "agr alone: serve --help failed"
"$dir/alone/agr" check "$lbp" >/dev/null || fail "agr alone: check failed"
status=0
"$dir/alone/agr" serve "$lbp" --port 0 >"$dir/alone.out" 2>"$dir/alone.err" || status=$?
[ $status -eq 2 ] || fail "agr alone: serve exited $status, not 2"
grep -q "^agr serve: cannot start the server: no agr-serve beside $dir/alone/agr or at " "$dir/alone.err" ||
  fail "agr alone: $(cat "$dir/alone.err")"
# A usage error is still agr's own, before any server is looked for.
status=0
"$dir/alone/agr" serve "$lbp" --port 70000 2>"$dir/alone.err" || status=$?
[ $status -eq 2 ] && grep -q "^agr serve: --port: " "$dir/alone.err" || fail "agr alone: bad --port: $(cat "$dir/alone.err")"

# An agr-serve that cannot be run.
mkdir "$dir/broken"
cp "$agr" "$dir/broken/agr"
echo "not a program" >"$dir/broken/agr-serve"
status=0
"$dir/broken/agr" serve "$lbp" 2>"$dir/broken.err" || status=$?
[ $status -eq 2 ] || fail "broken agr-serve: exit $status, not 2"
grep -q "^agr serve: cannot start the server $dir/broken/agr-serve: " "$dir/broken.err" ||
  fail "broken agr-serve: $(cat "$dir/broken.err")"

# The installed layout: PREFIX/bin/agr and PREFIX/libexec/agr/agr-serve (LIBEXECDIR/agr).
mkdir -p "$dir/prefix/$bindir" "$dir/prefix/$bindir/$from_bin"
cp "$agr" "$dir/prefix/$bindir/agr"
cp "$agr_serve" "$dir/prefix/$bindir/$from_bin/agr-serve"
serves "$dir/prefix/$bindir/agr" "$lbp"
[ "$agreements" = 1 ] || fail "installed layout: $agreements agreements, not 1: $health"
echo "load_path_test: ok"
