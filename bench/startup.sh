#!/usr/bin/env bash
# Start-up of the real agr binary, timed from outside with farm-bench (issue 12's goal: `agr check`
# and a VM `agr run` of an empty file in under 10 ms and 20 MiB). One row per command, one column
# group per agr given (so that a before and an after are measured in one run):
#
#   bench/startup.sh [AGR... (build/agr)]          environment: RUNS (9), CALLGRIND=1 to add
#                                                   instruction counts (valgrind), repeatable on a
#                                                   shared machine where times are not
#
# Rows: `agr --version` (the process, the dynamic loader and the command line, nothing else);
# `agr run lbp.agrc EMPTY` (plus loading a compiled agreement); `agr check` of a 9-line agreement
# (plus the parser's tables and a first parse) and of agreements/lbp.agr (plus parsing 180 lines);
# `agr serve lbp.agr`: the wall time from starting it to the first answer of GET /v1/health, and
# the server's peak memory then. CPU is user + system, the median of RUNS farm-bench runs; peak
# memory is the process's maximum resident set from GNU time (farm-bench cannot read a peak below
# its own, about 11 MiB), the median of 3 runs.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
runs=${RUNS:-9}
agrs=("$@")
[[ ${#agrs[@]} -gt 0 ]] || agrs=("$root/build/agr")
for agr in "${agrs[@]}"; do [[ -x $agr ]] || { echo "startup.sh: no agr at $agr" >&2; exit 2; }; done
command -v farm-bench >/dev/null && [[ -x /usr/bin/time ]] || { echo "startup.sh: needs farm-bench and GNU time" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$work/empty.jsonl"
cat >"$work/small.agr" <<'AGR'
# A small agreement: start-up and a first parse, without much to parse.
agreement small "A small agreement"
service 0301 "Indledende konsultation"
service 0302 "Træning"
course starts with 0301 ends with 0301
rule S-1 for 0302
  require date <= start + 3 months
  message "Training within 3 months of the start."
  source "Inden for 3 måneder."
AGR
"${agrs[0]}" compile "$root/agreements/lbp.agr" -o "$work/lbp.agrc"

# median FARM_BENCH_OUTPUT WHAT: the median column of the line "A WHAT".
median() { awk -v what="$2" '$0 ~ "^A " what " " { print $(NF - 1) }' <<<"$1"; }

# One row's cell: "CPU_MS ms, PEAK_MIB MiB[, INSTRUCTIONS_M M instr]".
measure() {
  local out cpu peaks=()
  out=$(farm-bench -n "$runs" -- "$@" 2>&1) || { echo "startup.sh: farm-bench failed: $out" >&2; exit 2; }
  cpu=$(median "$out" "cpu s")
  for _ in 1 2 3; do
    /usr/bin/time -f "%M" -o "$work/time.out" "$@" >/dev/null 2>&1 || true
    peaks+=("$(tail -1 "$work/time.out")")
  done
  printf "%.1f ms, %.1f MiB" "$(awk -v s="$cpu" 'BEGIN { print s * 1000 }')" \
    "$(printf "%s\n" "${peaks[@]}" | sort -n | sed -n 2p | awk '{ print $1 / 1024 }')"
  if [[ ${CALLGRIND:-0} == 1 ]]; then
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$@" >/dev/null 2>"$work/cg.log" || true
    printf ", %.1f M instr" "$(awk '/^summary:/ { print $2 / 1e6 }' "$work/cg.out")"
  fi
}

# The start of `agr serve` for every agr given, in turn (one start of each per round, so that a
# drift of the machine's speed falls on all alike): one line per agr, "WALL_MS ms wall to
# /v1/health, PEAK_MIB MiB" (medians of $runs starts).
measure_serve() {
  /usr/bin/python3 - "$root/agreements/lbp.agr" "$runs" "$@" <<'PY'
import http.client, re, signal, statistics, subprocess, sys, time
agreement, runs, agrs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
walls, peaks = {agr: [] for agr in agrs}, {agr: [] for agr in agrs}
for _ in range(runs):
    for agr in agrs:
        start = time.monotonic()
        server = subprocess.Popen([agr, "serve", agreement, "--host", "127.0.0.1", "--port", "0"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        line = server.stderr.readline().decode()
        port = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
        if not port:
            sys.exit(f"startup.sh: {agr} serve did not start: {line}{server.stderr.read().decode()}")
        connection = http.client.HTTPConnection("127.0.0.1", int(port.group(1)), timeout=10)
        connection.request("GET", "/v1/health")
        assert connection.getresponse().status == 200
        walls[agr].append(time.monotonic() - start)
        with open(f"/proc/{server.pid}/status") as status:
            peaks[agr].append(int(re.search(r"VmHWM:\s+(\d+) kB", status.read()).group(1)) / 1024)
        server.send_signal(signal.SIGTERM)
        server.wait(10)
for agr in agrs:
    print(f"{statistics.median(walls[agr]) * 1000:.1f} ms wall, {statistics.median(peaks[agr]):.1f} MiB")
PY
}

rows=("agr --version" "agr run lbp.agrc empty.jsonl" "agr check small.agr (9 lines)" "agr check agreements/lbp.agr"
      "agr serve lbp.agr: to the first /v1/health")
header="| command |"
rule="|---|"
for agr in "${agrs[@]}"; do
  header+=" $agr |"
  rule+="---|"
done
echo "medians: CPU (user + system; farm-bench -n $runs), peak memory (GNU time's maximum resident set; for serve VmHWM)$([[ ${CALLGRIND:-0} == 1 ]] && echo ", instructions (callgrind)"); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "$header"
echo "$rule"
mapfile -t serve_cells < <(measure_serve "${agrs[@]}")
for i in "${!rows[@]}"; do
  line="| \`${rows[$i]}\` |"
  for j in "${!agrs[@]}"; do
    agr=${agrs[$j]}
    case $i in
      0) cell=$(measure "$agr" --version) ;;
      1) cell=$(measure "$agr" run "$work/lbp.agrc" "$work/empty.jsonl") ;;
      2) cell=$(measure "$agr" check "$work/small.agr") ;;
      3) cell=$(measure "$agr" check "$root/agreements/lbp.agr") ;;
      4) cell=${serve_cells[$j]} ;;
    esac
    line+=" $cell |"
  done
  echo "$line"
done
