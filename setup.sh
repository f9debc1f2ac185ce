#!/usr/bin/env bash
# Sets agr up on a fresh Debian 12 machine and runs the main job: installs the Debian packages
# it needs, builds, then evaluates the bundled example histories with the bundled LBP agreement
# and prints the verdicts.
#
#   ./setup.sh            install, build, evaluate the examples
#   ./setup.sh --build    install and build only
set -euo pipefail
cd "$(dirname "$0")"

packages=(cmake make g++ pkg-config antlr4 libantlr4-runtime-dev libfmt-dev catch2 libsimdjson-dev
          clang libclang-rt-14-dev llvm-14-dev libsqlite3-dev libcli11-dev libcpp-httplib-dev chromium nodejs
          pybind11-dev python3-dev python3-pandas python3-dask python3-distributed)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
command -v npm >/dev/null 2>&1 || missing+=(npm)  # a nodejs from elsewhere may bring its own npm
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The VS Code extension's packages (package-lock.json), for the test of its grammar.
npm ci --prefix editors/vscode --no-audit --no-fund --loglevel=error

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)"

if [ "${1:-}" != "--build" ]; then
  echo
  echo "== agr check agreements/*.agr"
  build/agr check agreements/*.agr
  echo
  echo "== agr run agreements/lbp.agr examples/histories/lbp.jsonl"
  # The examples hold two bad lines on purpose (error lines, exit status 1): that is the contract.
  status=0
  build/agr run agreements/lbp.agr examples/histories/lbp.jsonl || status=$?
  [ "$status" -le 1 ] || exit "$status"
fi
